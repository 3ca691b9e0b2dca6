import Foundation
import GRDB
import Synchronization
import TurboCore
public import TurboSQL

/// The embedded engine: one SQLite file in WAL mode through GRDB.
///
/// A write transaction spans several statements of an async use case (written once, over async primitives), so it
/// is opened with `BEGIN IMMEDIATE` and closed by `COMMIT` or `ROLLBACK` across GRDB accesses
/// (`Configuration.allowsUnsafeTransactions`). Within the process, a FIFO gate per database file lets one transaction
/// at a time use SQLite; inside it, every statement runs synchronously on the writer connection, so a transaction
/// never suspends while it holds the lock. Across processes `BEGIN IMMEDIATE` takes SQLite's write lock, and
/// `busy_timeout` makes other processes wait instead of failing. Reads go to the pool's reader connections and see
/// committed data.
public struct SQLiteEngine: SQLEngine {
    let writer: any DatabaseWriter
    private let gate: FIFOGate

    /// An engine on `writer`. Engines on the same file (`path`) in one process share one gate, so that their
    /// transactions queue in order instead of racing for SQLite's lock in its busy handler.
    init(writer: any DatabaseWriter, path: String?) {
        self.writer = writer
        self.gate =
            path.map { FIFOGate.shared(for: "sqlite:" + URL(fileURLWithPath: $0).standardizedFileURL.path) }
            ?? FIFOGate()
    }

    /// The configuration every connection uses.
    static func configuration() -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        config.allowsUnsafeTransactions = true
        return config
    }

    /// A `BEGIN IMMEDIATE` transaction on the writer connection, once the ones queued before it in this process end.
    public func write<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await serialized(begin: "BEGIN IMMEDIATE", mode: .write, body)
    }

    /// A deferred transaction on the writer connection: SQLite offers no way to hold a reader connection across
    /// asynchronous statements, so a snapshot waits its turn with the writes.
    public func snapshot<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        try await serialized(begin: "BEGIN DEFERRED", mode: .snapshot, body)
    }

    private func serialized<T: Sendable>(
        begin: String, mode: SQLiteTransaction.Mode, _ body: @Sendable (any SQLTransaction) async throws -> T
    ) async throws -> T {
        await gate.enter()
        do {
            let value = try await transaction(begin: begin, mode: mode, body)
            gate.leave()
            return value
        } catch {
            gate.leave()
            throw error
        }
    }

    private func transaction<T: Sendable>(
        begin: String, mode: SQLiteTransaction.Mode, _ body: @Sendable (any SQLTransaction) async throws -> T
    ) async throws -> T {
        // Synchronous too: the transaction then runs from BEGIN to COMMIT without suspending (SQLite's statements
        // here never suspend), so it never holds the lock while waiting to be scheduled — which under load made
        // other connections to the file time out. Only another process's transaction can make BEGIN wait.
        do {
            try SQLiteTransaction.onWriter(writer) { db in try db.execute(sql: begin) }
        } catch {
            throw Self.translate(error)
        }
        let transaction = SQLiteTransaction(writer: writer, mode: mode)
        do {
            let value = try await body(transaction)
            // Synchronous like the statements: the transaction holds the write lock, so COMMIT waits for nobody.
            try Self.commit(writer)
            return value
        } catch {
            Self.rollback(writer)
            throw Self.translate(error)
        }
    }

    /// Each statement on a reader connection; with a single connection (in memory), once the open transaction ends.
    public func read<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        if writer is DatabasePool {
            do {
                return try await body(SQLiteTransaction(writer: writer, mode: .read))
            } catch {
                throw Self.translate(error)
            }
        }
        // One connection (in memory): wait for the open transaction, whose changes it would otherwise see.
        await gate.enter()
        do {
            let value = try await body(SQLiteTransaction(writer: writer, mode: .read))
            gate.leave()
            return value
        } catch {
            gate.leave()
            throw Self.translate(error)
        }
    }

    private static func commit(_ writer: any DatabaseWriter) throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
    }

    /// Synchronous, so that a cancelled task still ends its transaction.
    private static func rollback(_ writer: any DatabaseWriter) {
        try? writer.writeWithoutTransaction { db in
            if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
        }
    }

    static func translate(_ error: any Error) -> any Error {
        if let error = error as? DatabaseError { return TurboError.storage(error.message ?? "\(error)") }
        return error
    }
}

/// Statements of one transaction on the writer connection, or of one run of reads on the readers.
final class SQLiteTransaction: SQLTransaction {
    /// Where the statements run and what they may do.
    enum Mode {
        /// A write transaction on the writer connection.
        case write
        /// A read-only transaction on the writer connection (`PRAGMA query_only` for each statement).
        case snapshot
        /// Reads on the pool's readers, each seeing the latest commit.
        case read
    }

