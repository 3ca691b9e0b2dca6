public import Foundation
public import TurboCore

/// The SQL an engine spells its own way. Everything else in a statement is written once.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// Appended to a `SELECT` of rows the transaction will change: a row lock on PostgreSQL (concurrent writers of
    /// the same row wait); nothing on SQLite, whose write transactions are serialized (`BEGIN IMMEDIATE`).
    public var lockRows: String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR NO KEY UPDATE"
        }
    }

    /// A column in a condition that must not choose the index: SQLite, which keeps no statistics, prefers an index
    /// on a range condition over one that gives the `ORDER BY … LIMIT` order; a unary `+` keeps it off the index.
    public func unindexed(_ column: String) -> String {
        switch self {
        case .sqlite: "+\(column)"
        case .postgres: column
        }
    }

    /// Appended to a `SELECT` of the rows a claimer takes: on PostgreSQL concurrent claimers skip the rows another
    /// holds and take the next; nothing on SQLite (serialized writers).
    public var skipLocked: String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR NO KEY UPDATE SKIP LOCKED"
        }
    }

    /// The column that orders rows written at one instant in insertion order, the tie-break after a time column:
    /// SQLite's `rowid` (its clock has millisecond precision); on PostgreSQL `postgres` — the table's `seq`
    /// (`bigserial`) where it has one, else its id (its microsecond clock rarely ties).
    public func insertionOrder(_ table: String, postgres: String = "seq") -> String {
        switch self {
        case .sqlite: "\(table).rowid"
        case .postgres: "\(table).\(postgres)"
        }
    }

    /// `column` (a timestamp) as seconds since 1970, a floating-point number: cheaper to read in bulk than a date.
    public func epochSeconds(_ column: String) -> String {
        switch self {
        case .sqlite: "(julianday(\(column)) - 2440587.5) * 86400.0"
        case .postgres: "EXTRACT(EPOCH FROM \(column))::float8"
        }
    }

    /// A bound date as seconds since 1970, computed exactly as ``epochSeconds(_:)`` computes it from a column holding
    /// that date, so values written from either agree to the last bit.
    public func epochSeconds(of date: Date) -> SQL {
        switch self {
        case .sqlite: "((julianday(\(date)) - 2440587.5) * 86400.0)"
        case .postgres: "EXTRACT(EPOCH FROM CAST(\(date) AS timestamptz))::float8"
        }
    }

    /// Whether the string-list `column` has at least one element.
    public func listIsNotEmpty(_ column: String) -> String {
        switch self {
        case .sqlite: "\(column) <> '[]'"
        case .postgres: "cardinality(\(column)) > 0"
        }
    }

    /// The values of `expression` over a subquery's rows as a string list (the type of `capabilities`), empty for
    /// no row.
    public func listAggregate(_ expression: String) -> String {
        switch self {
        case .sqlite: "json_group_array(\(expression))"
        case .postgres: "coalesce(array_agg(\(expression)), '{}')"
        }
    }

    /// Whether the string-list `column` holds `value`.
    public func listContains(_ column: String, _ value: String) -> SQL {
        switch self {
        case .sqlite: "EXISTS (SELECT 1 FROM json_each(\(raw: column)) WHERE value = \(value))"
        case .postgres: "\(value) = ANY(\(raw: column))"
        }
    }
}

/// One unit of work on the database: a transaction (``SQLEngine/write(_:)``) or a run of reads
/// (``SQLEngine/read(_:)``). Used by one task at a time.
public protocol SQLTransaction: AnyObject {
    var dialect: SQLDialect { get }

    /// The transaction's clock: the same instant for every call in one transaction, at the precision the engine
    /// stores (the database's `now()` on PostgreSQL, so that several machines agree).
    func now() async throws -> Date

    /// The rows a statement returns.
    func rows(_ sql: SQL) async throws -> [any SQLRow]

    /// Runs a statement whose rows are not needed.
    func execute(_ sql: SQL) async throws

    /// Takes a lock held until the transaction ends, for invariants no row lock covers (PostgreSQL advisory locks;
    /// nothing on SQLite, where write transactions are serialized).
    func lock(_ lock: SQLLock) async throws

    /// Appends events to the log, in order, stamped with ``now()``; they become visible when the transaction
    /// commits, in id order. An engine may write them at the end of the transaction (PostgreSQL does, to hold the
    /// event log's lock for as short a time as it can).
    func appendEvents(_ events: [EventDraft]) async throws

    /// Writes the events appended so far now, for a use case that reads them back in the same transaction.
    func writeEvents() async throws
}

extension SQLTransaction {
    /// The first row, if any.
    public func row(_ sql: SQL) async throws -> (any SQLRow)? { try await rows(sql).first }

    /// Whether the statement returns a row.
    public func exists(_ sql: SQL) async throws -> Bool { try await row(sql) != nil }
}

/// The invariants guarded by a transaction-wide lock.
public enum SQLLock: Int64, Sendable {
    /// Held from the event insert to commit, so events commit in id order and readers that page by id miss none.
    case eventLog = 742_002
    /// Held while adding a dependency, so two concurrent additions cannot close a cycle together.
    case dependencyGraph = 742_003
    /// Held by a claim of an issue with declared paths, from reading the paths in flight to commit, so two
    /// concurrent claims cannot take issues whose paths overlap.
    case claimPaths = 742_004
}

/// A database engine: runs transactions and reads, and translates its errors into ``TurboError``.
public protocol SQLEngine: Sendable {
    /// Runs `body` in one write transaction: committed when it returns, rolled back when it throws.
    func write<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T

    /// Runs `body`'s reads in one read-only transaction: every statement sees the same committed state.
    func snapshot<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T

    /// Runs `body`'s reads; each statement sees the latest committed state.
    func read<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T
}

extension TurboError {
    /// Whether this is the engine's report of a violated unique index or constraint `name`. Only PostgreSQL reports
    /// these under concurrency (its transactions run side by side); SQLite's are serialized, so the checks made
    /// before each insert see every committed row.
    public func isUniqueViolation(_ name: String) -> Bool {
        if case .storage(let message) = self { return message.contains(name) }
        return false
    }
}
