import Foundation
import Logging
import PostgresNIO
import TurboCore

extension PostgresStore {
    /// Work log rows with their issue's key.
    static let workLogSelect = "SELECT w.*, i.key AS issue_key FROM work_logs w JOIN issues i ON i.id = w.issue_id"

    /// Runs `body` in one transaction; errors are translated to ``TurboError``.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.translating {
            try await client.withTransaction(logger: logger) { conn in try await body(conn) }
        }
    }

    /// Runs `body` on one pooled connection without an explicit transaction.
    func connection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.translating { try await client.withConnection { conn in try await body(conn) } }
    }

    /// Unwraps transaction errors and maps database errors to ``TurboError``.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TurboError {
            throw error
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError {
                if let turbo = closureError as? TurboError { throw turbo }
                throw translate(closureError)
            }
            throw translate(error.commitError ?? error.beginError ?? error)
        } catch {
            throw translate(error)
        }
    }

    static func translate(_ error: any Error) -> TurboError {
        if let error = error as? TurboError { return error }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState] ?? "?"
                return .storage("PostgreSQL \(state): \(message)")
            }
            return .storage("PostgreSQL: \(error.code)")
        }
        return .storage("\(error)")
    }

    func appendEvents(_ conn: PostgresConnection, _ events: [EventDraft], now: Date) async throws {
        guard !events.isEmpty else { return }
        // The notification goes out at commit and wakes the servers tailing the log (`EventWakeups`).
        try await conn.query(
            "SELECT pg_advisory_xact_lock(\(PostgresLocks.eventLog)), pg_notify(\(PostgresLocks.eventChannel), '')",
            logger: logger)
        // One round trip for all of them; WITH ORDINALITY keeps their order, and so their ids.
        try await conn.query(
            """
            INSERT INTO events (type, subject, payload, created_at)
            SELECT e.type, e.subject, e.payload::jsonb, \(now)
            FROM unnest(\(events.map(\.type.rawValue))::text[], \(events.map(\.subject))::text[],
                \(events.map(\.payloadJSON))::text[]) WITH ORDINALITY AS e(type, subject, payload, n)
            ORDER BY e.n
            """, logger: logger)
    }

    func fetchProject(_ conn: PostgresConnection, _ ref: ProjectRef) async throws -> Project {
        let query: PostgresQuery =
            switch ref {
            case .key(let key): "SELECT * FROM projects WHERE key = \(key.rawValue)"
            case .id(let id): "SELECT * FROM projects WHERE id = \(id)"
            }
        guard let row = try await conn.query(query, logger: logger).collect().first else {
            throw TurboError.projectNotFound(ref.description)
        }
        return try PostgresRows.project(row)
    }

    /// One issue; with `lock`, its row stays locked until the transaction ends.
    func fetchIssue(_ conn: PostgresConnection, _ ref: IssueRef, lock: Bool = false) async throws -> Issue {
        let suffix = lock ? " FOR NO KEY UPDATE" : ""
        let query: PostgresQuery =
            switch ref {
            case .key(let key):
                "SELECT \(unescaped: PostgresRows.issueColumns) FROM issues WHERE key = \(key.description)\(unescaped: suffix)"
            case .id(let id):
                "SELECT \(unescaped: PostgresRows.issueColumns) FROM issues WHERE id = \(id)\(unescaped: suffix)"
            }
        guard let row = try await conn.query(query, logger: logger).collect().first else {
            throw TurboError.issueNotFound(ref.description)
        }
        return try PostgresRows.issue(row)
    }

    func insertDependency(_ conn: PostgresConnection, blocker: UUID, blocked: UUID, at date: Date) async throws {
        try await conn.query(
            """
            INSERT INTO dependencies (blocker_id, blocked_id, type, created_at)
            VALUES (\(blocker), \(blocked), 'blocks', \(date))
            """, logger: logger)
    }

    /// Fills `blockedBy` and `blocks` of each issue with one query over the edges touching them.
    func withDependencyKeys(_ conn: PostgresConnection, _ issues: [Issue]) async throws -> [Issue] {
        guard !issues.isEmpty else { return [] }
        let ids = Array(Set(issues.map(\.id)))
        var blockedBy: [UUID: [IssueKey]] = [:]
        var blocks: [UUID: [IssueKey]] = [:]
        for try await (blockerID, blockedID, blockerKey, blockedKey) in try await conn.query(
            """
            SELECT d.blocker_id, d.blocked_id, b.key, c.key FROM dependencies d
            JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
            WHERE d.blocker_id = ANY(\(ids)) OR d.blocked_id = ANY(\(ids))
            """, logger: logger
        ).decode((UUID, UUID, String, String).self) {
            blockedBy[blockedID, default: []].append(try PostgresRows.issueKey(blockerKey))
            blocks[blockerID, default: []].append(try PostgresRows.issueKey(blockedKey))
        }
        return issues.map { issue in
            var copy = issue
            copy.blockedBy = (blockedBy[issue.id] ?? []).sorted()
            copy.blocks = (blocks[issue.id] ?? []).sorted()
            return copy
        }
    }

    /// The WHERE clause of a filter, with its binds.
    func filterClause(_ conn: PostgresConnection, _ filter: IssueFilter) async throws -> SQLFragment {
        var fragment = SQLFragment()
        var clauses: [String] = []
        if let project = filter.project {
            clauses.append("project_id = \(fragment.bind(try await fetchProject(conn, project).id))")
        }
        if let statuses = filter.statuses, !statuses.isEmpty {
            clauses.append("status = ANY(\(fragment.bind(statuses.map(\.rawValue))))")
        }
        if let priority = filter.priority { clauses.append("priority = \(fragment.bind(priority.rawValue))") }
        if let type = filter.type { clauses.append("type = \(fragment.bind(type.rawValue))") }
        if let capability = filter.capability {
            clauses.append("\(fragment.bind(capability.lowercased())) = ANY(capabilities)")
        }
        if let assignee = filter.assignedTo { clauses.append("assigned_to = \(fragment.bind(assignee))") }
        fragment.sql = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        return fragment
    }
}

/// SQL text with numbered bind parameters, for queries whose shape depends on input.
struct SQLFragment {
    var sql = ""
    var binds = PostgresBindings()

    /// Appends a bind and returns its placeholder (`$1`, `$2`, …).
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    var postgresQuery: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

extension PostgresConnection {
    /// Whether the query returns at least one row.
    func exists(_ query: PostgresQuery, _ logger: Logger) async throws -> Bool {
        try await self.query(query, logger: logger).collect().first != nil
    }

    /// The first column of the first row, if any.
    func first<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type, _ logger: Logger) async throws
        -> T?
    {
        for try await value in try await self.query(query, logger: logger).decode(T.self) { return value }
        return nil
    }

    /// The database clock: the start time of the current transaction.
    func now(_ logger: Logger) async throws -> Date {
        try await first("SELECT now()", as: Date.self, logger) ?? Date()
    }
}
