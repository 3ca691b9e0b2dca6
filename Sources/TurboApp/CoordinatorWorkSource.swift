import Foundation
import TurboAPI
import TurboCore
import TurboGit
import TurboServices

extension CoordinatorAPI {
    /// Runs a call on a leased issue; the refusals an agent session handles become its errors: a stale epoch (409
    /// `stale_lease`), and with `lostWhenForbidden` a lease held by another agent or an issue gone (403, 404), as
    /// ``TurboError/staleLease(issue:reason:)``; a refused submission the agent can fix (409 `conflicting_state`) as
    /// ``TurboError/conflictingState(_:)``.
    func fenced<T: Sendable>(
        _ issue: IssueKey, lostWhenForbidden: Bool = false, _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let refusal as APIRefusal {
            let lost = refusal.code == "stale_lease" || (lostWhenForbidden && [403, 404].contains(refusal.status))
            if lost {
                throw TurboError.staleLease(issue: issue.description, reason: "\(refusal.code): \(refusal.message)")
            }
            if refusal.code == "conflicting_state" {
                throw TurboError.conflictingState("\(refusal.code): \(refusal.message)")
            }
            throw refusal
        }
    }
}

/// A remote worker's work source: the coordinator's REST work routes with the worker's agent token. Commits reach
/// the coordinator through git hooks as they are made; a submission pushes once more first. Usage and permission
/// denials stay in the worker's logs (the coordinator has no route for them yet).
struct CoordinatorWorkSource: WorkSource {
    let client: CoordinatorAPI
    let issue: IssueKey
    let epoch: Int
    let agent: String
    let git: GitRepository
    let remote: String
    let branch: String
    let worktree: String?
    let report: @Sendable (String) -> Void

    func heartbeat() async throws {
        // The lease went to another agent (or the issue is gone): as lost as a stale epoch.
        _ = try await client.fenced(issue, lostWhenForbidden: true) {
            try await client.heartbeat(issue.description, epoch: epoch)
        }
    }

    func state() async throws -> AgentSession.State {
        let status = try await client.issue(issue.description).status
        let last = try await client.workLogs(issue.description).last
        return .from(
            startedBy: last?.startedBy, active: last?.active ?? false, outcome: last?.outcome, agent: agent,
            status: status)
    }

    func submit() async throws {
        if let worktree { try await RemoteWorker.push(git: git, remote: remote, branch: branch, from: worktree) }
        _ = try await client.fenced(issue) { try await client.submit(issue.description, epoch: epoch) }
    }

    /// `release` back to the queue, or `blocked` (the route that sets an issue aside with a comment); a busy
    /// coordinator may fail a call, and the lease would only come back at its expiry, so it is tried a few times.
    func giveBack(_ after: AgentSession.Aftermath) async {
        let setAside: Bool
        switch after.giveBack {
        case .none: return
        case .ready: setAside = false
        case .setAside: setAside = true
        }
        let (client, issue, epoch) = (client, issue, epoch)
        let reason = after.comment ?? after.reason
        var lastError: (any Error)?
        for attempt in 0..<4 {
            do {
                try await Task {
                    try await client.fenced(issue) {
                        if setAside {
                            try await client.reportBlocked(issue.description, epoch: epoch, reason: reason)
                        } else {
                            try await client.release(issue.description, epoch: epoch, reason: reason)
                        }
                    }
                }.value
                return
            } catch TurboError.staleLease {
                return  // Already expired or taken over: nothing of ours to give back.
            } catch {
                lastError = error
                try? await Task { try await Task.sleep(for: .milliseconds(250 << attempt)) }.value
            }
        }
        report(
            "\(issue): could not give the issue back (\(lastError.map { "\($0)" } ?? "?")); its lease expires on its own"
        )
    }

    func alert(_ kind: AlertKind, _ message: String) async { report("alert (\(kind.rawValue)) \(issue): \(message)") }

    func usage(inputTokens: Int, outputTokens: Int, costUSD: Double?) async {}

    func denied(_ denial: String) async { report("\(issue): \(agent) was refused \(denial)") }
}
