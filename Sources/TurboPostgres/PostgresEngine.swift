import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization
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

    /// `BEGIN` … `COMMIT` on one pooled connection; `ROLLBACK` when the body or a statement fails. `BEGIN` goes out
    /// with the first statement (``PostgresTransaction/open()``).
    ///
    /// The transaction's events and the `COMMIT` are queued on the connection together
    /// (``PostgresTransaction/commit()``): the `COMMIT` goes out from the connection's event loop as soon as the
    /// events statement completes, without a hop back to the task, which shortens the time the event log's lock is
    /// held.
    public func write<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await transaction("BEGIN", body)
    }

    /// A transaction opened by `begin`.
    private func transaction<T: Sendable>(
        _ begin: String, _ body: @Sendable (any SQLTransaction) async throws -> T
    ) async throws -> T {
        try await Self.translating {
            try await Self.againIfReplanned {
                try await client.withConnection { conn in
                    let transaction = PostgresTransaction(conn, logger: logger, begin: begin)
                    do {
                        let result = try await body(transaction)
                        try await transaction.commit()
                        return result
                    } catch {
                        // A failed COMMIT has ended the transaction already; ROLLBACK then only warns.
                        if transaction.begun { _ = try? await conn.query("ROLLBACK", logger: logger) }
                        throw error
                    }
                }
            }
        }
    }

    /// A `REPEATABLE READ, READ ONLY` transaction: every statement sees the snapshot the first one took.
    public func snapshot<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await transaction("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", body)
    }

    /// The statements on one pooled connection without a transaction, each seeing the latest commit.
    public func read<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await Self.translating {
            try await Self.againIfReplanned {
                try await client.withConnection { conn in
                    try await body(PostgresTransaction(conn, logger: logger, begin: nil))
                }
            }
        }
    }

    /// Runs `attempt` once more when a prepared statement's result columns changed under it (another coordinator
    /// migrated the schema: PostgreSQL refuses to run the old plan, 0A000). The shape has a new name by then
    /// (``PreparedShape/retire(_:after:)``), and the failed transaction was rolled back, so the second attempt
    /// prepares it afresh.
    static func againIfReplanned<T>(_ attempt: () async throws -> T) async throws -> T {
        do {
            return try await attempt()
        } catch let error as PSQLError
            where error.serverInfo?[.sqlState] == "0A000"
            && error.serverInfo?[.message]?.contains("cached plan must not change result type") == true
        {
            return try await attempt()
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
    /// The answer to `SELECT now()`, sent with `BEGIN`.
    private var clockAnswer: EventLoopFuture<PostgresQueryResult>?
    private var pendingEvents: [EventDraft] = []
    /// The statement that opens the transaction, until it is sent with the first statement.
    private var opening: String?
    /// Whether the transaction was opened (it then ends with `COMMIT` or `ROLLBACK`).
    var begun: Bool { clockAnswer != nil }

    /// Statements on `connection`, in a transaction that `begin` opens with the first statement or, when `begin` is
    /// nil, each on its own.
    init(_ connection: PostgresConnection, logger: Logger, begin: String?) {
        self.connection = connection
        self.logger = logger
        self.opening = begin
    }

    /// Queues `BEGIN` and `SELECT now()` ahead of the transaction's first statement without waiting for either: the
    /// connection runs them in order, so the statement runs inside the transaction, and postgres-nio sends each
    /// after the previous one's answer from its event loop, without a hop back to this task in between. (A
    /// transaction that never asks the time pays for the clock's small statement; nearly all of them ask.) Returns
    /// `BEGIN`'s answer, which the caller checks once its statement is answered; nil once sent (or outside a
    /// transaction). `BEGIN` on a pooled connection fails only with the connection, which then fails the statement
    /// too.
    ///
    /// Only these two are queued without waiting: a statement's first preparation holds its execution back until
    /// the server has prepared it, so a query queued behind it without waiting would overtake it. Every other
    /// statement (``run(_:)``) is awaited before the next is sent.
    private func open() -> EventLoopFuture<PostgresQueryResult>? {
        guard let opening else { return nil }
        self.opening = nil
        let begin = connection.query(PostgresQuery(unsafeSQL: opening), logger: logger)
        clockAnswer = connection.query("SELECT now() AS now", logger: logger)
        return begin
    }

    func now() async throws -> Date {
        if let clock { return clock }
        if let begin = open() { _ = try await begin.get() }
        // The start of the transaction: one instant for all of its writes. Outside a transaction, the server's time.
        let now: Date
        if let clockAnswer {
            now = try await clockAnswer.get().rows.first?.decode(Date.self) ?? Date()
        } else {
            now = try await rows("SELECT now() AS now").first?.date("now") ?? Date()
        }
        clock = now
        return now
    }

    func rows(_ sql: SQL) async throws -> [any SQLRow] {
        let begin = open()
        let rows = try await run(sql)
        if let begin { _ = try await begin.get() }
        return rows
    }

    /// Runs one statement, prepared when it has a fixed shape (``PreparedShape``).
    private func run(_ sql: SQL) async throws -> [any SQLRow] {
        let (query, types) = try Self.query(sql)
        guard let shape = PreparedShape.named(query.sql, types) else {
            return try await connection.query(query, logger: logger).collect().map {
                PostgresSQLRow(cells: $0.makeRandomAccess())
            }
        }
        do {
            return try await PreparedShape.$current.withValue(shape) {
                var rows: [any SQLRow] = []
                for try await row in try await connection.execute(PreparedShape.Statement(query.binds), logger: logger)
                {
                    rows.append(PostgresSQLRow(cells: row.makeRandomAccess()))
                }
                return rows
            }
        } catch {
            PreparedShape.retire(shape, after: error)
            throw error
        }
    }

    func execute(_ sql: SQL) async throws {
        _ = try await rows(sql)
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
        // A transaction that ran no statement has nothing to commit.
        guard begun || !pendingEvents.isEmpty else { return }
        guard let statement = try await eventsStatement() else {
            try await connection.query("COMMIT", logger: logger)
            return
        }
        let events: EventLoopFuture<PostgresQueryResult> = connection.query(
            try Self.query(statement).query, logger: logger)
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

    /// The statement with `$n` placeholders (JSON values cast to `jsonb`) and its binds, with the binds' types (the
    /// types postgres-nio gives them: a NULL's type, 0, leaves it to the server).
    static func query(_ sql: SQL) throws -> (query: PostgresQuery, types: [PostgresDataType]) {
        let (text, values) = sql.render { index, value in
            if case .json = value { return "$\(index)::jsonb" }
            return "$\(index)"
        }
        var binds = PostgresBindings(capacity: values.count)
        var types: [PostgresDataType] = []
        types.reserveCapacity(values.count)
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
            types.append(Self.type(of: value))
        }
        return (PostgresQuery(unsafeSQL: text, binds: binds), types)
    }

    private static func type(of value: SQLValue) -> PostgresDataType {
        switch value {
        case .null: .null
        case .text, .json: String.psqlType
        case .integer: Int64.psqlType
        case .real: Double.psqlType
        case .boolean: Bool.psqlType
        case .date: Date.psqlType
        case .uuid: UUID.psqlType
        case .texts: [String].psqlType
        }
    }
}

/// Statements of a fixed shape prepared once per connection: PostgreSQL parses and plans them once and then only
/// binds and executes (a claim's statements spent most of the server's time in parse and plan). The policy is
/// SQLite's (``SQLiteEngine``'s statement cache): a statement with at most 16 binds has a fixed shape; more binds are
/// long `IN` lists and multi-row `VALUES` whose one-off texts would pile up in every connection.
///
/// postgres-nio 1.33 prepares a statement only through a ``PostgresPreparedStatement`` type whose name and text are
/// static members; ``Statement`` reads them from ``current``, a task-local set around the call (postgres-nio reads
/// them synchronously when the call starts). Each distinct text and bind types gets its own name, process-wide; each
/// connection prepares a name the first time it runs it (one more round trip) and keeps it while it lives.
struct PreparedShape: Sendable {
    let name: String
    let sql: String
    let types: [PostgresDataType]
    /// The text and the types: what makes two statements the same shape.
    private let key: String

    /// The most binds a prepared shape has.
    static let bindLimit = 16

    @TaskLocal static var current: PreparedShape?

    private static let names = Mutex<(byKey: [String: PreparedShape], made: Int)>(([:], 0))

    /// The shape of `sql` with binds of `types`, named on first sight; nil when it has too many binds.
    static func named(_ sql: String, _ types: [PostgresDataType]) -> PreparedShape? {
        guard types.count <= bindLimit else { return nil }
        var key = sql
        for type in types { key += "\u{0}\(type.rawValue)" }
        return names.withLock { names in
            if let known = names.byKey[key] { return known }
            names.made += 1
            let shape = PreparedShape(name: "turbo_\(names.made)", sql: sql, types: types, key: key)
            names.byKey[key] = shape
            return shape
        }
    }

    /// SQLSTATEs after which a name must not be used again: postgres-nio keeps a failed preparation's error for the
    /// name for the connection's life, and these can fail a preparation that would succeed later (a statement sent
    /// in a transaction that had failed, a cancelled statement, a lock not granted), or fail a prepared statement
    /// until it is prepared again (its result's columns changed under it: another coordinator's migration; the
    /// transaction then runs again, ``PostgresEngine/againIfReplanned(_:)``). The error does not say whether the
    /// preparation or the execution failed, so an execution failing so also renames the shape; the connections then
    /// prepare the new name, and the old one stays on the server until its connection closes. turboCode sets no
    /// statement or lock timeout and sends no statement after a failure in a transaction, so these are rare.
    private static let renamingStates: Set<String> = ["25P02", "57014", "55P03", "0A000"]

    /// After `error` from running `shape`: when the error is one of those, the shape's next use takes a new name.
    static func retire(_ shape: PreparedShape, after error: any Error) {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState],
            renamingStates.contains(state)
        else { return }
        names.withLock { names in
            if names.byKey[shape.key]?.name == shape.name { names.byKey[shape.key] = nil }
        }
    }

    /// The prepared statement postgres-nio runs, with the current shape's name, text and types.
    struct Statement: PostgresPreparedStatement {
        typealias Row = PostgresRow

        static var name: String { shape.name }
        static var sql: String { shape.sql }
        static var bindingDataTypes: [PostgresDataType] { shape.types }

        private static var shape: PreparedShape {
            guard let current = PreparedShape.current else {
                preconditionFailure("PreparedShape.Statement used outside PreparedShape.$current.withValue")
            }
            return current
        }

        let bindings: PostgresBindings

        init(_ bindings: PostgresBindings) { self.bindings = bindings }

        func makeBindings() throws -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
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
