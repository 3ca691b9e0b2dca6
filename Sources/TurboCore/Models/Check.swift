public import Foundation

/// What a check on an issue's work judged.
public enum CheckKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// The coordinator's verification of a submission: commits, a clean tree, the tests, a clean merge.
    case verification
    /// A person (or `auto_merge`) approved the work for the merge queue.
    case approval
    /// A person asked for changes; the comment goes back to the agent.
    case changesRequested = "changes_requested"
    /// The merge queue merged the work into the base branch, or failed to.
    case merge
    /// `review.mode: pull_request`: the branch was pushed and a pull request opened; the issue closes when it is
    /// merged.
    case pullRequest = "pull_request"
}

/// A recorded judgement on an issue's work, with its evidence (test results, diff stat, merge commit, …).
public struct Check: Hashable, Sendable, Identifiable {
    /// The check's UUID, lower-case in JSON and events.
    public var id: UUID
    /// The UUID of the issue whose work was judged.
    public var issueID: UUID
    /// The key of that issue.
    public var issueKey: IssueKey
    /// What was judged: verification, review decision, merge or pull request.
    public var kind: CheckKind
    /// Whether the judgement went the work's way: verification or merge succeeded, approved, pull request
    /// opened; false for changes requested.
    public var passed: Bool
    /// One line: what was found.
    public var summary: String
    /// The details, as a JSON object.
    public var evidence: JSONValue
    /// `user:<name>`, `ai:<agent>` or `turbocode`.
    public var actor: String
    /// When it was recorded.
    public var createdAt: Date

    /// A check as a store reads or records it.
    public init(
        id: UUID, issueID: UUID, issueKey: IssueKey, kind: CheckKind, passed: Bool, summary: String,
        evidence: JSONValue, actor: String, createdAt: Date
    ) {
        self.id = id
        self.issueID = issueID
        self.issueKey = issueKey
        self.kind = kind
        self.passed = passed
        self.summary = summary
        self.evidence = evidence
        self.actor = actor
        self.createdAt = createdAt
    }

    /// The event written with the check.
    public var eventType: EventType {
        switch kind {
        case .verification: passed ? .verificationPassed : .verificationFailed
        case .approval: .reviewApproved
        case .changesRequested: .reviewChangesRequested
        case .merge: passed ? .mergeSucceeded : .mergeFailed
        case .pullRequest: .pullRequestOpened
        }
    }
}

/// A check to record, and what it does to the issue, all in one transaction.
public struct NewCheck: Sendable, Hashable {
    /// What is judged.
    public var kind: CheckKind
    /// Whether the work passed (see ``Check/passed``).
    public var passed: Bool
    /// One line: what was found.
    public var summary: String
    /// The details, as a JSON object; empty by default.
    public var evidence: JSONValue
    /// Who judged: `user:<name>`, `ai:<agent>` or `turbocode`.
    public var actor: String
    /// The status the issue must be in (else nothing is written: someone moved it meanwhile).
    public var expecting: IssueStatus
    /// The transitions to make, in order (for example `[.inProgress]` to send work back, `[.closed]` after a merge).
    public var moves: [IssueStatus]
    /// The closed reason when `moves` ends in `closed`.
    public var closedReason: ClosedReason?
    /// A comment added to the issue (by `actor`).
    public var comment: String?

    /// A check that moves nothing and adds no comment unless `moves` and `comment` say so.
    public init(
        kind: CheckKind, passed: Bool, summary: String, evidence: JSONValue = [:], actor: String,
        expecting: IssueStatus, moves: [IssueStatus] = [], closedReason: ClosedReason? = nil, comment: String? = nil
    ) {
        self.kind = kind
        self.passed = passed
        self.summary = summary
        self.evidence = evidence
        self.actor = actor
        self.expecting = expecting
        self.moves = moves
        self.closedReason = closedReason
        self.comment = comment
    }
}

extension EventDraft {
    /// `verification.passed|failed`, `review.approved|changes_requested`, `merge.succeeded|failed`.
    public static func check(_ check: Check) -> EventDraft {
        EventDraft(
            type: check.eventType, subject: check.issueKey.description,
            payload: [
                "id": .string(check.id.lowercasedString), "issue": .string(check.issueKey.description),
                "kind": .string(check.kind.rawValue), "passed": .bool(check.passed),
                "summary": .string(check.summary), "actor": .string(check.actor), "evidence": check.evidence,
            ])
    }
}
