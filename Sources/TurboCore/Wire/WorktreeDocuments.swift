public import Foundation

/// The JSON shape of a worktree record.
public struct WorktreeDocument: Encodable, Sendable, Hashable {
    public var record: WorktreeRecord

    public init(_ record: WorktreeRecord) { self.record = record }

    enum CodingKeys: String, CodingKey {
        case id, issue, path, branch, baseCommit = "base_commit", createdAt = "created_at", removedAt = "removed_at"
    }

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
    public var path, branch, head, baseCommit: String
    public var ahead, behind: Int
    public var uncommitted: [String]
    public var lastCommitAt, oldestUncommittedChangeAt: Date?

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
    public var record: WorktreeRecord
    public var status: WorktreeStatus?

    public init(record: WorktreeRecord, status: WorktreeStatus?) {
        self.record = record
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case status }

    public func encode(to encoder: any Encoder) throws {
        try WorktreeDocument(record).encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status.map(WorktreeStatusDocument.init), forKey: .status)
    }
}

/// The outcome of removing a worktree.
public struct WorktreeRemovalDocument: Encodable, Sendable, Hashable {
    public var removed: Bool
    /// Whether the branch went too (only when the base branch contains it).
    public var branchDeleted: Bool

    public init(removed: Bool, branchDeleted: Bool) {
        self.removed = removed
        self.branchDeleted = branchDeleted
    }

    enum CodingKeys: String, CodingKey { case removed, branchDeleted = "branch_deleted" }
}

/// The JSON shape of a predicted conflict; `other` is null for the base branch.
public struct ConflictDocument: Encodable, Sendable, Hashable {
    public var record: ConflictRecord

    public init(_ record: ConflictRecord) { self.record = record }

    enum CodingKeys: String, CodingKey { case issue, other, commits, paths, detectedAt = "detected_at" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.issue.description, forKey: .issue)
        try c.encode(record.other?.description, forKey: .other)
        try c.encode(record.commits, forKey: .commits)
        try c.encode(record.paths, forKey: .paths)
        try c.encode(record.detectedAt, forKey: .detectedAt)
    }
}
