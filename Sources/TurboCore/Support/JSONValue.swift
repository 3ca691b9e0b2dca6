import Foundation

/// A JSON document, for event payloads whose shape depends on the event type.
public enum JSONValue: Hashable, Sendable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Decodes any JSON value; every number becomes a `Double`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value as the plain JSON it holds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses JSON text; invalid text becomes `.string(text)` so a damaged row never hides the event.
    public init(jsonText: String) {
        self = JSONText.parse(jsonText) ?? .string(jsonText)
    }

    /// Compact JSON with keys sorted by their UTF-8 bytes, stable enough to compare and sign: the text `JSONEncoder`
    /// writes with `.sortedKeys` and `.withoutEscapingSlashes` (a non-finite number, which it refuses, is `null`),
    /// written directly, an order of magnitude faster.
    public var jsonString: String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value): out.append(contentsOf: JSONText.number(value).utf8)
        case .string(let value): JSONText.quote(value, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
                .enumerated()
            {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.quote(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The member `key`, when this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// `["key": value]` as an object; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// A string literal as `.string`.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral {
    /// An integer literal as `.number`.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// `true` or `false` as `.bool`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array literal as `.array`.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

/// JSON text for ``JSONValue``: a writer and a strict parser over UTF-8 bytes.
enum JSONText {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A number as `JSONEncoder` writes it: integers below 2^53 without a fraction, others in Swift's shortest form.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value.rounded(.towardZero) == value, abs(value) < 9_007_199_254_740_992 {
            return value == 0 && value.sign == .minus ? "-0" : String(Int64(value))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// A quoted string: `"` and `\` escaped, control characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`.
    static func quote(_ text: String, into out: inout [UInt8]) {
        let backslash = UInt8(ascii: "\\")
        let quote = UInt8(ascii: "\"")
        out.append(quote)
        var text = text
        // Runs of bytes that need no escape are copied whole; most strings are one run.
        text.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == quote || byte == backslash else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                start = index + 1
                switch byte {
                case quote, backslash: out += [backslash, byte]
                case 0x0A: out += [backslash, UInt8(ascii: "n")]
                case 0x0D: out += [backslash, UInt8(ascii: "r")]
                case 0x09: out += [backslash, UInt8(ascii: "t")]
                case 0x08: out += [backslash, UInt8(ascii: "b")]
                case 0x0C: out += [backslash, UInt8(ascii: "f")]
                default:
                    out += [backslash, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")]
                    out += [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        out.append(quote)
    }

    /// The value of `text`, which must be one JSON value (with surrounding white space); nil when it is not.
    static func parse(_ text: String) -> JSONValue? {
        var parser = Parser(bytes: Array(text.utf8))
        guard let value = try? parser.value() else { return nil }
        parser.skipSpace()
        return parser.index == parser.bytes.count ? value : nil
    }

    private struct Invalid: Error {}

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        private mutating func expect(_ byte: UInt8) throws {
            guard current == byte else { throw Invalid() }
            index += 1
        }

        private mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
            for byte in word.utf8 { try expect(byte) }
            return value
        }

        mutating func value() throws -> JSONValue {
            skipSpace()
            switch current {
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["): return .array(try array())
            case UInt8(ascii: "{"): return .object(try object())
            case nil: throw Invalid()
            default: return .number(try number())
            }
        }

        private mutating func array() throws -> [JSONValue] {
            index += 1
            var items: [JSONValue] = []
            skipSpace()
            if current == UInt8(ascii: "]") {
                index += 1
                return items
            }
            while true {
                items.append(try value())
                skipSpace()
                if current == UInt8(ascii: "]") {
                    index += 1
                    return items
                }
                try expect(UInt8(ascii: ","))
            }
        }

        private mutating func object() throws -> [String: JSONValue] {
            index += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if current == UInt8(ascii: "}") {
                index += 1
                return members
            }
            while true {
                skipSpace()
                guard current == UInt8(ascii: "\"") else { throw Invalid() }
                let key = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                members[key] = try value()
                skipSpace()
                if current == UInt8(ascii: "}") {
                    index += 1
                    return members
                }
                try expect(UInt8(ascii: ","))
            }
        }

        private mutating func number() throws -> Double {
            let start = index
            while let byte = current,
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                    || byte == UInt8(ascii: "E")
            {
                index += 1
            }
            let digits = bytes[start..<index]
            // JSON has no leading zeros ("01") and no leading "+"; Double's parser would take both.
            let unsigned = digits.first == UInt8(ascii: "-") ? digits.dropFirst() : digits
            if unsigned.first == UInt8(ascii: "+") { throw Invalid() }
            if unsigned.count > 1, unsigned.first == UInt8(ascii: "0"),
                let second = unsigned.dropFirst().first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(second)
            {
                throw Invalid()
            }
            guard let value = Double(String(decoding: digits, as: UTF8.self)), value.isFinite else { throw Invalid() }
            return value
        }

        private mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count,
                let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { throw Invalid() }
            index += 4
            return value
        }

        private mutating func string() throws -> String {
            index += 1
            var out: [UInt8] = []
            while let byte = current {
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case ..<0x20: throw Invalid()
                case UInt8(ascii: "\\"): try escape(into: &out)
                default: out.append(byte)
                }
            }
            throw Invalid()
        }

        private mutating func escape(into out: inout [UInt8]) throws {
            guard let byte = current else { throw Invalid() }
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), current == UInt8(ascii: "\\"), index + 1 < bytes.count,
                    bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw Invalid() }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw Invalid() }
                out.append(contentsOf: String(Character(scalar)).utf8)
            default: throw Invalid()
            }
        }
    }
}
