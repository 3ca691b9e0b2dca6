import Foundation
import Logging
import NIOCore
import PostgresNIO
import TurboCore
public import TurboSQL

/// The shared engine: PostgreSQL through postgres-nio, for several coordinators and machines.
///
/// Write transactions run on one pooled connection (`BEGIN` … `COMMIT`); rows a use case will change are locked
/// (``SQLDialect/lockRows``); events are appended last under an advisory lock so that they commit in id order, and a
/// `NOTIFY` at commit wakes the servers tailing the log; times come from the database clock.
public struct PostgresEngine: SQLEngine {
    let client: PostgresClient
    let logger: Logger

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// `BEGIN` … `COMMIT` on one pooled connection; `ROLLBACK` when the body or a statement fails.
    ///
    /// The transaction's events and the `COMMIT` are queued on the connection together (``PostgresTransaction/commit()``):
    /// the `COMMIT` goes out from the connection's event loop as soon as the events statement completes, without a
    /// hop back to the task, which shortens the time the event log's lock is held.
    public func write<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await Self.translating {
            try await client.withConnection { conn in
                try await conn.query("BEGIN", logger: logger)
                let transaction = PostgresTransaction(conn, logger: logger)
                do {
                    let result = try await body(transaction)
                    try await transaction.commit()
                    return result
                } catch {
                    // A failed COMMIT has ended the transaction already; ROLLBACK then only warns.
                    _ = try? await conn.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    /// A `REPEATABLE READ, READ ONLY` transaction: every statement sees the snapshot the first one took.
    public func snapshot<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await write { tx in
            try await tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try await body(tx)
        }
    }

    /// The statements on one pooled connection without a transaction, each seeing the latest commit.
    public func read<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await Self.translating {
            try await client.withConnection { conn in try await body(PostgresTransaction(conn, logger: logger)) }
        }
    }

    /// Unwraps transaction errors and maps database errors to ``TurboError``.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TurboError {
            throw error
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
}

/// Statements on one pooled connection: a transaction, or a run of reads.
final class PostgresTransaction: SQLTransaction {
    let dialect = SQLDialect.postgres
    private let connection: PostgresConnection
    private let logger: Logger
    private var clock: Date?
    private var pendingEvents: [EventDraft] = []

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func now() async throws -> Date {
        if let clock { return clock }
        // The start of the transaction: one instant for all of its writes.
        let now = try await rows("SELECT now() AS now").first?.date("now") ?? Date()
        clock = now
        return now
    }

    func rows(_ sql: SQL) async throws -> [any SQLRow] {
        try await connection.query(try Self.query(sql), logger: logger).collect().map {
            PostgresSQLRow(cells: $0.makeRandomAccess())
        }
    }

    func execute(_ sql: SQL) async throws {
        try await connection.query(try Self.query(sql), logger: logger)
    }

    func lock(_ lock: SQLLock) async throws {
        try await execute("SELECT pg_advisory_xact_lock(\(lock.rawValue))")
    }

    /// Keeps the events for ``writeEvents()``, which the engine runs as the transaction's last statement.
    func appendEvents(_ events: [EventDraft]) async throws {
        pendingEvents += events
    }

    /// Appends the transaction's events in one statement just before `COMMIT`: it takes the event log's advisory
    /// lock (so that events commit in id order) and queues the notification that wakes the servers tailing the log
    /// (`EventWakeups`), then inserts them in order (WITH ORDINALITY keeps their order, and so their ids). Every
    /// writing transaction waits for that lock, so it is held for two round trips, this statement and the commit,
    /// whatever the use case did before.
    func writeEvents() async throws {
        guard let statement = try await eventsStatement() else { return }
        try await execute(statement)
    }

