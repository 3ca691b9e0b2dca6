import Foundation

/// JSON text for the short string lists (capabilities, paths) stored in a text column.
public enum StringArray {
    /// `["a","b"]`.
    public static func encode(_ values: [String]) -> String {
        guard !values.isEmpty else { return "[]" }
        guard let data = try? JSONSerialization.data(withJSONObject: values, options: [.withoutEscapingSlashes]) else {
            return "[]"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The strings of a JSON array; `[]` (the common case) without parsing.
    public static func decode(_ text: String) -> [String] {
        guard text != "[]", !text.isEmpty else { return [] }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] ?? []
    }
}
