import Foundation
public import TurboCore

/// The store, written once: every use case of ``TurboStore`` as SQL over an ``SQLEngine``. The engines (SQLite
/// through GRDB, PostgreSQL through postgres-nio) run transactions, bind values and decode rows; what a use case
/// checks and writes lives here only.
///
/// Concurrency: every mutation is one transaction. On PostgreSQL the rows a mutation changes are read with
/// ``SQLDialect/lockRows`` so concurrent writers of one issue wait for each other; on SQLite write transactions are
/// serialized (`BEGIN IMMEDIATE`), which covers other processes too.
public struct SQLStore<Engine: SQLEngine>: TurboStore {
    /// The engine the statements run on.
    public let engine: Engine
    /// Tokens recently found active (shared by copies of this store).
    let tokenCache = TokenCache()

    /// A store over `engine`, whose schema is already migrated.
    public init(engine: Engine) {
        self.engine = engine
    }

    func write<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await engine.write(body)
    }

    func snapshot<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await engine.snapshot(body)
    }

    func read<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await engine.read(body)
    }
}

// MARK: - Helpers shared by the use cases

extension SQLStore {
    func fetchProject(_ tx: any SQLTransaction, _ ref: ProjectRef) async throws -> Project {
        let sql: SQL =
            switch ref {
            case .key(let key): "SELECT * FROM projects WHERE key = \(key.rawValue)"
            case .id(let id): "SELECT * FROM projects WHERE id = \(id)"
            }
        guard let row = try await tx.row(sql) else { throw TurboError.projectNotFound(ref.description) }
        return try SQLRows.project(row)
    }

    /// The project's id: one given by id is not looked up (a statement fewer on hot paths; a project that is gone then
    /// matches no row), one given by key is read (`projectNotFound` when there is none).
    func projectID(_ tx: any SQLTransaction, _ ref: ProjectRef) async throws -> UUID {
        if case .id(let id) = ref { return id }
        return try await fetchProject(tx, ref).id
    }

    /// One issue; with `lock`, its row stays locked until the transaction ends (PostgreSQL); with `dependencyKeys`,
    /// its blockers' and dependents' keys are read in the same statement.
    func fetchIssue(
        _ tx: any SQLTransaction, _ ref: IssueRef, lock: Bool = false, dependencyKeys: Bool = false
    ) async throws -> Issue {
        let suffix = lock ? tx.dialect.lockRows : ""
        let columns =
            dependencyKeys
            ? "\(SQLRows.issueColumns), \(SQLRows.dependencyKeyColumns(tx.dialect))" : SQLRows.issueColumns
        let sql: SQL =
            switch ref {
            case .key(let key): "SELECT \(raw: columns) FROM issues WHERE key = \(key.description)\(raw: suffix)"
            case .id(let id): "SELECT \(raw: columns) FROM issues WHERE id = \(id)\(raw: suffix)"
            }
        guard let row = try await tx.row(sql) else { throw TurboError.issueNotFound(ref.description) }
        return try dependencyKeys ? SQLRows.issueWithDependencyKeys(row) : SQLRows.issue(row)
    }

    /// Moves an issue to `status` (checked by ``IssueTransition``), writing its assignee in the same `UPDATE`; fails
    /// if the row left its status meanwhile. `rowStatus` is the row's status when it differs from `issue`'s (a move
    /// made in memory earlier in the transaction).
    func move(
        _ tx: any SQLTransaction, _ issue: Issue, to status: IssueStatus, reason: ClosedReason?,
        rowStatus: IssueStatus? = nil
    ) async throws -> Issue {
        var issue = issue
        let from = issue.status
        let stored = rowStatus ?? from
        let now = try await tx.now()
        try IssueTransition.apply(to: &issue, status: status, reason: reason, now: now)
        guard
            try await tx.exists(
                """
                UPDATE issues SET status = \(issue.status.rawValue), closed_reason = \(issue.closedReason?.rawValue),
                    closed_at = \(issue.closedAt), assigned_to = \(issue.assignedTo), updated_at = \(now)
                WHERE id = \(issue.id) AND status = \(stored.rawValue)
                RETURNING 1
                """)
        else { throw TurboError.invalidTransition(issue: issue.key.description, from: from, to: status) }
        if (stored == .closed) != (status == .closed) { try await recountAround(tx, issue.id) }
        return issue
    }

    /// Inserts the edge; with `recount`, recounts the claim columns of both ends (``recountEdge(_:blocker:blocked:)``).
    func insertDependency(
        _ tx: any SQLTransaction, blocker: UUID, blocked: UUID, at date: Date, recount: Bool = true
    ) async throws {
        try await tx.execute(
            """
            INSERT INTO dependencies (blocker_id, blocked_id, type, created_at)
            VALUES (\(blocker), \(blocked), 'blocks', \(date))
            """)
        if recount { try await recountEdge(tx, blocker: blocker, blocked: blocked) }
    }

