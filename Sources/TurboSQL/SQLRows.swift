import Foundation
public import TurboCore

/// Decoding of rows into domain values, written once over ``SQLRow``.
public enum SQLRows {
    /// The columns of `issues`, in the order both schemas declare them.
    public static let issueColumns = """
        id, project_id, key, title, description, type, priority, status, capabilities, paths, created_by, \
        assigned_to, work_rank, closed_reason, created_at, updated_at, closed_at
        """

    /// Work log rows with their issue's key.
    public static let workLogSelect =
        "SELECT w.*, i.key AS issue_key FROM work_logs w JOIN issues i ON i.id = w.issue_id"

    /// A `projects` row.
    public static func project(_ row: any SQLRow) throws -> Project {
        Project(
            id: try row.uuid("id"), key: try ProjectKey(try row.string("key")), name: try row.string("name"),
            repositoryPath: try row.optionalString("repository_path"), baseBranch: try row.string("base_branch"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }

    /// An `issues` row (``issueColumns``), with `blockedBy` and `blocks` still empty.
    public static func issue(_ row: any SQLRow) throws -> Issue {
        Issue(
            id: try row.uuid("id"), projectID: try row.uuid("project_id"), key: try row.issueKey("key"),
            title: try row.string("title"), description: try row.string("description"),
            type: try IssueType(parsing: try row.string("type")),
            priority: try IssuePriority(parsing: try row.string("priority")),
            status: try IssueStatus(parsing: try row.string("status")), capabilities: try row.strings("capabilities"),
            paths: try row.strings("paths"), createdBy: try row.optionalString("created_by"),
            assignedTo: try row.optionalString("assigned_to"), workRank: try row.optionalInt("work_rank"),
            closedReason: try row.optionalString("closed_reason").map { text throws(TurboError) in
                try ClosedReason(parsing: text)
            },
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"),
            closedAt: try row.optionalDate("closed_at"))
    }

    /// Two more columns for a `SELECT … FROM issues`: the keys of the issue's blockers (`blocked_by_keys`) and of the
    /// issues it blocks (`blocks_keys`), each aggregated by a subquery, so an issue is read whole in one statement.
    /// `row` names the issue's row (its table or alias).
    public static func dependencyKeyColumns(_ dialect: SQLDialect, of row: String = "issues") -> String {
        // Each key by the primary key: a join lets a planner without statistics (a table just filled) scan `issues`.
        func keys(_ side: String, _ other: String) -> String {
            "(SELECT \(dialect.listAggregate("(SELECT o.key FROM issues o WHERE o.id = d.\(other))")) "
                + "FROM dependencies d WHERE d.\(side) = \(row).id)"
        }
        return
            "\(keys("blocked_id", "blocker_id")) AS blocked_by_keys, \(keys("blocker_id", "blocked_id")) AS blocks_keys"
    }

    /// An `issues` row (``issueColumns``) with ``dependencyKeyColumns(_:)``.
    public static func issueWithDependencyKeys(_ row: any SQLRow) throws -> Issue {
        var issue = try SQLRows.issue(row)
        issue.blockedBy = try row.strings("blocked_by_keys").map(SQLRows.issueKey).sorted()
        issue.blocks = try row.strings("blocks_keys").map(SQLRows.issueKey).sorted()
        return issue
    }

    /// A `comments` row with its issue's key as `issue_key`.
    public static func comment(_ row: any SQLRow) throws -> Comment {
        Comment(
            id: try row.uuid("id"), issueID: try row.uuid("issue_id"), issueKey: try row.issueKey("issue_key"),
            author: try row.string("author"), body: try row.string("body"), createdAt: try row.date("created_at"))
    }

    /// A ``workLogSelect`` row.
    public static func workLog(_ row: any SQLRow) throws -> WorkLog {
        WorkLog(
            id: try row.uuid("id"), issueID: try row.uuid("issue_id"), issueKey: try row.issueKey("issue_key"),
            startedBy: try row.string("started_by"), startedAt: try row.date("started_at"),
            endedAt: try row.optionalDate("ended_at"), worktreePath: try row.optionalString("worktree_path"),
            branchName: try row.optionalString("branch_name"), commit: try row.optionalString("commit_sha"),
            commitURL: try row.optionalString("commit_url"),
            outcome: try row.optionalString("outcome").map { text throws(TurboError) in
                try WorkOutcome(parsing: text)
            },
            inputTokens: try row.optionalInt("input_tokens"), outputTokens: try row.optionalInt("output_tokens"),
            costUSD: try row.optionalDouble("cost_usd"))
    }

    /// An `events` row, its payload parsed from the JSON column.
    public static func event(_ row: any SQLRow) throws -> Event {
        Event(
            id: try row.int64("id"), type: try row.string("type"), subject: try row.string("subject"),
            payload: JSONValue(jsonText: try row.json("payload")), createdAt: try row.date("created_at"))
    }

    /// Parses a stored issue key; a malformed one is a ``TurboError/storage(_:)``.
    public static func issueKey(_ text: String) throws -> IssueKey {
        guard let key = IssueKey(parsing: text) else { throw TurboError.storage("malformed issue key '\(text)'") }
        return key
    }
}
