import Foundation
public import TurboCore

// The queue snapshot (ranked by WorkQueue in TurboCore) and the event log.
extension SQLStore {
    /// The ready issues, their blockers and the in-flight issues of a project (all projects when nil), read in one
    /// consistent snapshot with the database clock.
    public func queueSnapshot(project: ProjectRef?) async throws -> QueueSnapshot {
        // One snapshot for every read below.
        try await snapshot { tx in
            var scope: SQL = ""
            if let project {
                let projectID = try await fetchProject(tx, project).id
                scope = "AND c.project_id = \(projectID)"
            }
            var blockers: [UUID: [QueueBlocker]] = [:]
            for row in try await tx.rows(
                """
                SELECT d.blocked_id, b.key AS blocker_key, b.status AS blocker_status,
                    b.closed_reason AS blocker_reason
                FROM dependencies d JOIN issues c ON c.id = d.blocked_id JOIN issues b ON b.id = d.blocker_id
                WHERE c.status = 'ready' \(scope)
                """)
            {
                blockers[try row.uuid("blocked_id"), default: []].append(
                    QueueBlocker(
                        key: try row.issueKey("blocker_key"),
                        status: try IssueStatus(parsing: try row.string("blocker_status")),
                        closedReason: try row.optionalString("blocker_reason").map { text throws(TurboError) in
                            try ClosedReason(parsing: text)
                        }))
            }
            var blocksCount: [UUID: Int] = [:]
            for row in try await tx.rows(
                """
                SELECT d.blocker_id, COUNT(*) AS n FROM dependencies d
                JOIN issues c ON c.id = d.blocker_id JOIN issues x ON x.id = d.blocked_id
                WHERE c.status = 'ready' AND x.status <> 'closed' \(scope)
                GROUP BY d.blocker_id
                """)
            {
                blocksCount[try row.uuid("blocker_id")] = try row.int("n")
            }
            var candidates: [QueueCandidate] = []
            for row in try await tx.rows(
                """
                SELECT c.id, c.key, c.title, c.priority, c.capabilities, c.paths, c.work_rank, c.created_at
                FROM issues c WHERE c.status = 'ready' \(scope)
                """)
            {
                let id = try row.uuid("id")
                candidates.append(
                    QueueCandidate(
                        id: id, key: try row.issueKey("key"), title: try row.string("title"),
                        priority: try IssuePriority(parsing: try row.string("priority")),
                        capabilities: try row.strings("capabilities"), paths: try row.strings("paths"),
                        workRank: try row.optionalInt("work_rank"), createdAt: try row.date("created_at"),
                        blockers: blockers[id] ?? [], blocksCount: blocksCount[id] ?? 0))
            }
            // Only issues with paths can overlap; an empty list is spelled differently by each engine, so the
            // filter is applied here.
            var inFlight: [InFlightIssue] = []
            for row in try await tx.rows(
                """
                SELECT c.key, c.status, c.paths FROM issues c
                WHERE c.status IN ('assigned', 'in_progress', 'testing', 'review') \(scope)
                """)
            {
                let paths = try row.strings("paths")
                guard !paths.isEmpty else { continue }
                inFlight.append(
                    InFlightIssue(
                        key: try row.issueKey("key"), status: try IssueStatus(parsing: try row.string("status")),
                        paths: paths))
            }
            return QueueSnapshot(now: try await tx.now(), candidates: candidates, inFlight: inFlight)
        }
    }

    /// Events with an id greater than `after`, oldest first (at most 10 000).
    public func events(after: Int64, limit: Int) async throws -> [Event] {
        let limit = max(0, min(limit, 10_000))
        return try await read { tx in
            try await tx.rows(
                """
                SELECT id, type, subject, payload, created_at FROM events
                WHERE id > \(after) ORDER BY id LIMIT \(limit)
                """
            ).map(SQLRows.event)
        }
    }

    /// The id of the newest event, 0 when the log is empty.
    public func latestEventID() async throws -> Int64 {
        try await read { tx in try await tx.row("SELECT COALESCE(MAX(id), 0) AS n FROM events")?.int64("n") ?? 0 }
    }
}
