import Foundation
public import TurboCore

extension SQLStore {
    /// Records an issue's new worktree, fills the active work log's path and branch, writes `worktree.created`.
    /// Recording the same path again returns the existing record.
    public func recordWorktree(of ref: IssueRef, path: String, branch: String, baseCommit: String) async throws
        -> WorktreeRecord
    {
        try await write { tx in
            let issue = try await fetchIssue(tx, ref, lock: true)
            if let existing = try await activeWorktree(tx, issue.id) {
                guard existing.path == path else {
                    throw TurboError.invalidInput("\(issue.key) already has a worktree at \(existing.path)")
                }
                return existing
            }
            let now = try await tx.now()
            let record = WorktreeRecord(
                id: UUID(), issueID: issue.id, issueKey: issue.key, path: path, branch: branch, baseCommit: baseCommit,
                createdAt: now, removedAt: nil)
            try await tx.execute(
                """
                INSERT INTO worktrees (id, issue_id, path, branch, base_commit, created_at)
                VALUES (\(record.id), \(issue.id), \(path), \(branch), \(baseCommit), \(now))
                """)
            try await tx.execute(
                """
                UPDATE work_logs SET worktree_path = \(path), branch_name = \(branch)
                WHERE issue_id = \(issue.id) AND ended_at IS NULL
                """)
            try await tx.appendEvents([.worktree(.worktreeCreated, record)])
            return record
        }
    }

    /// The issue's active worktree, if any.
    public func worktree(of ref: IssueRef) async throws -> WorktreeRecord? {
        try await read { tx in try await activeWorktree(tx, try await fetchIssue(tx, ref).id) }
    }

    /// Every active worktree (of one project when given), by issue key.
    public func activeWorktrees(project: ProjectRef?) async throws -> [WorktreeRecord] {
        try await read { tx in
            var scope: SQL = ""
            if let project { scope = " AND i.project_id = \(try await fetchProject(tx, project).id)" }
            return try await tx.rows("\(raw: SQLRows.worktreeSelect) WHERE w.removed_at IS NULL\(scope)")
                .map(SQLRows.worktreeRecord).sorted { $0.issueKey < $1.issueKey }
        }
    }

    /// How many worktrees of the project are active; see ``TurboStore/activeWorktreeCount(project:)``.
    public func activeWorktreeCount(project: ProjectRef) async throws -> Int {
        try await read { tx in
            try await tx.row(
                """
                SELECT COUNT(*) AS n FROM worktrees w JOIN issues i ON i.id = w.issue_id
                WHERE w.removed_at IS NULL AND i.project_id = \(try await projectID(tx, project))
                """
            )?.int("n") ?? 0
        }
    }

    /// Marks the issue's active worktree removed and writes `worktree.removed` with the reason.
    public func markWorktreeRemoved(of ref: IssueRef, reason: String) async throws -> WorktreeRecord {
        try await write { tx in
            let issue = try await fetchIssue(tx, ref, lock: true)
            guard var record = try await activeWorktree(tx, issue.id) else {
                throw TurboError.noWorktree(issue.key.description)
            }
            let now = try await tx.now()
            record.removedAt = now
            try await tx.execute("UPDATE worktrees SET removed_at = \(now) WHERE id = \(record.id)")
            try await tx.appendEvents([.worktree(.worktreeRemoved, record, reason: reason)])
            return record
        }
    }

    /// Replaces the predicted conflicts of a project with `current` (conflicting pairs only): new pairs write
    /// `conflict.detected`, pairs that no longer conflict write `conflict.resolved`.
    public func replaceConflicts(project: ProjectRef, current: [ConflictRecord]) async throws -> ConflictChanges {
        try await write { tx in
            let projectID = try await fetchProject(tx, project).id
            // One prediction replaces another at a time.
            _ = try await tx.rows("SELECT id FROM projects WHERE id = \(projectID)\(raw: tx.dialect.lockRows)")
            let existing = try await activeConflicts(tx, projectID: projectID)
            let (detected, resolved, changed) = ConflictChanges.diff(existing: existing, current: current)
            let now = try await tx.now()
            for record in detected {
                let issueID = try await fetchIssue(tx, .key(record.issue)).id
                var otherID: UUID?
                if let other = record.other { otherID = try await fetchIssue(tx, .key(other)).id }
                try await tx.execute(
                    """
                    INSERT INTO conflicts (id, project_id, issue_id, other_issue_id, commits, paths, detected_at)
                    VALUES (\(UUID()), \(projectID), \(issueID), \(otherID), \(record.commits), \(record.paths), \(now))
                    """)
            }
            for record in resolved + changed {
                let issueID = try await fetchIssue(tx, .key(record.issue)).id
                var other: SQL = "other_issue_id IS NULL"
                if let key = record.other { other = "other_issue_id = \(try await fetchIssue(tx, .key(key)).id)" }
                let resolvedAt: Date? = resolved.contains(record) ? now : nil
                try await tx.execute(
                    """
                    UPDATE conflicts
                    SET resolved_at = \(resolvedAt), commits = \(record.commits), paths = \(record.paths)
                    WHERE project_id = \(projectID) AND issue_id = \(issueID) AND \(other) AND resolved_at IS NULL
                    """)
            }
            try await tx.appendEvents(
                detected.map { .conflict(.conflictDetected, $0) } + resolved.map { .conflict(.conflictResolved, $0) })
            return ConflictChanges(
                detected: detected.map {
                    var copy = $0; copy.detectedAt = now; return copy
                }, resolved: resolved)
        }
    }

