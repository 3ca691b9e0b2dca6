import Foundation

/// The JSON shape of a check (verification, review decision, merge).
public struct CheckDocument: Encodable, Sendable, Hashable {
    /// The check; its issue appears by key.
    public var check: Check

    /// The document of `check`.
    public init(_ check: Check) { self.check = check }

    enum CodingKeys: String, CodingKey {
        case id, issue, kind, passed, summary, evidence, actor, createdAt = "created_at"
    }

    /// Writes the check's fields; `evidence` as the JSON object it is.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(check.id.lowercasedString, forKey: .id)
        try c.encode(check.issueKey.description, forKey: .issue)
        try c.encode(check.kind.rawValue, forKey: .kind)
        try c.encode(check.passed, forKey: .passed)
        try c.encode(check.summary, forKey: .summary)
        try c.encode(check.evidence, forKey: .evidence)
        try c.encode(check.actor, forKey: .actor)
        try c.encode(check.createdAt, forKey: .createdAt)
    }
}

/// The JSON shape of an issue waiting in review, with what a reviewer weighs.
public struct ReviewDocument: Encodable, Sendable, Hashable {
    /// The issue in review, written as a full ``IssueDocument``.
    public var issue: Issue
    /// The latest verification; nil when none was recorded.
    public var verification: Check?
    /// The latest check when it is not a verification (approval, changes requested, merge); nil otherwise.
    public var decision: Check?
    /// Whether that decision is an approval, so the work waits for the merge queue.
    public var approved: Bool
    /// Whether the verification failed or the last merge attempt did.
    public var failedChecks: Bool
    /// Lines added plus deleted, from the verification's diff stat; 0 when unknown.
    public var size: Int
    /// How many predicted conflicts involve the issue's branch.
    public var conflictRisk: Int
    /// Seconds since the latest verification, else since the issue last changed.
    public var ageSeconds: Int

    /// A review row as the review service builds it.
    public init(
        issue: Issue, verification: Check?, decision: Check?, approved: Bool, failedChecks: Bool, size: Int,
        conflictRisk: Int, ageSeconds: Int
    ) {
        self.issue = issue
        self.verification = verification
        self.decision = decision
        self.approved = approved
        self.failedChecks = failedChecks
        self.size = size
        self.conflictRisk = conflictRisk
        self.ageSeconds = ageSeconds
    }

    enum CodingKeys: String, CodingKey {
        case issue, verification, decision, approved, failedChecks = "failed_checks", size
        case conflictRisk = "conflict_risk", ageSeconds = "age_seconds"
    }

    /// Writes the fields snake_case; the issue and checks as their own documents, checks null when absent.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(IssueDocument(issue), forKey: .issue)
        try c.encode(verification.map(CheckDocument.init), forKey: .verification)
        try c.encode(decision.map(CheckDocument.init), forKey: .decision)
        try c.encode(approved, forKey: .approved)
        try c.encode(failedChecks, forKey: .failedChecks)
        try c.encode(size, forKey: .size)
        try c.encode(conflictRisk, forKey: .conflictRisk)
        try c.encode(ageSeconds, forKey: .ageSeconds)
    }
}
