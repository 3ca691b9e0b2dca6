import Foundation
public import TurboCore

// The queue snapshot (ranked by WorkQueue in TurboCore) and the event log.
extension SQLStore {
    /// The ready issues, their blockers and the in-flight issues of a project (all projects when nil), read in one
    /// consistent snapshot with the database clock.
    public func queueSnapshot(project: ProjectRef?) async throws -> QueueSnapshot {
        // One snapshot for every read below. This runs for every scheduling decision over possibly thousands of
        // rows: keys are built from the number and the project's key, times read as seconds, and only blockers that
        // still block are read.
        try await snapshot { tx in
            var scope: SQL = ""
            if let project {
                let projectID = try await fetchProject(tx, project).id
                scope = "AND c.project_id = \(projectID)"
            }
            var projectKeys: [UUID: ProjectKey] = [:]
            for row in try await tx.rows("SELECT id, key FROM projects") {
                projectKeys[try row.uuid("id")] = try ProjectKey(try row.string("key"))
            }
            func key(_ row: any SQLRow, project: String, number: String) throws -> IssueKey {
                guard let projectKey = projectKeys[try row.uuid(project)] else {
                    throw TurboError.storage("an issue of an unknown project")
                }
                return IssueKey(project: projectKey, number: try row.int(number))
            }
            var blockers: [UUID: [QueueBlocker]] = [:]
            for row in try await tx.rows(
                """
                SELECT d.blocked_id, b.project_id AS blocker_project, b.number AS blocker_number,
                    b.status AS blocker_status, b.closed_reason AS blocker_reason
                FROM dependencies d JOIN issues c ON c.id = d.blocked_id JOIN issues b ON b.id = d.blocker_id
                WHERE c.status = 'ready' \(scope)
                    AND NOT (b.status = 'closed' AND b.closed_reason IN ('done', 'merged'))
                """)
            {
                blockers[try row.uuid("blocked_id"), default: []].append(
                    QueueBlocker(
                        key: try key(row, project: "blocker_project", number: "blocker_number"),
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
                SELECT c.id, c.project_id, c.number, c.title, c.priority, c.capabilities, c.paths, c.work_rank,
                    \(raw: tx.dialect.epochSeconds("c.created_at")) AS created
                FROM issues c WHERE c.status = 'ready' \(scope)
                """)
            {
                let id = try row.uuid("id")
                candidates.append(
                    QueueCandidate(
                        id: id, key: try key(row, project: "project_id", number: "number"),
                        title: try row.string("title"),
                        priority: try IssuePriority(parsing: try row.string("priority")),
                        capabilities: try row.strings("capabilities"), paths: try row.strings("paths"),
                        workRank: try row.optionalInt("work_rank"),
                        createdAt: Date(timeIntervalSince1970: try row.double("created")),
                        blockers: blockers[id] ?? [], blocksCount: blocksCount[id] ?? 0))
            }
            // Only issues with paths can overlap.
            var inFlight: [InFlightIssue] = []
            for row in try await tx.rows(
                """
                SELECT c.project_id, c.number, c.status, c.paths FROM issues c
                WHERE c.status IN ('assigned', 'in_progress', 'testing', 'review')
                    AND \(raw: tx.dialect.listIsNotEmpty("c.paths")) \(scope)
                """)
            {
                inFlight.append(
                    InFlightIssue(
                        key: try key(row, project: "project_id", number: "number"),
                        status: try IssueStatus(parsing: try row.string("status")), paths: try row.strings("paths")))
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

    /// The newest `limit` events about `subject`, oldest first (the `events_subject` index, newest end first).
    public func events(about subject: String, limit: Int) async throws -> [Event] {
        let limit = max(0, min(limit, 10_000))
        return try await read { tx in
            try await tx.rows(
                """
                SELECT id, type, subject, payload, created_at FROM events
                WHERE subject = \(subject) ORDER BY id DESC LIMIT \(limit)
                """
            ).map(SQLRows.event).reversed()
        }
    }

    /// The id of the newest event, 0 when the log is empty.
    public func latestEventID() async throws -> Int64 {
        try await read { tx in try await tx.row("SELECT COALESCE(MAX(id), 0) AS n FROM events")?.int64("n") ?? 0 }
    }
}
