/// git's reference-name rules (`git check-ref-format`) and the slugs branch names are made from.
public enum RefName {
    /// Whether `name` is a valid branch name under `refs/heads/`: the rules of `git check-ref-format --branch`.
    public static func isValidBranch(_ name: String) -> Bool {
        guard !name.isEmpty, name != "@", !name.hasPrefix("-"), !name.hasPrefix("/"), !name.hasSuffix("/"),
            !name.hasSuffix("."), !name.contains(".."), !name.contains("@{"), !name.contains("//")
        else { return false }
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F { return false }
            if " ~^:?*[\\".unicodeScalars.contains(scalar) { return false }
        }
        for component in name.split(separator: "/") {
            if component.hasPrefix(".") || component.hasSuffix(".lock") { return false }
        }
        return true
    }

    /// A lower-case ASCII slug of a title: letters and digits, runs of anything else as one `-`, at most `limit`
    /// characters, never empty (`issue` when nothing is left).
    public static func slug(_ title: String, limit: Int = 50) -> String {
        var slug = ""
        var pendingDash = false
        for character in title.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber {
                if pendingDash, !slug.isEmpty { slug.append("-") }
                pendingDash = false
                slug.append(character)
            } else {
                pendingDash = true
            }
            if slug.count >= limit { break }
        }
        slug = String(slug.prefix(limit))
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "issue" : slug
    }
}
