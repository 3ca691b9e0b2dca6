import Foundation
import Logging
import PostgresNIO
public import TurboCore

extension PostgresStore {
    static let worktreeSelect = "SELECT w.*, i.key AS issue_key FROM worktrees w JOIN issues i ON i.id = w.issue_id"

    public func recordWorktree(of ref: IssueRef, path: String, branch: String, baseCommit: String) async throws
        -> WorktreeRecord
    {
        try await transaction { conn in
            let issue = try await fetchIssue(conn, ref, lock: true)
            if let existing = try await activeWorktree(conn, issue.id) {
                guard existing.path == path else {
                    throw TurboError.invalidInput("\(issue.key) already has a worktree at \(existing.path)")
                }
                return existing
            }
            let now = try await conn.now(logger)
            let record = WorktreeRecord(
                id: UUID(), issueID: issue.id, issueKey: issue.key, path: path, branch: branch, baseCommit: baseCommit,
                createdAt: now, removedAt: nil)
            try await conn.query(
                """
                INSERT INTO worktrees (id, issue_id, path, branch, base_commit, created_at)
                VALUES (\(record.id), \(issue.id), \(path), \(branch), \(baseCommit), \(now))
                """, logger: logger)
            try await conn.query(
                """
                UPDATE work_logs SET worktree_path = \(path), branch_name = \(branch)
                WHERE issue_id = \(issue.id) AND ended_at IS NULL
                """, logger: logger)
            try await appendEvents(conn, [.worktree(.worktreeCreated, record)], now: now)
            return record
        }
    }

    public func worktree(of ref: IssueRef) async throws -> WorktreeRecord? {
        try await connection { conn in try await activeWorktree(conn, try await fetchIssue(conn, ref).id) }
    }

    public func activeWorktrees(project: ProjectRef?) async throws -> [WorktreeRecord] {
        try await connection { conn in
            var projectID: UUID?
            if let project { projectID = try await fetchProject(conn, project).id }
            return try await conn.query(
                """
                \(unescaped: Self.worktreeSelect)
                WHERE w.removed_at IS NULL AND (\(projectID)::uuid IS NULL OR i.project_id = \(projectID))
                """, logger: logger
            ).collect().map(Self.worktreeRecord).sorted { $0.issueKey < $1.issueKey }
        }
    }

    public func markWorktreeRemoved(of ref: IssueRef, reason: String) async throws -> WorktreeRecord {
        try await transaction { conn in
            let issue = try await fetchIssue(conn, ref, lock: true)
            guard var record = try await activeWorktree(conn, issue.id) else {
                throw TurboError.noWorktree(issue.key.description)
            }
            let now = try await conn.now(logger)
            record.removedAt = now
            try await conn.query("UPDATE worktrees SET removed_at = \(now) WHERE id = \(record.id)", logger: logger)
            try await appendEvents(conn, [.worktree(.worktreeRemoved, record, reason: reason)], now: now)
            return record
        }
    }

    public func replaceConflicts(project: ProjectRef, current: [ConflictRecord]) async throws -> ConflictChanges {
        try await transaction { conn in
            let projectID = try await fetchProject(conn, project).id
            // One prediction replaces another at a time.
            try await conn.query("SELECT id FROM projects WHERE id = \(projectID) FOR UPDATE", logger: logger)
            let existing = try await activeConflicts(conn, projectID: projectID)
            let (detected, resolved, changed) = ConflictChanges.diff(existing: existing, current: current)
            let now = try await conn.now(logger)
            for record in detected {
                let issueID = try await fetchIssue(conn, .key(record.issue)).id
                var otherID: UUID?
                if let other = record.other { otherID = try await fetchIssue(conn, .key(other)).id }
                try await conn.query(
                    """
                    INSERT INTO conflicts (id, project_id, issue_id, other_issue_id, commits, paths, detected_at)
                    VALUES (\(UUID()), \(projectID), \(issueID), \(otherID), \(record.commits), \(record.paths), \(now))
                    """, logger: logger)
            }
            for record in resolved + changed {
                let issueID = try await fetchIssue(conn, .key(record.issue)).id
                var otherID: UUID?
                if let other = record.other { otherID = try await fetchIssue(conn, .key(other)).id }
                let resolvedAt: Date? = resolved.contains(record) ? now : nil
                try await conn.query(
                    """
                    UPDATE conflicts SET resolved_at = \(resolvedAt), commits = \(record.commits), paths = \(record.paths)
                    WHERE project_id = \(projectID) AND issue_id = \(issueID)
                        AND other_issue_id IS NOT DISTINCT FROM \(otherID)::uuid AND resolved_at IS NULL
                    """, logger: logger)
            }
            try await appendEvents(
                conn,
                detected.map { .conflict(.conflictDetected, $0) } + resolved.map { .conflict(.conflictResolved, $0) },
                now: now)
            return ConflictChanges(
                detected: detected.map {
                    var copy = $0; copy.detectedAt = now; return copy
                }, resolved: resolved)
        }
    }

