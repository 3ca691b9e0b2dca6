public import Foundation
import TurboCore

/// A value bound to a statement's parameter. Each engine encodes it in its own column types (a UUID is `uuid` on
/// PostgreSQL and lower-case text on SQLite; a string list is `text[]` or JSON text).
public enum SQLValue: Sendable, Hashable {
    case null
    case text(String)
    case integer(Int64)
    case real(Double)
    case boolean(Bool)
    case date(Date)
    case uuid(UUID)
    /// A short list of strings (capabilities, paths, event types).
    case texts([String])
    /// JSON text (`jsonb` on PostgreSQL, text on SQLite).
    case json(String)
}

/// A Swift value that binds as an ``SQLValue``.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .boolean(self) } }
extension Date: SQLBindable { public var sqlValue: SQLValue { .date(self) } }
extension UUID: SQLBindable { public var sqlValue: SQLValue { .uuid(self) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Array: SQLBindable where Element == String { public var sqlValue: SQLValue { .texts(self) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    /// The wrapped value's ``SQLValue``, or `.null` when nil.
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// SQL text with its bound values, written once for both engines: `"… WHERE id = \(issue.id)"` binds the value, and
/// each engine renders its own placeholders (`?` or `$1`).
///
/// `\(raw:)` splices trusted text (column lists, a dialect's clause), `\(fragment)` another ``SQL``, `\(list:)` a
/// parenthesised list of binds for `IN`.
public struct SQL: Sendable, ExpressibleByStringInterpolation {
    /// A piece of statement text or a bound value.
    public enum Part: Sendable {
        case text(String)
        case value(SQLValue)
    }

    /// The text and bound values in statement order.
    public private(set) var parts: [Part]

    /// Text with no bound values.
    public init(stringLiteral value: String) { parts = [.text(value)] }

    /// The literal text with each interpolated value bound.
    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    /// Trusted text, not bound.
    public init(raw text: String) { parts = [.text(text)] }

    /// Appends another fragment.
    public mutating func append(_ other: SQL) { parts += other.parts }

    /// `lhs` followed by `rhs`, with the binds of both.
    public static func + (lhs: SQL, rhs: SQL) -> SQL {
        var joined = lhs
        joined.append(rhs)
        return joined
    }

    /// The fragments joined by `separator` (trusted text).
    public static func joined(_ fragments: [SQL], separator: String) -> SQL {
        var result = SQL(raw: "")
        for (index, fragment) in fragments.enumerated() {
            if index > 0 { result.parts.append(.text(separator)) }
            result.append(fragment)
        }
        return result
    }

    /// The text with each bound value replaced by `placeholder(n)` (1-based), and the values in order.
    public func render(placeholder: (_ index: Int, _ value: SQLValue) -> String) -> (text: String, values: [SQLValue]) {
        var text = ""
        var values: [SQLValue] = []
        for part in parts {
            switch part {
            case .text(let piece): text += piece
            case .value(let value):
                values.append(value)
                text += placeholder(values.count, value)
            }
        }
        return (text, values)
    }

    /// Collects the parts of an ``SQL`` literal: literal text as text, each interpolation by the overloads below.
    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        /// Starts with no parts; the capacity hints are ignored.
        public init(literalCapacity: Int, interpolationCount: Int) {}

        /// Literal text, as written in the source.
        public mutating func appendLiteral(_ literal: String) { parts.append(.text(literal)) }

        /// A bound value.
        public mutating func appendInterpolation(_ value: some SQLBindable) { parts.append(.value(value.sqlValue)) }

        /// A bound value or NULL.
        public mutating func appendInterpolation<Value: SQLBindable>(_ value: Value?) {
            parts.append(.value(value?.sqlValue ?? .null))
        }

        /// Trusted text spliced as it is.
        public mutating func appendInterpolation(raw text: String) { parts.append(.text(text)) }

        /// Another fragment.
        public mutating func appendInterpolation(_ fragment: SQL) { parts += fragment.parts }

        /// `(?, ?, ?)` for an `IN` list; `(NULL)` when empty, which matches nothing.
        public mutating func appendInterpolation(list values: [some SQLBindable]) {
            guard !values.isEmpty else {
                parts.append(.text("(NULL)"))
                return
            }
            parts.append(.text("("))
            for (index, value) in values.enumerated() {
                if index > 0 { parts.append(.text(", ")) }
                parts.append(.value(value.sqlValue))
            }
            parts.append(.text(")"))
        }

        /// JSON text bound as JSON.
        public mutating func appendInterpolation(json text: String) { parts.append(.value(.json(text))) }
    }
}
