public import Foundation
import Logging
import PostgresNIO
public import TurboCore

extension PostgresStore {
    static let checkSelect = """
        SELECT c.id, c.issue_id, i.key AS issue_key, c.kind, c.passed, c.summary, c.evidence::text AS evidence,
            c.actor, c.created_at
        FROM checks c JOIN issues i ON i.id = c.issue_id
        """

    public func resumeLeasedWork(
        on ref: IssueRef, agent: String, ttl: Duration, worktreePath: String?, branch: String?
    ) async throws -> (issue: Issue, lease: Lease, log: WorkLog) {
        try await transaction { conn in
            var issue = try await fetchIssue(conn, ref, lock: true)
            guard issue.status == .inProgress else {
                throw TurboError.conflictingState(
                    "\(issue.key) is \(issue.status); only work sent back (in_progress, no lease) can be resumed")
            }
            let now = try await conn.now(logger)
            if let current = try await currentLease(conn, issue) {
                guard current.expiresAt <= now else {
                    throw TurboError.conflictingState(
                        "\(issue.key) is leased to \(current.agentID) (epoch \(current.epoch))")
                }
                _ = try await release(conn, current, reason: "expired", now: now)
            }
            let lease = try await insertLease(conn, issue, agent: agent, ttl: ttl, now: now)
            issue.assignedTo = agent
            issue.updatedAt = now
            try await conn.query(
                "UPDATE issues SET assigned_to = \(agent), updated_at = \(now) WHERE id = \(issue.id)", logger: logger)
            let log = try await insertWorkLog(
                conn, issue,
                try NewWorkLog(startedBy: lease.holderActor, worktreePath: worktreePath, branchName: branch)
                    .validated(), now: now)
            try await appendEvents(conn, [.lease(.leaseAcquired, lease), .workLog(.workLogStarted, log)], now: now)
            return (try await withDependencyKeys(conn, [issue])[0], lease, log)
        }
    }

    public func addUsage(toWorkLog id: UUID, inputTokens: Int, outputTokens: Int, costUSD: Double?) async throws {
        try await transaction { conn in
            try await conn.query(
                """
                UPDATE work_logs SET input_tokens = COALESCE(input_tokens, 0) + \(inputTokens),
                    output_tokens = COALESCE(output_tokens, 0) + \(outputTokens),
                    cost_usd = CASE WHEN \(costUSD)::double precision IS NULL THEN cost_usd
                        ELSE COALESCE(cost_usd, 0) + \(costUSD) END
                WHERE id = \(id)
                """, logger: logger)
        }
    }

    public func recordCheck(on ref: IssueRef, _ new: NewCheck) async throws -> (issue: Issue, check: Check) {
        try await transaction { conn in
            let issue = try await fetchIssue(conn, ref, lock: true)
            guard issue.status == new.expecting else {
                throw TurboError.conflictingState(
                    "\(issue.key) is \(issue.status) now, not \(new.expecting); nothing was recorded")
            }
            let now = try await conn.now(logger)
            var events: [EventDraft] = []
            var moved = issue
            for status in new.moves {
                let from = moved.status
                moved = try await move(
                    conn, moved, to: status, reason: status == .closed ? new.closedReason : nil, now: now)
                events.append(.transition(moved, from: from, actor: new.actor))
            }
            if let comment = new.comment {
                events.append(
                    .commentAdded(try await insertComment(conn, moved, author: new.actor, body: comment, now: now)))
            }
            let check = Check(
                id: UUID(), issueID: issue.id, issueKey: issue.key, kind: new.kind, passed: new.passed,
                summary: new.summary, evidence: new.evidence, actor: new.actor, createdAt: now)
            try await conn.query(
                """
                INSERT INTO checks (id, issue_id, kind, passed, summary, evidence, actor, created_at)
                VALUES (\(check.id), \(issue.id), \(check.kind.rawValue), \(check.passed), \(check.summary),
                    \(check.evidence.jsonString)::jsonb, \(check.actor), \(now))
                """, logger: logger)
            events.append(.check(check))
            try await appendEvents(conn, events, now: now)
            return (try await withDependencyKeys(conn, [moved])[0], check)
        }
    }

    public func checks(of ref: IssueRef) async throws -> [Check] {
        try await connection { conn in
            let issue = try await fetchIssue(conn, ref)
            return try await conn.query(
                "\(unescaped: Self.checkSelect) WHERE c.issue_id = \(issue.id) ORDER BY c.created_at, c.id",
                logger: logger
            ).collect().map(Self.check)
        }
    }

    public func checks(since: Date?) async throws -> [Check] {
        try await connection { conn in
            try await conn.query(
                """
                \(unescaped: Self.checkSelect)
                WHERE (\(since)::timestamptz IS NULL OR c.created_at >= \(since)) ORDER BY c.created_at, c.id
                """, logger: logger
            ).collect().map(Self.check)
        }
    }

    static func check(_ row: PostgresRow) throws -> Check {
        let cells = row.makeRandomAccess()
        let kind = try cells["kind"].decode(String.self)
        guard let parsed = CheckKind(rawValue: kind) else {
            throw TurboError.invalidInput("unknown check kind '\(kind)' in the database")
        }
        return Check(
            id: try cells["id"].decode(UUID.self), issueID: try cells["issue_id"].decode(UUID.self),
            issueKey: try PostgresRows.issueKey(try cells["issue_key"].decode(String.self)), kind: parsed,
            passed: try cells["passed"].decode(Bool.self), summary: try cells["summary"].decode(String.self),
            evidence: JSONValue(jsonText: try cells["evidence"].decode(String.self)),
            actor: try cells["actor"].decode(String.self), createdAt: try cells["created_at"].decode(Date.self))
    }
}
