public import Foundation
public import TurboCore

/// One result row, read by column name. Each engine decodes its own column types into these Swift types; a missing
/// column or a NULL where a value is required is a ``TurboError/storage(_:)``.
public protocol SQLRow {
    func optionalString(_ column: String) throws -> String?
    func optionalInt64(_ column: String) throws -> Int64?
    func optionalDouble(_ column: String) throws -> Double?
    func optionalBool(_ column: String) throws -> Bool?
    func optionalDate(_ column: String) throws -> Date?
    func optionalUUID(_ column: String) throws -> UUID?
    /// A string list column (`text[]` on PostgreSQL, JSON text on SQLite).
    func strings(_ column: String) throws -> [String]
    /// A JSON column as compact text.
    func json(_ column: String) throws -> String
}

extension SQLRow {
    /// A non-NULL text column.
    public func string(_ column: String) throws -> String { try required(optionalString(column), column) }
    /// A non-NULL integer column as `Int`.
    public func int(_ column: String) throws -> Int { Int(try required(optionalInt64(column), column)) }
    /// An integer column as `Int`; nil when NULL.
    public func optionalInt(_ column: String) throws -> Int? { try optionalInt64(column).map { Int($0) } }
    /// A non-NULL integer column.
    public func int64(_ column: String) throws -> Int64 { try required(optionalInt64(column), column) }
    /// A non-NULL floating-point column.
    public func double(_ column: String) throws -> Double { try required(optionalDouble(column), column) }
    /// A non-NULL boolean column.
    public func bool(_ column: String) throws -> Bool { try required(optionalBool(column), column) }
    /// A non-NULL timestamp column.
    public func date(_ column: String) throws -> Date { try required(optionalDate(column), column) }
    /// A non-NULL UUID column.
    public func uuid(_ column: String) throws -> UUID { try required(optionalUUID(column), column) }

    /// An issue key column.
    public func issueKey(_ column: String) throws -> IssueKey { try SQLRows.issueKey(try string(column)) }

    private func required<T>(_ value: T?, _ column: String) throws -> T {
        guard let value else { throw TurboError.storage("unexpected NULL in column \(column)") }
        return value
    }
}