    /// Ends the transaction: the pending events' statement and `COMMIT` are queued on the connection in that order
    /// before waiting for either. postgres-nio sends one statement at a time, so the `COMMIT` still follows the
    /// events' answer, but from the connection's event loop, without waiting for this task to resume. When the
    /// events' statement fails the server answers the `COMMIT` with a rollback.
    func commit() async throws {
        guard let statement = try await eventsStatement() else {
            try await connection.query("COMMIT", logger: logger)
            return
        }
        let events: EventLoopFuture<PostgresQueryResult> = connection.query(try Self.query(statement), logger: logger)
        let commit: EventLoopFuture<PostgresQueryResult> = connection.query("COMMIT", logger: logger)
        var failure: (any Error)?
        do { _ = try await events.get() } catch { failure = error }
        let committed = try await commit.get()
        if let failure { throw failure }
        // Belt and braces: a transaction the server rolled back answers `COMMIT` with the tag `ROLLBACK`.
        guard committed.metadata.command == "COMMIT" else {
            throw TurboError.storage("PostgreSQL rolled the transaction back at COMMIT")
        }
    }

    /// The statement that writes the pending events, if any; see ``writeEvents()``.
    private func eventsStatement() async throws -> SQL? {
        guard !pendingEvents.isEmpty else { return nil }
        let events = pendingEvents
        pendingEvents = []
        let now = try await now()
        // The lock's CTE is volatile, so it is evaluated once, before the first row (and its id) is produced.
        return
            """
            WITH locked AS (
                SELECT pg_advisory_xact_lock(\(SQLLock.eventLog.rawValue)), pg_notify(\(PostgresLocks.eventChannel), '')
            )
            INSERT INTO events (type, subject, payload, created_at)
            SELECT e.type, e.subject, e.payload::jsonb, \(now)
            FROM locked, unnest(\(events.map(\.type.rawValue))::text[], \(events.map(\.subject))::text[],
                \(events.map(\.payloadJSON))::text[]) WITH ORDINALITY AS e(type, subject, payload, n)
            ORDER BY e.n
            """
    }

    /// The statement with `$n` placeholders (JSON values cast to `jsonb`) and its binds.
    static func query(_ sql: SQL) throws -> PostgresQuery {
        let (text, values) = sql.render { index, value in
            if case .json = value { return "$\(index)::jsonb" }
            return "$\(index)"
        }
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: binds.appendNull()
            case .text(let text): binds.append(text)
            case .integer(let number): binds.append(number)
            case .real(let number): binds.append(number)
            case .boolean(let flag): binds.append(flag)
            case .date(let date): binds.append(date)
            case .uuid(let id): binds.append(id)
            case .texts(let list): binds.append(list)
            case .json(let text): binds.append(text)
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }
}

/// A postgres-nio row read through ``SQLRow``.
struct PostgresSQLRow: SQLRow {
    let cells: PostgresRandomAccessRow

    private func decode<T: PostgresDecodable>(_ column: String, as type: T?.Type) throws -> T?
    where T == T._DecodableType {
        guard cells.contains(column) else { throw TurboError.storage("no column \(column)") }
        do {
            return try cells[column].decode(T?.self)
        } catch {
            throw TurboError.storage("cannot read column \(column) as \(T.self): \(error)")
        }
    }

    func optionalString(_ column: String) throws -> String? { try decode(column, as: String?.self) }
    func optionalInt64(_ column: String) throws -> Int64? { try decode(column, as: Int64?.self) }
    func optionalDouble(_ column: String) throws -> Double? { try decode(column, as: Double?.self) }
    func optionalBool(_ column: String) throws -> Bool? { try decode(column, as: Bool?.self) }
    func optionalDate(_ column: String) throws -> Date? { try decode(column, as: Date?.self) }
    func optionalUUID(_ column: String) throws -> UUID? { try decode(column, as: UUID?.self) }
    func strings(_ column: String) throws -> [String] { try decode(column, as: [String]?.self) ?? [] }
    func json(_ column: String) throws -> String { try decode(column, as: String?.self) ?? "null" }
}
