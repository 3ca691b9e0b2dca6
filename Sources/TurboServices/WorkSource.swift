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
    public let work: WorkService
    public let issue: Issue
    public let agent: String
    public let epoch: Int
    /// The session's work log (usage goes there).
    public let log: UUID
    let report: @Sendable (String) -> Void

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

    public func heartbeat() async throws { _ = try await work.heartbeat(.id(issue.id), agent: agent, epoch: epoch) }

    public func state() async throws -> AgentSession.State {
        let log = try await store.workLogs(of: .id(issue.id)).last
        return .from(
            startedBy: log?.startedBy, active: log?.isActive ?? false, outcome: log?.outcome, agent: agent,
            status: try await store.issue(.id(issue.id)).status)
    }

    public func submit() async throws {
        _ = try await work.submit(.id(issue.id), agent: agent, epoch: epoch, commitURL: nil)
    }

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

    public func alert(_ kind: AlertKind, _ message: String) async {
        _ = try? await store.appendEvent(.alert(kind, subject: issue.key.description, message: message, agent: agent))
    }

    public func usage(inputTokens: Int, outputTokens: Int, costUSD: Double?) async {
        _ = try? await store.addUsage(
            toWorkLog: log, inputTokens: inputTokens, outputTokens: outputTokens, costUSD: costUSD)
    }

    public func denied(_ denial: String) async {
        _ = try? await store.appendEvent(
            .permissionDenied(issue: issue.key.description, agent: agent, denial: denial))
        report("\(issue.key): \(agent) was refused \(denial)")
    }
}