    /// Fills `blockedBy` and `blocks` of each issue with one query per 500 issues over the edges touching them.
    func withDependencyKeys(_ tx: any SQLTransaction, _ issues: [Issue]) async throws -> [Issue] {
        guard !issues.isEmpty else { return [] }
        let ids = Array(Set(issues.map(\.id)))
        var blockedBy: [UUID: [IssueKey]] = [:]
        var blocks: [UUID: [IssueKey]] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            for row in try await tx.rows(
                """
                SELECT d.blocker_id, d.blocked_id, b.key AS blocker_key, c.key AS blocked_key FROM dependencies d
                JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
                WHERE d.blocker_id IN \(list: chunk) OR d.blocked_id IN \(list: chunk)
                """)
            {
                let blockerID = try row.uuid("blocker_id")
                let blockedID = try row.uuid("blocked_id")
                let blockerKey = try row.issueKey("blocker_key")
                let blockedKey = try row.issueKey("blocked_key")
                // An edge between two issues of different chunks is seen twice; keep it once.
                if !(blockedBy[blockedID]?.contains(blockerKey) ?? false) {
                    blockedBy[blockedID, default: []].append(blockerKey)
                }
                if !(blocks[blockerID]?.contains(blockedKey) ?? false) {
                    blocks[blockerID, default: []].append(blockedKey)
                }
            }
        }
        return issues.map { issue in
            var copy = issue
            copy.blockedBy = (blockedBy[issue.id] ?? []).sorted()
            copy.blocks = (blocks[issue.id] ?? []).sorted()
            return copy
        }
    }

    /// The `WHERE` clause of a filter (empty when it has no conditions).
    func filterClause(_ tx: any SQLTransaction, _ filter: IssueFilter) async throws -> SQL {
        var clauses: [SQL] = []
        if let project = filter.project {
            clauses.append("project_id = \(try await fetchProject(tx, project).id)")
        }
        if let statuses = filter.statuses, !statuses.isEmpty {
            clauses.append("status IN \(list: statuses.map(\.rawValue))")
        }
        if let priority = filter.priority { clauses.append("priority = \(priority.rawValue)") }
        if let type = filter.type { clauses.append("type = \(type.rawValue)") }
        if let capability = filter.capability {
            clauses.append(tx.dialect.listContains("issues.capabilities", capability.lowercased()))
        }
        if let assignee = filter.assignedTo { clauses.append("assigned_to = \(assignee)") }
        return clauses.isEmpty ? "" : "WHERE " + SQL.joined(clauses, separator: " AND ")
    }

    /// Inserts a comment. Text that turboCode writes itself (test output, git's and agents' messages) may carry
    /// terminal escapes and other control characters: they are made storable here, for both databases alike.
    func insertComment(_ tx: any SQLTransaction, _ issue: Issue, author: String, body: String) async throws -> Comment {
        let body = IssueValidation.storable(body)
        let now = try await tx.now()
        let comment = Comment(
            id: UUID(), issueID: issue.id, issueKey: issue.key, author: author, body: body, createdAt: now)
        try await tx.execute(
            """
            INSERT INTO comments (id, issue_id, author, body, created_at)
            VALUES (\(comment.id), \(issue.id), \(author), \(body), \(now))
            """)
        return comment
    }

    /// Opens a work log; fails when one is open already (unless `openLogChecked`: the caller read that none is).
    func insertWorkLog(
        _ tx: any SQLTransaction, _ issue: Issue, _ new: NewWorkLog, openLogChecked: Bool = false
    ) async throws -> WorkLog {
        if !openLogChecked,
            try await tx.exists("SELECT 1 FROM work_logs WHERE issue_id = \(issue.id) AND ended_at IS NULL")
        {
            throw TurboError.activeWorkLogExists(issue: issue.key.description)
        }
        let now = try await tx.now()
        let log = WorkLog(
            id: UUID(), issueID: issue.id, issueKey: issue.key, startedBy: new.startedBy, startedAt: now,
            endedAt: nil, worktreePath: new.worktreePath, branchName: new.branchName, commit: nil, commitURL: nil,
            outcome: nil, inputTokens: nil, outputTokens: nil, costUSD: nil)
        try await tx.execute(
            """
            INSERT INTO work_logs (id, issue_id, started_by, started_at, worktree_path, branch_name)
            VALUES (\(log.id), \(issue.id), \(log.startedBy), \(now), \(log.worktreePath), \(log.branchName))
            """)
        return log
    }

    /// Ends the issue's active work log, if any.
    func endActiveWorkLog(_ tx: any SQLTransaction, _ issue: Issue, _ end: WorkLogEnd) async throws -> WorkLog? {
        guard
            var log = try await tx.row(
                "\(raw: SQLRows.workLogSelect) WHERE w.issue_id = \(issue.id) AND w.ended_at IS NULL"
            ).map(SQLRows.workLog)
        else { return nil }
        log.end(with: end, at: try await tx.now())
        try await tx.execute(
            """
            UPDATE work_logs SET ended_at = \(log.endedAt), outcome = \(log.outcome?.rawValue),
                commit_sha = \(log.commit), commit_url = \(log.commitURL), input_tokens = \(log.inputTokens),
                output_tokens = \(log.outputTokens), cost_usd = \(log.costUSD)
            WHERE id = \(log.id)
            """)
        return log
    }
}
