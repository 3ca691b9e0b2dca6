import Foundation
import TurboCore
import TurboServices

// The JSON the tools answer with. Every result is an object (MCP's `structuredContent` is one); lists are wrapped.

struct IssueListDocument: Encodable {
    var issues: [IssueDocument]
    /// Matching issues before the limit.
    var total: Int
}

struct CommentsDocument: Encodable {
    var issue: String
    var comments: [CommentDocument]
}

/// `get_blocking_issues` / `get_blocked_issues`, in the original's shape: `issue_id`, the list, `count`.
struct RelatedIssuesDocument: Encodable {
    var issueID: String
    var field: String
    var issues: [IssueDocument]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(issueID, forKey: Key(stringValue: "issue_id"))
        try c.encode(issues, forKey: Key(stringValue: field))
        try c.encode(issues.count, forKey: Key(stringValue: "count"))
    }
}

struct ProjectsDocument: Encodable {
    var projects: [ProjectDocument]
}

struct NextIssueDocument: Encodable {
    var issue: IssueDocument?
    var score: Double?
    var message: String

    enum CodingKeys: String, CodingKey { case issue, score, message }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(issue, forKey: .issue)
        try c.encode(score, forKey: .score)
        try c.encode(message, forKey: .message)
    }
}

struct QueueDocument: Encodable {
    var entries: [QueueEntryDocument]
    var total: Int
}

/// What an agent needs to work: the issue, its lease (epoch, expiry), the worktree and the work log.
struct StartedWorkDocument: Encodable {
    var issue: IssueDocument
    var lease: LeaseDocument
    var worktree: WorktreeDocument
    var createdWorktree: Bool
    var workLog: WorkLogDocument
    var heartbeatSeconds: Int
    var message: String

    init(_ started: WorkService.Started, ttl: Duration) {
        issue = IssueDocument(started.issue)
        lease = LeaseDocument(started.lease)
        worktree = WorktreeDocument(started.worktree)
        createdWorktree = started.createdWorktree
        workLog = WorkLogDocument(log: started.log)
        heartbeatSeconds = max(1, Int(ttl.timeInterval / 3))
        message =
            "You hold \(started.issue.key) (lease epoch \(started.lease.epoch)). Work only in "
            + "\(started.worktree.path) on branch \(started.worktree.branch) and commit there. Call "
            + "heartbeat(issue_id, epoch) at least every \(heartbeatSeconds) s, report_progress as you go, and "
            + "submit_issue_for_review when the work is committed."
    }

    enum CodingKeys: String, CodingKey {
        case issue, lease, worktree, createdWorktree = "created_worktree", workLog = "work_log"
        case heartbeatSeconds = "heartbeat_seconds", message
        case worktreePath = "worktree_path", branchName = "branch_name", epoch
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(issue, forKey: .issue)
        try c.encode(lease, forKey: .lease)
        try c.encode(worktree, forKey: .worktree)
        try c.encode(createdWorktree, forKey: .createdWorktree)
        try c.encode(workLog, forKey: .workLog)
        try c.encode(heartbeatSeconds, forKey: .heartbeatSeconds)
        try c.encode(message, forKey: .message)
        // At the top level too, as the original's start_work_on_issue answered.
        try c.encode(workLog.log.worktreePath, forKey: .worktreePath)
        try c.encode(workLog.log.branchName, forKey: .branchName)
        try c.encode(lease.lease.epoch, forKey: .epoch)
    }
}

struct ClaimDocument: Encodable {
    var work: StartedWorkDocument?
    var message: String?

    enum CodingKeys: String, CodingKey { case issue, message }

    func encode(to encoder: any Encoder) throws {
        if let work {
            try work.encode(to: encoder)
        } else {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNil(forKey: .issue)
            try c.encode(message, forKey: .message)
        }
    }
}

struct SubmittedDocument: Encodable {
    var issue: IssueDocument
    var head: String
    var commits: Int
    var message: String
}

struct WorktreeListDocument: Encodable {
    var worktrees: [WorktreeDocument]
}

struct ConflictListDocument: Encodable {
    var conflicts: [ConflictDocument]
}
