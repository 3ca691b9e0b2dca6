public import Foundation

/// The record of an issue's git worktree (DESIGN §3), kept after removal with `removedAt`.
public struct WorktreeRecord: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var issueID: UUID
    public var issueKey: IssueKey
    public var path: String
    public var branch: String
    public var baseCommit: String
    public var createdAt: Date
    public var removedAt: Date?

    public var isActive: Bool { removedAt == nil }

    public init(
        id: UUID, issueID: UUID, issueKey: IssueKey, path: String, branch: String, baseCommit: String,
        createdAt: Date, removedAt: Date?
    ) {
        self.id = id
        self.issueID = issueID
        self.issueKey = issueKey
        self.path = path
        self.branch = branch
        self.baseCommit = baseCommit
        self.createdAt = createdAt
        self.removedAt = removedAt
    }
}

/// A predicted merge conflict between an issue's branch and another issue's branch, or the base (`other` nil).
public struct ConflictRecord: Hashable, Sendable {
    public var issue: IssueKey
    public var other: IssueKey?
    /// The commits it was computed on: the issue's head, then the other side's.
    public var commits: [String]
    public var paths: [String]
    public var detectedAt: Date

    public init(issue: IssueKey, other: IssueKey?, commits: [String], paths: [String], detectedAt: Date) {
        self.issue = issue
        self.other = other
        self.commits = commits
        self.paths = paths
        self.detectedAt = detectedAt
    }

    /// `TURBO-1~TURBO-2` or `TURBO-1~base`: the identity of the pair.
    public var pairKey: String { "\(issue)~\(other?.description ?? "base")" }
}

/// What replacing the predicted conflicts changed.
public struct ConflictChanges: Hashable, Sendable {
    public var detected: [ConflictRecord]
    public var resolved: [ConflictRecord]

    public init(detected: [ConflictRecord], resolved: [ConflictRecord]) {
        self.detected = detected
        self.resolved = resolved
    }
}

extension ConflictChanges {
    /// Compares the stored conflicts with a new prediction, by pair.
    ///
    /// Returns the pairs to insert (detected), to close (resolved) and to update in place (still conflicting, but
    /// on other commits or paths).
    public static func diff(existing: [ConflictRecord], current: [ConflictRecord]) -> (
        detected: [ConflictRecord], resolved: [ConflictRecord], changed: [ConflictRecord]
    ) {
        let old = Dictionary(existing.map { ($0.pairKey, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(current.map { ($0.pairKey, $0) }, uniquingKeysWith: { first, _ in first })
        let detected = current.filter { old[$0.pairKey] == nil }
        let resolved = existing.filter { new[$0.pairKey] == nil }
        let changed = current.filter { record in
            guard let previous = old[record.pairKey] else { return false }
            return previous.commits != record.commits || previous.paths != record.paths
        }
        return (detected, resolved, changed)
    }
}

/// A worktree's state as git sees it.
public struct WorktreeStatus: Hashable, Sendable {
    public var path: String
    public var branch: String
    public var head: String
    public var baseCommit: String
    /// Commits on the branch that the base does not have.
    public var ahead: Int
    /// Commits on the base that the branch does not have.
    public var behind: Int
    /// Paths from `git status --porcelain -z`, with their two-letter status (`" M src/a.swift"`).
    public var uncommitted: [String]
    public var lastCommitAt: Date?
    /// Modification time of the oldest uncommitted file still on disk.
    public var oldestUncommittedChangeAt: Date?

    public var isClean: Bool { uncommitted.isEmpty }

    public init(
        path: String, branch: String, head: String, baseCommit: String, ahead: Int, behind: Int,
        uncommitted: [String], lastCommitAt: Date?, oldestUncommittedChangeAt: Date?
    ) {
        self.path = path
        self.branch = branch
        self.head = head
        self.baseCommit = baseCommit
        self.ahead = ahead
        self.behind = behind
        self.uncommitted = uncommitted
        self.lastCommitAt = lastCommitAt
        self.oldestUncommittedChangeAt = oldestUncommittedChangeAt
    }
}
