import Foundation
import TurboCore

/// The issue as a worker needs it for the prompt.
package struct IssueBrief: Sendable {
    /// The issue's key (`TURBO-12`).
    package var key: IssueKey
    /// The one-line summary.
    package var title: String
    /// The free-text body; empty when none was given.
    package var description: String
    /// The issue type's raw value (`task`, `bug`…).
    package var type: String
    /// The priority's raw value (`medium`…).
    package var priority: String
    /// Where the issue is in its life cycle.
    package var status: IssueStatus
    /// Labels an agent must have to take the issue; empty means any agent.
    package var capabilities: [String]
    /// Globs of the files the issue expects to touch; the prompt asks the agent to stay within them.
    package var paths: [String]
    /// The API's JSON of the issue as the server sent it (`turbocode work show --json`); empty for the issue inside
    /// a claim, whose answer is ``ClaimedIssue/json``.
    package var json: Data
}

/// A lease taken by ``CoordinatorAPI/claim(capabilities:agent:location:)``.
package struct ClaimedIssue: Sendable {
    /// The claimed issue.
    package var issue: IssueBrief
    /// The lease's epoch, which fences every later heartbeat, submission and release.
    package var epoch: Int
    /// The worktree's path on the coordinator, or the `location` a remote claim gave.
    package var worktree: String
    /// The issue's branch, which the work is committed to.
    package var branch: String
    /// The project's base branch, which the issue branch starts from and merges into.
    package var baseBranch: String
    /// The API's JSON of the claim.
    package var json: Data
}

/// A renewed lease.
package struct RenewedLease: Sendable {
    /// The lease's epoch, unchanged by a renewal.
    package var epoch: Int
    /// When the lease lapses unless renewed again.
    package var expiresAt: Date
}

/// What a submission handed in.
package struct Submission: Sendable {
    /// How many commits the branch has over its base.
    package var commits: Int
    /// The branch head that was handed in (full SHA).
    package var head: String
    /// The API's JSON of the submission.
    package var json: Data
}

/// A work session of an issue, as far as a worker's state needs it.
package struct WorkLogSummary: Sendable {
    /// Who opened the session (`ai:<agent>` or `user:<name>`).
    package var startedBy: String
    /// Whether the session is still open (no end time).
    package var active: Bool
    /// How the session ended; nil while it is open.
    package var outcome: WorkOutcome?
}

extension CoordinatorAPI {
    /// Claims the best eligible issue: nil when nothing eligible fits (204).
    package func claim(capabilities: [String], agent: String? = nil, location: String? = nil) async throws
        -> ClaimedIssue?
    {
        let (output, answer) = try await recording { client in
            try await client.claimNextIssue(
                body: .json(
                    .init(
                        agent: agent, capabilities: capabilities.isEmpty ? nil : capabilities,
                        location: location)))
        }
        switch output {
        case .ok(let ok):
            let claimed = try ok.body.json
            return ClaimedIssue(
                issue: try Self.brief(claimed.issue, json: Data()), epoch: claimed.epoch, worktree: claimed.worktree,
                branch: claimed.branch, baseBranch: claimed.baseBranch, json: answer)
        case .noContent: return nil
        default: throw Self.unexpected(output)
        }
    }

    /// One issue.
    package func issue(_ key: String) async throws -> IssueBrief {
        let (issue, answer) = try await recording { client in
            try await client.getIssue(path: .init(issue: key)).ok.body.json
        }
        return try Self.brief(issue, json: answer)
    }

    /// The issue's work sessions, oldest first.
    package func workLogs(_ key: String) async throws -> [WorkLogSummary] {
        try await call { client in try await client.listIssueWorkLogs(path: .init(issue: key)).ok.body.json }.map {
            WorkLogSummary(
                startedBy: $0.startedBy, active: $0.endedAt == nil,
                outcome: try $0.outcome.map { try WorkOutcome(parsing: $0.rawValue) })
        }
    }

    /// The issue's blockers: key, title, status.
    package func blockers(_ key: String) async throws -> [(key: String, title: String, status: String)] {
        try await call { client in try await client.getDependencies(path: .init(issue: key)).ok.body.json }.blockers
            .map { (key: $0.key, title: $0.title, status: $0.status.rawValue) }
    }

    /// The issue's comments, oldest first.
    package func comments(_ key: String) async throws -> [(author: String, body: String)] {
        try await call { client in try await client.listComments(path: .init(issue: key)).ok.body.json }.map {
            (author: $0.author, body: $0.body)
        }
    }

    /// Renews the lease (the caller's live lease without an epoch), recording progress when given.
    package func heartbeat(_ key: String, epoch: Int?, message: String? = nil, percent: Int? = nil) async throws
        -> RenewedLease
    {
        let lease = try await call { client in
            try await client.heartbeat(
                path: .init(issue: key), body: .json(.init(epoch: epoch, message: message, percent: percent))
            ).ok.body.json
        }
        return RenewedLease(epoch: lease.epoch, expiresAt: lease.expiresAt)
    }

    /// Submits the work for verification.
    package func submit(_ key: String, epoch: Int?, commitURL: String? = nil) async throws -> Submission {
        let (submitted, answer) = try await recording { client in
            try await client.submitIssue(
                path: .init(issue: key), body: .json(.init(epoch: epoch, commitUrl: commitURL))
            ).ok.body.json
        }
        return Submission(commits: submitted.commits, head: submitted.head, json: answer)
    }

    /// Gives the issue back to the queue.
    package func release(_ key: String, epoch: Int?, reason: String? = nil) async throws {
        _ = try await call { client in
            try await client.releaseIssue(path: .init(issue: key), body: .json(.init(epoch: epoch, reason: reason)))
                .ok
        }
    }

    /// Sets the issue aside (open) with the reason as a comment.
    package func reportBlocked(_ key: String, epoch: Int?, reason: String) async throws {
        _ = try await call { client in
            try await client.reportBlocked(path: .init(issue: key), body: .json(.init(epoch: epoch, reason: reason)))
                .ok
        }
    }

    static func brief(_ issue: Components.Schemas.IssueDocument, json: Data) throws -> IssueBrief {
        guard let key = IssueKey(parsing: issue.key) else {
            throw TurboError.invalidInput("the coordinator sent a malformed issue key '\(issue.key)'")
        }
        return IssueBrief(
            key: key, title: issue.title, description: issue.description, type: issue._type.rawValue,
            priority: issue.priority.rawValue, status: try IssueStatus(parsing: issue.status.rawValue),
            capabilities: issue.capabilities, paths: issue.paths, json: json)
    }

    static func unexpected(_ output: some Sendable) -> TurboError {
        .invalidInput("the coordinator answered with something this client does not expect: \(output)")
    }
}
