public import Foundation
public import TurboCore

/// Where one session's work is recorded, under its lease: the coordinator's own store for the local pool
/// (``StoreWorkSource``), or the coordinator over REST for a worker on another machine. ``AgentSession`` runs the
/// agent against either the same way; the pool or the worker applies the session's ``AgentSession/Aftermath``
/// through ``giveBack(_:)``.
public protocol WorkSource: Sendable {
    /// Renews the lease; throws `TurboError.staleLease` once it is lost (the agent is then stopped).
    func heartbeat() async throws
    /// Where the session's work stands at the coordinator now.
    func state() async throws -> AgentSession.State
    /// Hands the work in for the agent (CLIs that submit by exiting cleanly).
    func submit() async throws
    /// Gives the issue back (to the queue, or set aside) as `after` says; never cancelled, retried where the
    /// coordinator is remote.
    func giveBack(_ after: AgentSession.Aftermath) async
    /// Raises an alert about the session.
    func alert(_ kind: AlertKind, _ message: String) async
    /// Adds one run's tokens and cost to the session's work log.
    func usage(inputTokens: Int, outputTokens: Int, costUSD: Double?) async
    /// Records a tool call the agent's CLI refused.
    func denied(_ denial: String) async
}

/// The local pool's work source: the store, through ``WorkService``.
public struct StoreWorkSource: WorkSource {
    /// Heartbeats and submissions go through it; the rest is written to its store.
    public let work: WorkService
    /// The issue the session works on.
    public let issue: Issue
    /// The agent id the lease is held by.
    public let agent: String
    /// The epoch of the session's lease; every write names it.
    public let epoch: Int
    /// The session's work log (usage goes there).
    public let log: UUID
    let report: @Sendable (String) -> Void

    /// The source for one session: `issue` leased to `agent` under `epoch`; `report` gets a line per refused tool call.
    public init(
        work: WorkService, issue: Issue, agent: String, epoch: Int, log: UUID,
        report: @escaping @Sendable (String) -> Void
    ) {
        self.work = work
        self.issue = issue
        self.agent = agent
        self.epoch = epoch
        self.log = log
        self.report = report
    }

    var store: any TurboStore { work.store }

    /// Renews the lease for the work service's TTL; throws `TurboError.staleLease` once it is lost.
    public func heartbeat() async throws { _ = try await work.heartbeat(.id(issue.id), agent: agent, epoch: epoch) }

    /// From this session's work log and the issue's current status. Its own log, not the issue's latest: once work
    /// it submitted comes back (changes requested), a new session's log is the latest while this one's agent may
    /// still be finishing its turn, and must not be told it is still working (or that its lease is gone).
    public func state() async throws -> AgentSession.State {
        let logs = try await store.workLogs(of: .id(issue.id))
        let log = logs.first { $0.id == self.log } ?? logs.last
        return .from(
            startedBy: log?.startedBy, active: log?.isActive ?? false, outcome: log?.outcome, agent: agent,
            status: try await store.issue(.id(issue.id)).status)
    }

    /// Submits under the session's lease; throws what ``WorkService/submit(_:agent:epoch:commitURL:)`` refuses.
    public func submit() async throws {
        _ = try await work.submit(.id(issue.id), agent: agent, epoch: epoch, commitURL: nil)
    }

    /// Ends the lease with the issue `ready` or `open` as `after` says (nothing for `.none`); write errors are ignored.
    public func giveBack(_ after: AgentSession.Aftermath) async {
        let status: IssueStatus
        switch after.giveBack {
        case .none: return
        case .ready: status = .ready
        case .setAside: status = .open
        }
        // Whatever happened, the issue does not stay with a process that is gone (written from a task of its own:
        // the session's may be cancelled).
        let (store, issue, agent, epoch) = (store, issue, agent, epoch)
        _ = try? await Task {
            try await store.finishLease(
                on: .id(issue.id), agent: agent, epoch: epoch, status: status, end: WorkLogEnd(outcome: .released),
                comment: after.comment, reason: after.reason)
        }.value
    }

    /// Appends an `alert.raised` event about the issue; a failure to write it is ignored.
    public func alert(_ kind: AlertKind, _ message: String) async {
        _ = try? await store.appendEvent(.alert(kind, subject: issue.key.description, message: message, agent: agent))
    }

    /// Adds the tokens and cost to the session's work log; a failure to write them is ignored.
    public func usage(inputTokens: Int, outputTokens: Int, costUSD: Double?) async {
        _ = try? await store.addUsage(
            toWorkLog: log, inputTokens: inputTokens, outputTokens: outputTokens, costUSD: costUSD)
    }

    /// Appends an `agent.permission_denied` event and reports it; a failure to write it is ignored.
    public func denied(_ denial: String) async {
        _ = try? await store.appendEvent(
            .permissionDenied(issue: issue.key.description, agent: agent, denial: denial))
        report("\(issue.key): \(agent) was refused \(denial)")
    }
}
