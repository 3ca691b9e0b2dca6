import Foundation
import PostgresNIO
import TurboCore

/// Decoding of rows into domain values.
enum PostgresRows {
    static let issueColumns = """
        id, project_id, key, title, description, type, priority, status, capabilities, paths, created_by, \
        assigned_to, work_rank, closed_reason, created_at, updated_at, closed_at
        """

    static func project(_ row: PostgresRow) throws -> Project {
        let cells = row.makeRandomAccess()
        return Project(
            id: try cells["id"].decode(UUID.self), key: try ProjectKey(try cells["key"].decode(String.self)),
            name: try cells["name"].decode(String.self),
            repositoryPath: try cells["repository_path"].decode(String?.self),
            baseBranch: try cells["base_branch"].decode(String.self),
            createdAt: try cells["created_at"].decode(Date.self), updatedAt: try cells["updated_at"].decode(Date.self))
    }

    static func issue(_ row: PostgresRow) throws -> Issue {
        let cells = row.makeRandomAccess()
        return Issue(
            id: try cells["id"].decode(UUID.self), projectID: try cells["project_id"].decode(UUID.self),
            key: try issueKey(try cells["key"].decode(String.self)), title: try cells["title"].decode(String.self),
            description: try cells["description"].decode(String.self),
            type: try IssueType(parsing: try cells["type"].decode(String.self)),
            priority: try IssuePriority(parsing: try cells["priority"].decode(String.self)),
            status: try IssueStatus(parsing: try cells["status"].decode(String.self)),
            capabilities: try cells["capabilities"].decode([String].self),
            paths: try cells["paths"].decode([String].self), createdBy: try cells["created_by"].decode(String?.self),
            assignedTo: try cells["assigned_to"].decode(String?.self),
            workRank: try cells["work_rank"].decode(Int?.self),
            closedReason: try cells["closed_reason"].decode(String?.self).map { text throws(TurboError) in
                try ClosedReason(parsing: text)
            },
            createdAt: try cells["created_at"].decode(Date.self), updatedAt: try cells["updated_at"].decode(Date.self),
            closedAt: try cells["closed_at"].decode(Date?.self))
    }

    static func comment(_ row: PostgresRow) throws -> Comment {
        let cells = row.makeRandomAccess()
        return Comment(
            id: try cells["id"].decode(UUID.self), issueID: try cells["issue_id"].decode(UUID.self),
            issueKey: try issueKey(try cells["issue_key"].decode(String.self)),
            author: try cells["author"].decode(String.self), body: try cells["body"].decode(String.self),
            createdAt: try cells["created_at"].decode(Date.self))
    }

    static func workLog(_ row: PostgresRow) throws -> WorkLog {
        let cells = row.makeRandomAccess()
        return WorkLog(
            id: try cells["id"].decode(UUID.self), issueID: try cells["issue_id"].decode(UUID.self),
            issueKey: try issueKey(try cells["issue_key"].decode(String.self)),
            startedBy: try cells["started_by"].decode(String.self),
            startedAt: try cells["started_at"].decode(Date.self), endedAt: try cells["ended_at"].decode(Date?.self),
            worktreePath: try cells["worktree_path"].decode(String?.self),
            branchName: try cells["branch_name"].decode(String?.self),
            commit: try cells["commit_sha"].decode(String?.self),
            commitURL: try cells["commit_url"].decode(String?.self),
            outcome: try cells["outcome"].decode(String?.self).map { text throws(TurboError) in
                try WorkOutcome(parsing: text)
            },
            inputTokens: try cells["input_tokens"].decode(Int?.self),
            outputTokens: try cells["output_tokens"].decode(Int?.self),
            costUSD: try cells["cost_usd"].decode(Double?.self))
    }

    static func event(_ row: PostgresRow) throws -> Event {
        let cells = row.makeRandomAccess()
        return Event(
            id: try cells["id"].decode(Int64.self), type: try cells["type"].decode(String.self),
            subject: try cells["subject"].decode(String.self),
            payload: JSONValue(jsonText: try cells["payload"].decode(String.self)),
            createdAt: try cells["created_at"].decode(Date.self))
    }

    static func issueKey(_ text: String) throws -> IssueKey {
        guard let key = IssueKey(parsing: text) else { throw TurboError.storage("malformed issue key '\(text)'") }
        return key
    }
}
