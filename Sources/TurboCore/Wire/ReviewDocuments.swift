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

/// The JSON shape of an issue's branch diff against its base (`GET /api/v1/issues/{key}/diff`).
public struct DiffDocument: Encodable, Sendable {
    /// The issue's key.
    public var issue: String
    /// The base branch.
    public var base: String
    /// The issue's branch.
    public var branch: String
    /// The files, hunks and lines.
    public var diff: BranchDiff

    /// The document of `branch` against `base`.
    public init(issue: String, base: String, branch: String, diff: BranchDiff) {
        self.issue = issue
        self.base = base
        self.branch = branch
        self.diff = diff
    }

    enum CodingKeys: String, CodingKey {
        case issue, base, branch, files, insertions, deletions, truncated
    }

    enum FileKeys: String, CodingKey {
        case path, oldPath = "old_path", change, binary, insertions, deletions, truncated, hunks
    }

    enum HunkKeys: String, CodingKey {
        case oldStart = "old_start", oldCount = "old_count", newStart = "new_start", newCount = "new_count", section
        case lines
    }

    enum LineKeys: String, CodingKey {
        case kind, old, new, text, noNewlineAtEnd = "no_newline_at_end"
    }

    /// Writes the files with their hunks and lines, snake_case; absent line numbers and old paths as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(issue, forKey: .issue)
        try c.encode(base, forKey: .base)
        try c.encode(branch, forKey: .branch)
        try c.encode(diff.files.reduce(0) { $0 + $1.insertions }, forKey: .insertions)
        try c.encode(diff.files.reduce(0) { $0 + $1.deletions }, forKey: .deletions)
        try c.encode(diff.truncated, forKey: .truncated)
        var files = c.nestedUnkeyedContainer(forKey: .files)
        for file in diff.files {
            var f = files.nestedContainer(keyedBy: FileKeys.self)
            try f.encode(file.path, forKey: .path)
            try f.encode(file.oldPath, forKey: .oldPath)
            try f.encode(file.change.rawValue, forKey: .change)
            try f.encode(file.binary, forKey: .binary)
            try f.encode(file.insertions, forKey: .insertions)
            try f.encode(file.deletions, forKey: .deletions)
            try f.encode(file.truncated, forKey: .truncated)
            var hunks = f.nestedUnkeyedContainer(forKey: .hunks)
            for hunk in file.hunks {
                var h = hunks.nestedContainer(keyedBy: HunkKeys.self)
                try h.encode(hunk.oldStart, forKey: .oldStart)
                try h.encode(hunk.oldCount, forKey: .oldCount)
                try h.encode(hunk.newStart, forKey: .newStart)
                try h.encode(hunk.newCount, forKey: .newCount)
                try h.encode(hunk.section, forKey: .section)
                var lines = h.nestedUnkeyedContainer(forKey: .lines)
                for line in hunk.lines {
                    var l = lines.nestedContainer(keyedBy: LineKeys.self)
                    try l.encode(line.kind.rawValue, forKey: .kind)
                    try l.encode(line.old, forKey: .old)
                    try l.encode(line.new, forKey: .new)
                    try l.encode(line.text, forKey: .text)
                    try l.encode(line.noNewlineAtEnd, forKey: .noNewlineAtEnd)
                }
            }
        }
    }
}

/// A reviewer's comment on one line of the diff, sent back with "request changes".
public struct LineComment: Sendable, Hashable, Codable {
    /// The file's path (its new path when it was renamed).
    public var path: String
    /// The line's number on `side`.
    public var line: Int
    /// `new` (the branch's version, the default) or `old` (the base's, for a removed line).
    public var side: DiffLine.Side
    /// What to change there.
    public var body: String

    /// A comment on `line` of `path`, numbered on `side`.
    public init(path: String, line: Int, side: DiffLine.Side = .new, body: String) {
        self.path = path
        self.line = line
        self.side = side
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case path, line, side, body
    }

    /// Reads `side` as `new` when it is left out.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        line = try c.decode(Int.self, forKey: .line)
        side = try c.decodeIfPresent(DiffLine.Side.self, forKey: .side) ?? .new
        body = try c.decode(String.self, forKey: .body)
    }
}
