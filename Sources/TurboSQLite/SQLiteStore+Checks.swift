public import Foundation
import GRDB
public import TurboCore

extension SQLiteStore {
    public func resumeLeasedWork(
        on ref: IssueRef, agent: String, ttl: Duration, worktreePath: String?, branch: String?
    ) async throws -> (issue: Issue, lease: Lease, log: WorkLog) {
        try await write { db in
            var issue = try Self.fetchIssue(db, ref)
            guard issue.status == .inProgress else {
                throw TurboError.conflictingState(
                    "\(issue.key) is \(issue.status); only work sent back (in_progress, no lease) can be resumed")
            }
            let now = Date.storageNow()
            if let current = try Self.currentLease(db, issue) {
                guard current.expiresAt <= now else {
                    throw TurboError.conflictingState(
                        "\(issue.key) is leased to \(current.agentID) (epoch \(current.epoch))")
                }
                _ = try Self.release(db, current, reason: "expired", now: now)
            }
            let lease = try Self.insertLease(db, issue, agent: agent, ttl: ttl, now: now)
            issue.assignedTo = agent
            issue.updatedAt = now
            try db.execute(
                sql: "UPDATE issues SET assigned_to = ?, updated_at = ? WHERE id = ?",
                arguments: [agent, now, issue.id.lowercasedString])
            let log = try Self.insertWorkLog(
                db, issue,
                try NewWorkLog(startedBy: lease.holderActor, worktreePath: worktreePath, branchName: branch)
                    .validated())
            try appendEvents(db, [.lease(.leaseAcquired, lease), .workLog(.workLogStarted, log)])
            return (try Self.withDependencyKeys(db, [issue])[0], lease, log)
        }
    }

    public func addUsage(toWorkLog id: UUID, inputTokens: Int, outputTokens: Int, costUSD: Double?) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE work_logs SET input_tokens = COALESCE(input_tokens, 0) + ?,
                        output_tokens = COALESCE(output_tokens, 0) + ?,
                        cost_usd = CASE WHEN ? IS NULL THEN cost_usd ELSE COALESCE(cost_usd, 0) + ? END
                    WHERE id = ?
                    """, arguments: [inputTokens, outputTokens, costUSD, costUSD, id.lowercasedString])
        }
    }

    public func recordCheck(on ref: IssueRef, _ new: NewCheck) async throws -> (issue: Issue, check: Check) {
        try await write { db in
            let issue = try Self.fetchIssue(db, ref)
            guard issue.status == new.expecting else {
                throw TurboError.conflictingState(
                    "\(issue.key) is \(issue.status) now, not \(new.expecting); nothing was recorded")
            }
            var events: [EventDraft] = []
            var moved = issue
            for status in new.moves {
                let from = moved.status
                moved = try Self.move(db, moved, to: status, reason: status == .closed ? new.closedReason : nil)
                events.append(.transition(moved, from: from, actor: new.actor))
            }
            if let comment = new.comment {
                events.append(.commentAdded(try Self.insertComment(db, moved, author: new.actor, body: comment)))
            }
            let check = Check(
                id: UUID(), issueID: issue.id, issueKey: issue.key, kind: new.kind, passed: new.passed,
                summary: new.summary, evidence: new.evidence, actor: new.actor, createdAt: Date.storageNow())
            try db.execute(
                sql: """
                    INSERT INTO checks (id, issue_id, kind, passed, summary, evidence, actor, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    check.id.lowercasedString, issue.id.lowercasedString, check.kind.rawValue, check.passed,
                    check.summary, check.evidence.jsonString, check.actor, check.createdAt,
                ])
            events.append(.check(check))
            try appendEvents(db, events)
            return (try Self.withDependencyKeys(db, [moved])[0], check)
        }
    }

    public func checks(of ref: IssueRef) async throws -> [Check] {
        try await read { db in
            let issue = try Self.fetchIssue(db, ref)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, i.key AS issue_key FROM checks c JOIN issues i ON i.id = c.issue_id
                    WHERE c.issue_id = ? ORDER BY c.created_at, c.rowid
                    """, arguments: [issue.id.lowercasedString]
            ).map(Self.check)
        }
    }

    public func checks(since: Date?) async throws -> [Check] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, i.key AS issue_key FROM checks c JOIN issues i ON i.id = c.issue_id
                    WHERE c.created_at >= ? ORDER BY c.created_at, c.rowid
                    """, arguments: [since ?? Date.distantPast]
            ).map(Self.check)
        }
    }

    static func check(_ row: Row) throws -> Check {
        let kind: String = row["kind"]
        guard let parsed = CheckKind(rawValue: kind) else {
            throw TurboError.invalidInput("unknown check kind '\(kind)' in the database")
        }
        return Check(
            id: try SQLiteRows.uuid(row, "id"), issueID: try SQLiteRows.uuid(row, "issue_id"),
            issueKey: try SQLiteRows.issueKey(row["issue_key"]), kind: parsed, passed: row["passed"],
            summary: row["summary"], evidence: JSONValue(jsonText: row["evidence"]), actor: row["actor"],
            createdAt: row["created_at"])
    }
}