    /// The conflicts currently predicted (of one project when given).
    public func conflicts(project: ProjectRef?) async throws -> [ConflictRecord] {
        try await read { tx in
            var projectID: UUID?
            if let project { projectID = try await fetchProject(tx, project).id }
            return try await activeConflicts(tx, projectID: projectID)
        }
    }

    /// Merge simulations of a project by `left-commit right-commit`, clean ones included (empty paths), so a pair
    /// is simulated again only when one side moves.
    public func mergeChecks(project: ProjectRef) async throws -> [String: [String]] {
        try await read { tx in
            let projectID = try await fetchProject(tx, project).id
            var checks: [String: [String]] = [:]
            for row in try await tx.rows("SELECT pair, paths FROM merge_checks WHERE project_id = \(projectID)") {
                let pair = try row.string("pair")
                checks[pair] = try row.strings("paths")
            }
            return checks
        }
    }

    /// Replaces the project's stored merge simulations.
    public func saveMergeChecks(project: ProjectRef, _ checks: [String: [String]]) async throws {
        try await write { tx in
            let projectID = try await fetchProject(tx, project).id
            try await tx.execute("DELETE FROM merge_checks WHERE project_id = \(projectID)")
            for (pair, paths) in checks {
                try await tx.execute(
                    "INSERT INTO merge_checks (project_id, pair, paths) VALUES (\(projectID), \(pair), \(paths))")
            }
        }
    }

    /// The issue's active worktree, if any.
    func activeWorktree(_ tx: any SQLTransaction, _ issueID: UUID) async throws -> WorktreeRecord? {
        try await tx.row("\(raw: SQLRows.worktreeSelect) WHERE w.issue_id = \(issueID) AND w.removed_at IS NULL")
            .map(SQLRows.worktreeRecord)
    }

    /// The unresolved conflicts of one project, or of every project when `projectID` is nil, by pair.
    func activeConflicts(_ tx: any SQLTransaction, projectID: UUID?) async throws -> [ConflictRecord] {
        var scope: SQL = ""
        if let projectID { scope = " AND c.project_id = \(projectID)" }
        return try await tx.rows(
            """
            SELECT a.key AS issue_key, b.key AS other_key, c.commits, c.paths, c.detected_at FROM conflicts c
            JOIN issues a ON a.id = c.issue_id LEFT JOIN issues b ON b.id = c.other_issue_id
            WHERE c.resolved_at IS NULL\(scope)
            """
        ).map(SQLRows.conflictRecord).sorted { $0.pairKey < $1.pairKey }
    }
}

extension SQLRows {
    /// Worktree rows with their issue's key.
    public static let worktreeSelect =
        "SELECT w.*, i.key AS issue_key FROM worktrees w JOIN issues i ON i.id = w.issue_id"

    /// A row of ``worktreeSelect``.
    public static func worktreeRecord(_ row: any SQLRow) throws -> WorktreeRecord {
        WorktreeRecord(
            id: try row.uuid("id"), issueID: try row.uuid("issue_id"), issueKey: try row.issueKey("issue_key"),
            path: try row.string("path"), branch: try row.string("branch"), baseCommit: try row.string("base_commit"),
            createdAt: try row.date("created_at"), removedAt: try row.optionalDate("removed_at"))
    }

    /// A conflict row with its issues' keys (`issue_key`, `other_key`, NULL against the base branch).
    public static func conflictRecord(_ row: any SQLRow) throws -> ConflictRecord {
        ConflictRecord(
            issue: try row.issueKey("issue_key"), other: try row.optionalString("other_key").map(issueKey),
            commits: try row.strings("commits"), paths: try row.strings("paths"),
            detectedAt: try row.date("detected_at"))
    }
}
