import Foundation

/// The JSON shape of a check (verification, review decision, merge).
public struct CheckDocument: Encodable, Sendable, Hashable {
    public var check: Check

    public init(_ check: Check) { self.check = check }

    enum CodingKeys: String, CodingKey {
        case id, issue, kind, passed, summary, evidence, actor, createdAt = "created_at"
    }

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
    public var issue: Issue
    public var verification: Check?
    public var decision: Check?
    public var approved: Bool
    public var failedChecks: Bool
    public var size: Int
    public var conflictRisk: Int
    public var ageSeconds: Int

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
