public import Foundation

/// The record of an issue's git worktree (DESIGN §3), kept after removal with `removedAt`.
public struct WorktreeRecord: Hashable, Sendable, Identifiable {
    /// The record's UUID, lower-case in JSON.
    public var id: UUID
    /// The UUID of the issue the worktree is for.
    public var issueID: UUID
    /// The key of that issue.
    public var issueKey: IssueKey
    /// Absolute path of the worktree directory.
    public var path: String
    /// The issue's branch checked out there (`TURBO-12/slug-of-the-title`).
    public var branch: String
    /// Where the branch leaves the base branch (full SHA): the base's head when cut, else the merge base.
    public var baseCommit: String
    /// When the worktree was recorded.
    public var createdAt: Date
    /// When it was removed; nil while it is active.
    public var removedAt: Date?

    /// Whether the worktree still exists: it has not been removed.
    public var isActive: Bool { removedAt == nil }

    /// A record as a store reads or creates it.
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
    /// The issue whose branch was checked.
    public var issue: IssueKey
    /// The other issue whose branch it conflicts with; nil for the base branch.
    public var other: IssueKey?
    /// The commits it was computed on: the issue's head, then the other side's.
    public var commits: [String]
    /// Files that would conflict, relative to the repository root.
    public var paths: [String]
    /// When the conflict was first predicted; later updates of the same pair keep it.
    public var detectedAt: Date

    /// A prediction as the reconciler makes it or a store reads it.
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
    /// Pairs newly predicted to conflict (each wrote `conflict.detected`).
    public var detected: [ConflictRecord]
    /// Pairs that no longer conflict (each wrote `conflict.resolved`).
    public var resolved: [ConflictRecord]

    /// The two lists as the store returns them.
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
    /// Absolute path of the worktree.
    public var path: String
    /// The branch checked out there.
    public var branch: String
    /// The branch's head commit (full SHA).
    public var head: String
    /// The base branch's current head (full SHA), which `ahead` and `behind` count against.
    public var baseCommit: String
    /// Commits on the branch that the base does not have.
    public var ahead: Int
    /// Commits on the base that the branch does not have.
    public var behind: Int
    /// Paths from `git status --porcelain -z`, with their two-letter status (`" M src/a.swift"`).
    public var uncommitted: [String]
    /// When the head commit was made (committer time); nil when git does not say.
    public var lastCommitAt: Date?
    /// Modification time of the oldest uncommitted file still on disk.
    public var oldestUncommittedChangeAt: Date?

    /// Whether nothing is uncommitted; untracked files count as uncommitted.
    public var isClean: Bool { uncommitted.isEmpty }

    /// A status as read from git.
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