    let dialect = SQLDialect.sqlite
    private let writer: any DatabaseWriter
    private let mode: Mode
    private var clock: Date?

    init(writer: any DatabaseWriter, mode: Mode) {
        self.writer = writer
        self.mode = mode
    }

    func now() async throws -> Date {
        if let clock { return clock }
        let now = Date.storageNow()
        clock = now
        return now
    }

    func rows(_ sql: TurboSQL.SQL) async throws -> [any SQLRow] {
        let (text, arguments, count) = Self.statement(sql)
        let cached = count <= Self.cachedArgumentLimit
        switch mode {
        case .write:
            return try Self.onWriter(writer) { db in try SQLiteRow.fetchAll(db, text, arguments, cached: cached) }
        case .snapshot:
            return try Self.onWriter(writer) { db in
                try db.readOnly { try SQLiteRow.fetchAll(db, text, arguments, cached: cached) }
            }
        case .read:
            return try Self.onReader(writer) { db in try SQLiteRow.fetchAll(db, text, arguments, cached: cached) }
        }
    }

    func execute(_ sql: TurboSQL.SQL) async throws {
        guard mode == .write else {
            throw TurboError.storage("a write statement in a read: \(sql.render { _, _ in "?" }.text)")
        }
        let (text, arguments, count) = Self.statement(sql)
        let cached = count <= Self.cachedArgumentLimit
        try Self.onWriter(writer) { db in
            let statement = cached ? try db.cachedStatement(sql: text) : try db.makeStatement(sql: text)
            try statement.execute(arguments: arguments)
        }
    }

    /// Runs a statement of the open transaction on the writer connection, synchronously: the transaction holds
    /// SQLite's write lock (or its read snapshot) already, so the statement never waits for another connection, and
    /// a synchronous call costs no suspension (measured: an asynchronous hop per statement cost a quarter of the
    /// creations per second).
    static func onWriter<T>(_ writer: any DatabaseWriter, _ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction(body)
    }

    /// Runs a read statement on one of the pool's reader connections, synchronously: a short statement costs less
    /// than the two thread hops of GRDB's asynchronous read (measured: they were most of a `GET /issues/{key}`). The
    /// calling thread waits only for a free reader, and readers are held by synchronous statements alone. No
    /// transaction is opened around it (GRDB's `unsafeRead`): a single statement reads one consistent state by
    /// itself, and the reads of a `read` use case are separate statements anyway.
    static func onReader<T>(_ reader: any DatabaseReader, _ body: (Database) throws -> T) throws -> T {
        try reader.unsafeRead(body)
    }

    func lock(_ lock: SQLLock) async throws {
        // Write transactions are serialized already.
    }

    func appendEvents(_ events: [EventDraft]) async throws {
        guard !events.isEmpty else { return }
        let now = try await now()
        let values = events.map { event -> TurboSQL.SQL in
            "(\(event.type.rawValue), \(event.subject), \(json: event.payloadJSON), \(now))"
        }
        try await execute(
            "INSERT INTO events (type, subject, payload, created_at) VALUES " + SQL.joined(values, separator: ", "))
    }

    /// Nothing to do: ``appendEvents(_:)`` writes at once (write transactions are serialized).
    func writeEvents() async throws {}

    /// Statements with at most this many arguments are prepared once per connection and kept: the fixed shapes of
    /// the use cases. More arguments mean an IN list or a multi-row VALUES whose text varies with its length.
    static let cachedArgumentLimit = 16

    /// The text with `?` placeholders, its arguments, and how many there are.
    static func statement(_ sql: TurboSQL.SQL) -> (String, StatementArguments, Int) {
        let (text, values) = sql.render { _, _ in "?" }
        return (text, StatementArguments(values.map(databaseValue)), values.count)
    }

    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .text(let text): text.databaseValue
        case .integer(let number): number.databaseValue
        case .real(let number): number.databaseValue
        case .boolean(let flag): (flag ? 1 : 0).databaseValue
        case .date(let date): date.storageValue
        case .uuid(let id): id.lowercasedString.databaseValue
        case .texts(let list): StringArray.encode(list).databaseValue
        case .json(let text): text.databaseValue
        }
    }
}

/// A row's values, copied out of GRDB's connection so that it can cross tasks, read through ``SQLRow``.
struct SQLiteRow: SQLRow, Sendable {
    /// The column names of one result, shared by its rows.
    final class Columns: Sendable {
        let names: [String]

        init(_ names: [String]) {
            self.names = names
        }

        /// The first column of that name: a scan, which for the handful of columns of a result costs less than
        /// hashing the name (thousands of lookups per queue).
        func index(of name: String) -> Int? { names.firstIndex(of: name) }
    }

