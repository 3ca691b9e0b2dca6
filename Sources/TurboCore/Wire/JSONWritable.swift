public import Foundation

/// A document that can write its JSON directly, the same document its `Encodable` conformance produces (keys in
/// another order, which JSON objects do not have): Foundation's `JSONEncoder` was most of the server time of an
/// issue list (issue 16).
public protocol JSONWritable {
    /// Appends the document's JSON to `out`; false (with `out` as it was) when this value cannot be written
    /// directly, and the caller encodes it instead.
    func writeJSON(to out: inout [UInt8]) -> Bool
}

/// Builds JSON text member by member.
public struct JSONWriter {
    /// The text so far.
    public private(set) var bytes: [UInt8] = []
    private var first = true

    /// An empty text.
    public init() {}

    /// Starts an object (`{`).
    public mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    /// Ends the object (`}`).
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    /// Writes `"name":` inside an object.
    public mutating func key(_ name: String) {
        separate()
        JSONText.quote(name, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        first = true
    }

    /// A string, or null.
    public mutating func string(_ value: String?) {
        separate()
        if let value { JSONText.quote(value, into: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
    }

    /// A whole number, or null.
    public mutating func integer(_ value: Int?) {
        separate()
        bytes.append(contentsOf: (value.map(String.init) ?? "null").utf8)
    }

    /// A date as `JSONEncoder`'s `.iso8601` strategy writes it (whole seconds, UTC), or null.
    public mutating func date(_ value: Date?) {
        string(value.map(JSONText.iso8601))
    }

    /// An array of strings.
    public mutating func strings(_ values: [String]) {
        separate()
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONText.quote(value, into: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A document that writes itself; false when it cannot.
    public mutating func value(_ document: some JSONWritable) -> Bool {
        separate()
        return document.writeJSON(to: &bytes)
    }

    private mutating func separate() {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
    }
}

extension JSONText {
    /// `yyyy-MM-ddTHH:mm:ssZ` in UTC, the fraction dropped (rounded down), as `ISO8601DateFormatter` writes it.
    static func iso8601(_ date: Date) -> String {
        let seconds = (date.timeIntervalSince1970).rounded(.down)
        guard seconds >= 0, seconds < 253_402_300_800 else {
            return ISO8601DateFormatter().string(from: date)
        }
        return CivilTime(secondsSince1970: Int(seconds)).text(separator: "T", suffix: "Z")
    }
}

/// A moment since 1970 as a UTC calendar date and time of day (proleptic Gregorian), for writing dates without
/// a `DateFormatter`.
public struct CivilTime: Sendable {
    /// The year, month (1–12) and day (1–31).
    public var year, month, day: Int
    /// The time of day.
    public var hour, minute, second: Int

    /// The date and time of `secondsSince1970` (at least 0), by Howard Hinnant's `civil_from_days`.
    public init(secondsSince1970: Int) {
        let daySeconds = secondsSince1970 % 86_400
        let days = secondsSince1970 / 86_400 + 719_468
        let era = days / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        hour = daySeconds / 3600
        minute = daySeconds / 60 % 60
        second = daySeconds % 60
    }

    /// `yyyy-MM-dd<separator>HH:mm:ss`, then `.SSS` with `milliseconds`, then `suffix`.
    public func text(separator: Character, milliseconds: Int? = nil, suffix: String = "") -> String {
        var text: [UInt8] = []
        text.reserveCapacity(24)
        Self.digits(year, 4, into: &text)
        text.append(UInt8(ascii: "-"))
        Self.digits(month, 2, into: &text)
        text.append(UInt8(ascii: "-"))
        Self.digits(day, 2, into: &text)
        text += String(separator).utf8
        Self.digits(hour, 2, into: &text)
        text.append(UInt8(ascii: ":"))
        Self.digits(minute, 2, into: &text)
        text.append(UInt8(ascii: ":"))
        Self.digits(second, 2, into: &text)
        if let milliseconds {
            text.append(UInt8(ascii: "."))
            Self.digits(milliseconds, 3, into: &text)
        }
        text += suffix.utf8
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends `value` as exactly `count` decimal digits (zero-padded).
    public static func digits(_ value: Int, _ count: Int, into text: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}

extension IssueDocument: JSONWritable {
    /// The issue's fields as ``encode(to:)`` writes them; false when comments or a lease are attached.
    public func writeJSON(to out: inout [UInt8]) -> Bool {
        guard comments == nil, lease == nil else { return false }
        var json = JSONWriter()
        json.beginObject()
        json.key("id")
        json.string(issue.id.lowercasedString)
        json.key("key")
        json.string(issue.key.description)
        json.key("number")
        json.integer(issue.number)
        json.key("project")
        json.string(issue.key.project.rawValue)
        json.key("title")
        json.string(issue.title)
        json.key("description")
        json.string(issue.description)
        json.key("type")
        json.string(issue.type.rawValue)
        json.key("status")
        json.string(issue.status.rawValue)
        json.key("priority")
        json.string(issue.priority.rawValue)
        json.key("capabilities")
        json.strings(issue.capabilities)
        json.key("paths")
        json.strings(issue.paths)
        json.key("blocked_by")
        json.strings(issue.blockedBy.map(\.description))
        json.key("blocks")
        json.strings(issue.blocks.map(\.description))
        json.key("assigned_to")
        json.string(issue.assignedTo)
        json.key("work_rank")
        json.integer(issue.workRank)
        json.key("created_by")
        json.string(issue.createdBy)
        json.key("closed_reason")
        json.string(issue.closedReason?.rawValue)
        json.key("created_at")
        json.date(issue.createdAt)
        json.key("updated_at")
        json.date(issue.updatedAt)
        json.key("closed_at")
        json.date(issue.closedAt)
        json.endObject()
        out += json.bytes
        return true
    }
}

extension Array: JSONWritable where Element: JSONWritable {
    /// Each element in turn; false when one of them cannot be written directly.
    public func writeJSON(to out: inout [UInt8]) -> Bool {
        let start = out.count
        out.append(UInt8(ascii: "["))
        for (index, element) in enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard element.writeJSON(to: &out) else {
                out.removeSubrange(start...)
                return false
            }
        }
        out.append(UInt8(ascii: "]"))
        return true
    }
}
