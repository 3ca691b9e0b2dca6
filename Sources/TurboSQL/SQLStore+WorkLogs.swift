import Foundation
public import TurboCore

// Comments and work sessions of an issue.
extension SQLStore {
    /// Adds a comment and writes `comment.added`.
    public func addComment(to ref: IssueRef, author: String, body: String) async throws -> Comment {
        let author = try IssueValidation.actor(author)
        let body = try IssueValidation.text(body.trimmingCharacters(in: .whitespacesAndNewlines), field: "a comment")
        guard !body.isEmpty else { throw TurboError.invalidInput("a comment needs a non-empty body") }
        return try await write { tx in
            let comment = try await insertComment(tx, try await fetchIssue(tx, ref), author: author, body: body)
            try await tx.appendEvents([.commentAdded(comment)])
            return comment
        }
    }

    /// An issue's comments, oldest first.
    public func comments(of ref: IssueRef) async throws -> [Comment] {
        try await read { tx in
            let issue = try await fetchIssue(tx, ref)
            return try await tx.rows(
                """
                SELECT c.*, i.key AS issue_key FROM comments c JOIN issues i ON i.id = c.issue_id
                WHERE c.issue_id = \(issue.id) ORDER BY c.created_at, \(raw: tx.dialect.insertionOrder("c"))
                """
            ).map(SQLRows.comment)
        }
    }

    /// Starts a work session; at most one is active per issue.
    public func startWorkLog(on ref: IssueRef, _ new: NewWorkLog) async throws -> WorkLog {
        let new = try new.validated()
        return try await write { tx in
            let log = try await insertWorkLog(tx, try await fetchIssue(tx, ref, lock: true), new)
            try await tx.appendEvents([.workLog(.workLogStarted, log)])
            return log
        }
    }

    /// Ends the active work session of an issue.
    public func endWorkLog(on ref: IssueRef, _ end: WorkLogEnd) async throws -> WorkLog {
        try await write { tx in
            let issue = try await fetchIssue(tx, ref, lock: true)
            guard let log = try await endActiveWorkLog(tx, issue, end) else {
                throw TurboError.noActiveWorkLog(issue: issue.key.description)
            }
            try await tx.appendEvents([.workLog(.workLogEnded, log)])
            return log
        }
    }

    /// An issue's work sessions, oldest first.
    public func workLogs(of ref: IssueRef) async throws -> [WorkLog] {
        try await read { tx in
            let issue = try await fetchIssue(tx, ref)
            return try await tx.rows(
                """
                \(raw: SQLRows.workLogSelect)
                WHERE w.issue_id = \(issue.id) ORDER BY w.started_at, \(raw: tx.dialect.insertionOrder("w"))
                """
            ).map(SQLRows.workLog)
        }
    }

    /// Every active work session, oldest first.
    public func activeWorkLogs() async throws -> [WorkLog] {
        try await read { tx in
            try await tx.rows(
                """
                \(raw: SQLRows.workLogSelect)
                WHERE w.ended_at IS NULL ORDER BY w.started_at, \(raw: tx.dialect.insertionOrder("w"))
                """
            ).map(SQLRows.workLog)
        }
    }
}
