import Foundation

/// JSON text for the short string lists (capabilities, paths) stored in a text column.
public enum StringArray {
    /// `["a","b"]`, written as ``JSONValue`` writes strings (no escaped slashes).
    public static func encode(_ values: [String]) -> String {
        guard !values.isEmpty else { return "[]" }
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.quote(value, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// The strings of a JSON array; `[]` (the common case) without parsing; anything else than an array of strings
    /// is no strings. Read on every issue row (capabilities and paths), so parsed by ``JSONValue``'s own parser
    /// rather than `JSONSerialization`.
    public static func decode(_ text: String) -> [String] {
        guard text != "[]", !text.isEmpty, case .array(let items)? = JSONText.parse(text) else { return [] }
        var strings: [String] = []
        strings.reserveCapacity(items.count)
        for item in items {
            guard case .string(let string) = item else { return [] }
            strings.append(string)
        }
        return strings
    }
}