    public func conflicts(project: ProjectRef?) async throws -> [ConflictRecord] {
        try await connection { conn in
            var projectID: UUID?
            if let project { projectID = try await fetchProject(conn, project).id }
            return try await activeConflicts(conn, projectID: projectID)
        }
    }

    public func mergeChecks(project: ProjectRef) async throws -> [String: [String]] {
        try await connection { conn in
            let projectID = try await fetchProject(conn, project).id
            var checks: [String: [String]] = [:]
            for try await (pair, paths) in try await conn.query(
                "SELECT pair, paths FROM merge_checks WHERE project_id = \(projectID)", logger: logger
            ).decode((String, [String]).self) {
                checks[pair] = paths
            }
            return checks
        }
    }

    public func saveMergeChecks(project: ProjectRef, _ checks: [String: [String]]) async throws {
        try await transaction { conn in
            let projectID = try await fetchProject(conn, project).id
            try await conn.query("DELETE FROM merge_checks WHERE project_id = \(projectID)", logger: logger)
            for (pair, paths) in checks {
                try await conn.query(
                    "INSERT INTO merge_checks (project_id, pair, paths) VALUES (\(projectID), \(pair), \(paths))",
                    logger: logger)
            }
        }
    }

    func activeWorktree(_ conn: PostgresConnection, _ issueID: UUID) async throws -> WorktreeRecord? {
        try await conn.query(
            "\(unescaped: Self.worktreeSelect) WHERE w.issue_id = \(issueID) AND w.removed_at IS NULL", logger: logger
        ).collect().first.map(Self.worktreeRecord)
    }

    static func worktreeRecord(_ row: PostgresRow) throws -> WorktreeRecord {
        let cells = row.makeRandomAccess()
        return WorktreeRecord(
            id: try cells["id"].decode(UUID.self), issueID: try cells["issue_id"].decode(UUID.self),
            issueKey: try PostgresRows.issueKey(try cells["issue_key"].decode(String.self)),
            path: try cells["path"].decode(String.self), branch: try cells["branch"].decode(String.self),
            baseCommit: try cells["base_commit"].decode(String.self),
            createdAt: try cells["created_at"].decode(Date.self), removedAt: try cells["removed_at"].decode(Date?.self))
    }

    func activeConflicts(_ conn: PostgresConnection, projectID: UUID?) async throws -> [ConflictRecord] {
        var records: [ConflictRecord] = []
        for try await (issueKey, otherKey, commits, paths, detectedAt) in try await conn.query(
            """
            SELECT a.key, b.key, c.commits, c.paths, c.detected_at FROM conflicts c
            JOIN issues a ON a.id = c.issue_id LEFT JOIN issues b ON b.id = c.other_issue_id
            WHERE c.resolved_at IS NULL AND (\(projectID)::uuid IS NULL OR c.project_id = \(projectID))
            """, logger: logger
        ).decode((String, String?, [String], [String], Date).self) {
            records.append(
                ConflictRecord(
                    issue: try PostgresRows.issueKey(issueKey), other: try otherKey.map(PostgresRows.issueKey),
                    commits: commits, paths: paths, detectedAt: detectedAt))
        }
        return records.sorted { $0.pairKey < $1.pairKey }
    }
}
