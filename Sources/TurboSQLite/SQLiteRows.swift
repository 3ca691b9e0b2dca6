import Foundation
import GRDB
import TurboCore

/// Decoding of rows into domain values. Records stay inside this module.
enum SQLiteRows {
    static let issueColumns = """
        id, project_id, key, title, description, type, priority, status, capabilities, paths, created_by, \
        assigned_to, work_rank, closed_reason, created_at, updated_at, closed_at
        """

    static func project(_ row: Row) throws -> Project {
        Project(
            id: try uuid(row, "id"), key: try ProjectKey(row["key"] as String), name: row["name"],
            repositoryPath: row["repository_path"], baseBranch: row["base_branch"], createdAt: row["created_at"],
            updatedAt: row["updated_at"])
    }

    static func issue(_ row: Row) throws -> Issue {
        Issue(
            id: try uuid(row, "id"), projectID: try uuid(row, "project_id"), key: try issueKey(row["key"]),
            title: row["title"], description: row["description"], type: try IssueType(parsing: row["type"]),
            priority: try IssuePriority(parsing: row["priority"]), status: try IssueStatus(parsing: row["status"]),
            capabilities: StringArray.decode(row["capabilities"]), paths: StringArray.decode(row["paths"]),
            createdBy: row["created_by"], assignedTo: row["assigned_to"], workRank: row["work_rank"],
            closedReason: try (row["closed_reason"] as String?).map { text throws(TurboError) in
                try ClosedReason(parsing: text)
            },
            createdAt: row["created_at"], updatedAt: row["updated_at"], closedAt: row["closed_at"])
    }

    static func comment(_ row: Row) throws -> Comment {
        Comment(
            id: try uuid(row, "id"), issueID: try uuid(row, "issue_id"), issueKey: try issueKey(row["issue_key"]),
            author: row["author"], body: row["body"], createdAt: row["created_at"])
    }

    static func workLog(_ row: Row) throws -> WorkLog {
        WorkLog(
            id: try uuid(row, "id"), issueID: try uuid(row, "issue_id"), issueKey: try issueKey(row["issue_key"]),
            startedBy: row["started_by"], startedAt: row["started_at"], endedAt: row["ended_at"],
            worktreePath: row["worktree_path"], branchName: row["branch_name"], commit: row["commit_sha"],
            commitURL: row["commit_url"],
            outcome: try (row["outcome"] as String?).map { text throws(TurboError) in try WorkOutcome(parsing: text) },
            inputTokens: row["input_tokens"], outputTokens: row["output_tokens"], costUSD: row["cost_usd"])
    }

    static func event(_ row: Row) -> Event {
        Event(
            id: row["id"], type: row["type"], subject: row["subject"], payload: JSONValue(jsonText: row["payload"]),
            createdAt: row["created_at"])
    }

    static func uuid(_ row: Row, _ column: String) throws -> UUID {
        let text: String = row[column]
        guard let id = UUID(uuidString: text) else { throw TurboError.storage("malformed id '\(text)' in \(column)") }
        return id
    }

    static func issueKey(_ text: String) throws -> IssueKey {
        guard let key = IssueKey(parsing: text) else { throw TurboError.storage("malformed issue key '\(text)'") }
        return key
    }
}
