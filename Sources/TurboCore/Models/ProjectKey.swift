import Foundation

/// A project's short, immutable key such as `TURBO`: 2–10 characters, `^[A-Z][A-Z0-9]*$`.
///
/// Input is trimmed and upper-cased, so `turbo` becomes `TURBO`.
public struct ProjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The upper-case key.
    public let rawValue: String

    /// Validates and normalizes a user-typed key.
    public init(_ input: String) throws(TurboError) {
        let key = input.trimmingWhitespace().uppercased()
        guard key.count >= 2, key.count <= 10 else {
            throw .invalidProjectKey(input, reason: "a key has 2 to 10 characters")
        }
        guard let first = key.unicodeScalars.first, ProjectKey.letters.contains(first) else {
            throw .invalidProjectKey(input, reason: "a key starts with a letter A–Z")
        }
        guard key.unicodeScalars.allSatisfy({ ProjectKey.letters.contains($0) || ProjectKey.digits.contains($0) })
        else {
            throw .invalidProjectKey(input, reason: "a key holds only letters A–Z and digits 0–9")
        }
        self.rawValue = key
    }

    /// A key suggested from a name: initials of a multi-word name, otherwise its first six letters and digits.
    ///
    /// `"turbo code"` gives `TC`, `"my-app"` gives `MA`, `"turbocode"` gives `TURBOC`. Returns nil when nothing usable
    /// remains (a name without ASCII letters).
    public static func suggestion(from name: String) -> ProjectKey? {
        let words = name.split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) })
            .map { String($0).uppercased() }
        var candidate = ""
        if words.count >= 2 {
            candidate = String(words.compactMap(\.first))
        }
        if candidate.count < 2 || candidate.count > 10 {
            candidate = String(words.joined().prefix(6))
        }
        // Keys start with a letter: drop leading digits.
        candidate = String(candidate.drop(while: { $0.isNumber }))
        if candidate.count == 1 { candidate += "P" }
        return try? ProjectKey(candidate)
    }

    /// The key itself, `TURBO`.
    public var description: String { rawValue }

    /// Orders alphabetically by key.
    public static func < (lhs: ProjectKey, rhs: ProjectKey) -> Bool { lhs.rawValue < rhs.rawValue }

    private static let letters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
    private static let digits = Set("0123456789".unicodeScalars)
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
