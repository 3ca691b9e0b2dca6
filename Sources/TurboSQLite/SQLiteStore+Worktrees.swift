import Foundation
import GRDB
public import TurboCore

extension SQLiteStore {
    static let worktreeSelect = "SELECT w.*, i.key AS issue_key FROM worktrees w JOIN issues i ON i.id = w.issue_id"

    public func recordWorktree(of ref: IssueRef, path: String, branch: String, baseCommit: String) async throws
        -> WorktreeRecord
    {
        try await write { db in
            let issue = try Self.fetchIssue(db, ref)
            if let existing = try Self.activeWorktree(db, issue.id) {
                guard existing.path == path else {
                    throw TurboError.invalidInput("\(issue.key) already has a worktree at \(existing.path)")
                }
                return existing
            }
            let record = WorktreeRecord(
                id: UUID(), issueID: issue.id, issueKey: issue.key, path: path, branch: branch, baseCommit: baseCommit,
                createdAt: Date.storageNow(), removedAt: nil)
            try db.execute(
                sql: """
                    INSERT INTO worktrees (id, issue_id, path, branch, base_commit, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id.lowercasedString, issue.id.lowercasedString, path, branch, baseCommit, record.createdAt,
                ])
            try db.execute(
                sql: "UPDATE work_logs SET worktree_path = ?, branch_name = ? WHERE issue_id = ? AND ended_at IS NULL",
                arguments: [path, branch, issue.id.lowercasedString])
            try appendEvents(db, [.worktree(.worktreeCreated, record)])
            return record
        }
    }

    public func worktree(of ref: IssueRef) async throws -> WorktreeRecord? {
        try await read { db in try Self.activeWorktree(db, try Self.fetchIssue(db, ref).id) }
    }

    public func activeWorktrees(project: ProjectRef?) async throws -> [WorktreeRecord] {
        try await read { db in
            var sql = "\(Self.worktreeSelect) WHERE w.removed_at IS NULL"
            var arguments: StatementArguments = []
            if let project {
                sql += " AND i.project_id = ?"
                arguments = [try Self.fetchProject(db, project).id.lowercasedString]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY i.number", arguments: arguments).map(Self.worktreeRecord)
                .sorted { $0.issueKey < $1.issueKey }
        }
    }

    public func markWorktreeRemoved(of ref: IssueRef, reason: String) async throws -> WorktreeRecord {
        try await write { db in
            let issue = try Self.fetchIssue(db, ref)
            guard var record = try Self.activeWorktree(db, issue.id) else {
                throw TurboError.noWorktree(issue.key.description)
            }
            record.removedAt = Date.storageNow()
            try db.execute(
                sql: "UPDATE worktrees SET removed_at = ? WHERE id = ?",
                arguments: [record.removedAt, record.id.lowercasedString])
            try appendEvents(db, [.worktree(.worktreeRemoved, record, reason: reason)])
            return record
        }
    }

    public func replaceConflicts(project: ProjectRef, current: [ConflictRecord]) async throws -> ConflictChanges {
        try await write { db in
            let projectID = try Self.fetchProject(db, project).id.lowercasedString
            let existing = try Self.activeConflicts(db, projectID: projectID)
            let (detected, resolved, changed) = ConflictChanges.diff(existing: existing, current: current)
            let now = Date.storageNow()
            func issueID(_ key: IssueKey?) throws -> String? {
                guard let key else { return nil }
                return try Self.fetchIssue(db, .key(key)).id.lowercasedString
            }
            for record in detected {
                try db.execute(
                    sql: """
                        INSERT INTO conflicts (id, project_id, issue_id, other_issue_id, commits, paths, detected_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        UUID().lowercasedString, projectID, try issueID(record.issue), try issueID(record.other),
                        StringArray.encode(record.commits), StringArray.encode(record.paths), now,
                    ])
            }
            for record in resolved + changed {
                let isResolved = resolved.contains(record)
                try db.execute(
                    sql: """
                        UPDATE conflicts SET resolved_at = ?, commits = ?, paths = ?
                        WHERE project_id = ? AND issue_id = ? AND other_issue_id IS ? AND resolved_at IS NULL
                        """,
                    arguments: [
                        isResolved ? now : nil, StringArray.encode(record.commits), StringArray.encode(record.paths),
                        projectID, try issueID(record.issue), try issueID(record.other),
                    ])
            }
            try appendEvents(
                db,
                detected.map { .conflict(.conflictDetected, $0) } + resolved.map { .conflict(.conflictResolved, $0) })
            return ConflictChanges(
                detected: detected.map {
                    var copy = $0; copy.detectedAt = now; return copy
                }, resolved: resolved)
        }
    }

    public func conflicts(project: ProjectRef?) async throws -> [ConflictRecord] {
        try await read { db in
            try Self.activeConflicts(
                db, projectID: try project.map { try Self.fetchProject(db, $0).id.lowercasedString })
        }
    }

    public func mergeChecks(project: ProjectRef) async throws -> [String: [String]] {
        try await read { db in
            let projectID = try Self.fetchProject(db, project).id.lowercasedString
            var checks: [String: [String]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT pair, paths FROM merge_checks WHERE project_id = ?", arguments: [projectID])
            {
                checks[row[0]] = StringArray.decode(row[1])
            }
            return checks
        }
    }

    public func saveMergeChecks(project: ProjectRef, _ checks: [String: [String]]) async throws {
        try await write { db in
            let projectID = try Self.fetchProject(db, project).id.lowercasedString
            try db.execute(sql: "DELETE FROM merge_checks WHERE project_id = ?", arguments: [projectID])
            for (pair, paths) in checks {
                try db.execute(
                    sql: "INSERT INTO merge_checks (project_id, pair, paths) VALUES (?, ?, ?)",
                    arguments: [projectID, pair, StringArray.encode(paths)])
            }
        }
    }

    static func activeWorktree(_ db: Database, _ issueID: UUID) throws -> WorktreeRecord? {
        try Row.fetchOne(
            db, sql: "\(worktreeSelect) WHERE w.issue_id = ? AND w.removed_at IS NULL",
            arguments: [issueID.lowercasedString]
        ).map(worktreeRecord)
    }

    static func worktreeRecord(_ row: Row) throws -> WorktreeRecord {
        WorktreeRecord(
            id: try SQLiteRows.uuid(row, "id"), issueID: try SQLiteRows.uuid(row, "issue_id"),
            issueKey: try SQLiteRows.issueKey(row["issue_key"]), path: row["path"], branch: row["branch"],
            baseCommit: row["base_commit"], createdAt: row["created_at"], removedAt: row["removed_at"])
    }

    static func activeConflicts(_ db: Database, projectID: String?) throws -> [ConflictRecord] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT a.key AS issue_key, b.key AS other_key, c.commits, c.paths, c.detected_at FROM conflicts c
                JOIN issues a ON a.id = c.issue_id LEFT JOIN issues b ON b.id = c.other_issue_id
                WHERE c.resolved_at IS NULL AND (? IS NULL OR c.project_id = ?)
                """, arguments: [projectID, projectID]
        ).map { row in
            ConflictRecord(
                issue: try SQLiteRows.issueKey(row["issue_key"]),
                other: try (row["other_key"] as String?).map(SQLiteRows.issueKey),
                commits: StringArray.decode(row["commits"]), paths: StringArray.decode(row["paths"]),
                detectedAt: row["detected_at"])
        }.sorted { $0.pairKey < $1.pairKey }
    }
}
