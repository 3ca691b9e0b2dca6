public import Foundation

/// The JSON shape of a worktree record.
public struct WorktreeDocument: Encodable, Sendable, Hashable {
    /// The worktree record; its issue appears by key.
    public var record: WorktreeRecord

    /// The document of `record`.
    public init(_ record: WorktreeRecord) { self.record = record }

    enum CodingKeys: String, CodingKey {
        case id, issue, path, branch, baseCommit = "base_commit", createdAt = "created_at", removedAt = "removed_at"
    }

    /// Writes `id`, `issue`, `path`, `branch`, `base_commit`, `created_at` and `removed_at` (null while active).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.id.lowercasedString, forKey: .id)
        try c.encode(record.issueKey.description, forKey: .issue)
        try c.encode(record.path, forKey: .path)
        try c.encode(record.branch, forKey: .branch)
        try c.encode(record.baseCommit, forKey: .baseCommit)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.removedAt, forKey: .removedAt)
    }
}

/// A worktree's git status as JSON (`worktree status --json`, `GET /worktrees/{issue}`).
public struct WorktreeStatusDocument: Encodable, Sendable, Hashable {
    /// The worktree's path, branch, head commit and the base's current head, as in ``WorktreeStatus``.
    public var path, branch, head, baseCommit: String
    /// Commits the branch has that the base lacks, and the other way round.
    public var ahead, behind: Int
    /// Porcelain status lines of the uncommitted files (`" M src/a.swift"`).
    public var uncommitted: [String]
    /// When the head was committed, and the oldest uncommitted change's time; nil when unknown or clean.
    public var lastCommitAt, oldestUncommittedChangeAt: Date?

    /// The document of `status`.
    public init(_ status: WorktreeStatus) {
        path = status.path
        branch = status.branch
        head = status.head
        baseCommit = status.baseCommit
        ahead = status.ahead
        behind = status.behind
        uncommitted = status.uncommitted
        lastCommitAt = status.lastCommitAt
        oldestUncommittedChangeAt = status.oldestUncommittedChangeAt
    }

    enum CodingKeys: String, CodingKey {
        case path, branch, head, ahead, behind, uncommitted
        case baseCommit = "base_commit", lastCommitAt = "last_commit_at"
        case oldestUncommittedChangeAt = "oldest_uncommitted_change_at"
    }

    /// Writes every field snake_case, dates null when unknown.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(branch, forKey: .branch)
        try c.encode(head, forKey: .head)
        try c.encode(baseCommit, forKey: .baseCommit)
        try c.encode(ahead, forKey: .ahead)
        try c.encode(behind, forKey: .behind)
        try c.encode(uncommitted, forKey: .uncommitted)
        try c.encode(lastCommitAt, forKey: .lastCommitAt)
        try c.encode(oldestUncommittedChangeAt, forKey: .oldestUncommittedChangeAt)
    }
}

/// An active worktree with its git status (`GET /worktrees/{issue}`); `status` is null when git cannot be asked.
public struct WorktreeDetailDocument: Encodable, Sendable, Hashable {
    /// The active worktree, written as a ``WorktreeDocument``.
    public var record: WorktreeRecord
    /// Its git status, nested as `status`; nil (null) when git cannot be asked.
    public var status: WorktreeStatus?

    /// The document of `record` with `status`.
    public init(record: WorktreeRecord, status: WorktreeStatus?) {
        self.record = record
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case status }

    /// Writes the record's fields and, beside them, a `status` object or null.
    public func encode(to encoder: any Encoder) throws {
        try WorktreeDocument(record).encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status.map(WorktreeStatusDocument.init), forKey: .status)
    }
}

/// The outcome of removing a worktree.
public struct WorktreeRemovalDocument: Encodable, Sendable, Hashable {
    /// Whether the worktree was removed; the callers only answer true.
    public var removed: Bool
    /// Whether the branch went too (only when the base branch contains it).
    public var branchDeleted: Bool

    /// The outcome of one removal.
    public init(removed: Bool, branchDeleted: Bool) {
        self.removed = removed
        self.branchDeleted = branchDeleted
    }

    enum CodingKeys: String, CodingKey { case removed, branchDeleted = "branch_deleted" }
}

/// The JSON shape of a predicted conflict; `other` is null for the base branch.
public struct ConflictDocument: Encodable, Sendable, Hashable {
    /// The predicted conflict.
    public var record: ConflictRecord

    /// The document of `record`.
    public init(_ record: ConflictRecord) { self.record = record }

    enum CodingKeys: String, CodingKey { case issue, other, commits, paths, detectedAt = "detected_at" }

    /// Writes `issue` and `other` as keys (`other` null for the base), `commits`, `paths` and `detected_at`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.issue.description, forKey: .issue)
        try c.encode(record.other?.description, forKey: .other)
        try c.encode(record.commits, forKey: .commits)
        try c.encode(record.paths, forKey: .paths)
        try c.encode(record.detectedAt, forKey: .detectedAt)
    }
}
