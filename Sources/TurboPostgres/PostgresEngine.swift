import Foundation
import Logging
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

    /// `BEGIN` … `COMMIT` on one pooled connection.
    public func write<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await Self.translating {
            try await client.withTransaction(logger: logger) { conn in
                let transaction = PostgresTransaction(conn, logger: logger)
                let result = try await body(transaction)
                try await transaction.writeEvents()
                return result
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
        guard !pendingEvents.isEmpty else { return }
        let events = pendingEvents
        pendingEvents = []
        let now = try await now()
        // The lock's CTE is volatile, so it is evaluated once, before the first row (and its id) is produced.
        try await execute(
            """
            WITH locked AS (
                SELECT pg_advisory_xact_lock(\(SQLLock.eventLog.rawValue)), pg_notify(\(PostgresLocks.eventChannel), '')
            )
            INSERT INTO events (type, subject, payload, created_at)
            SELECT e.type, e.subject, e.payload::jsonb, \(now)
            FROM locked, unnest(\(events.map(\.type.rawValue))::text[], \(events.map(\.subject))::text[],
                \(events.map(\.payloadJSON))::text[]) WITH ORDINALITY AS e(type, subject, payload, n)
            ORDER BY e.n
            """)
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