    let columns: Columns
    let values: [DatabaseValue]

    /// Runs a statement and copies its rows.
    static func fetchAll(
        _ db: Database, _ sql: String, _ arguments: StatementArguments, cached: Bool
    ) throws -> [SQLiteRow] {
        // Statements of a fixed shape are prepared once per connection; long IN lists and multi-row VALUES (many
        // arguments) make one-off texts that GRDB's cache, unbounded, would keep.
        let statement = cached ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        let columns = Columns(statement.columnNames)
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        var rows: [SQLiteRow] = []
        while let row = try cursor.next() {
            rows.append(SQLiteRow(columns: columns, values: Array(row.databaseValues)))
        }
        return rows
    }

    private func value(_ column: String) throws -> DatabaseValue {
        guard let index = columns.index(of: column) else { throw TurboError.storage("no column \(column)") }
        return values[index]
    }

    func optionalString(_ column: String) throws -> String? {
        switch try value(column).storage {
        case .null: nil
        case .string(let text): text
        case .int64(let number): String(number)
        case .double(let number): String(number)
        case .blob(let data): String(decoding: data, as: UTF8.self)
        }
    }

    func optionalInt64(_ column: String) throws -> Int64? {
        switch try value(column).storage {
        case .null: return nil
        case .int64(let number): return number
        case .double(let number): return Int64(number)
        case .string(let text):
            guard let number = Int64(text) else { throw TurboError.storage("not a number in \(column): \(text)") }
            return number
        case .blob: throw TurboError.storage("not a number in \(column)")
        }
    }

    func optionalDouble(_ column: String) throws -> Double? {
        switch try value(column).storage {
        case .null: return nil
        case .int64(let number): return Double(number)
        case .double(let number): return number
        case .string(let text):
            guard let number = Double(text) else { throw TurboError.storage("not a number in \(column): \(text)") }
            return number
        case .blob: throw TurboError.storage("not a number in \(column)")
        }
    }

    func optionalBool(_ column: String) throws -> Bool? {
        try optionalInt64(column).map { $0 != 0 }
    }

    func optionalDate(_ column: String) throws -> Date? {
        let value = try value(column)
        if value.isNull { return nil }
        guard let date = Date.fromDatabaseValue(value) else { throw TurboError.storage("not a date in \(column)") }
        return date
    }

    func optionalUUID(_ column: String) throws -> UUID? {
        guard let text = try optionalString(column) else { return nil }
        guard let id = Self.uuid(text) ?? UUID(uuidString: text) else {
            throw TurboError.storage("malformed id '\(text)' in \(column)")
        }
        return id
    }

    /// The canonical lower-case form turboCode stores (`8-4-4-4-12` hex digits), parsed without Foundation's
    /// `sscanf`-based parser (ids are read by the thousand for a queue); nil for any other form.
    static func uuid(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { bytes -> UUID? in
            guard bytes.count == 36 else { return nil }
            var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let parsed = withUnsafeMutableBytes(of: &value) { output -> Bool in
                var index = 0
                var high: UInt8?
                for (position, byte) in bytes.enumerated() {
                    if position == 8 || position == 13 || position == 18 || position == 23 {
                        guard byte == UInt8(ascii: "-") else { return false }
                        continue
                    }
                    let nibble: UInt8
                    switch byte {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
                    case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
                    default: return false
                    }
                    if let first = high {
                        output[index] = first << 4 | nibble
                        index += 1
                        high = nil
                    } else {
                        high = nibble
                    }
                }
                return index == 16
            }
            return parsed ? UUID(uuid: value) : nil
        }
    }

    func strings(_ column: String) throws -> [String] {
        StringArray.decode(try optionalString(column) ?? "[]")
    }

    func json(_ column: String) throws -> String {
        try optionalString(column) ?? "null"
    }
}

extension Date {
    /// Now, at the millisecond precision SQLite stores: the value GRDB will read back, so that what a write returns
    /// equals what a later read returns.
    static func storageNow() -> Date {
        let now = Date()
        return Date.fromDatabaseValue(now.storageValue) ?? now
    }

    /// The date as GRDB stores it, `yyyy-MM-dd HH:mm:ss.SSS` in UTC rounded to the millisecond, written directly:
    /// GRDB's `DateFormatter` (ICU) cost a few percent of every write. Dates outside years 1970–9999 go through GRDB.
    var storageValue: DatabaseValue {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded()
        guard milliseconds >= 0, milliseconds < 253_402_300_800_000 else { return databaseValue }
        let total = Int(milliseconds)
        return CivilTime(secondsSince1970: total / 1000).text(separator: " ", milliseconds: total % 1000)
            .databaseValue
    }
}
