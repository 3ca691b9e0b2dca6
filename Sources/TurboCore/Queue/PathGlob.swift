/// Conservative overlap of path globs such as `Sources/TurboCore/**` and `Sources/*/Models`.
///
/// Two globs overlap when some path could match both. A glob also covers everything below it (`Sources` covers
/// `Sources/a.swift`). The check errs on the side of "overlaps": a false positive delays an issue, a false negative
/// lets two agents edit the same files.
public enum PathGlob {
    /// A glob split into its segments once, for checking against many others.
    public struct Pattern: Sendable {
        /// The glob as declared.
        public let text: String
        let segments: [Substring]

        /// `glob`, split.
        public init(_ glob: String) {
            text = glob
            segments = PathGlob.segments(glob)
        }
    }

    /// Whether any path could match both globs.
    public static func overlaps(_ lhs: String, _ rhs: String) -> Bool { overlaps(Pattern(lhs), Pattern(rhs)) }

    /// Whether any path could match both split globs.
    public static func overlaps(_ lhs: Pattern, _ rhs: Pattern) -> Bool {
        let left = lhs.segments
        let right = rhs.segments
        for index in 0..<min(left.count, right.count) {
            let (a, b) = (left[index], right[index])
            if a == "**" || b == "**" { return true }
            if !segmentsOverlap(a, b) { return false }
        }
        // One glob is a prefix of the other (or they are equal): the shorter one covers the longer one's tree.
        return true
    }

    /// Whether any declared glob of one list overlaps any of the other.
    public static func anyOverlap(_ lhs: [String], _ rhs: [String]) -> (String, String)? {
        anyOverlap(lhs.map(Pattern.init), rhs.map(Pattern.init))
    }

    /// Whether any split glob of one list overlaps any of the other.
    public static func anyOverlap(_ lhs: [Pattern], _ rhs: [Pattern]) -> (String, String)? {
        for a in lhs {
            for b in rhs where overlaps(a, b) { return (a.text, b.text) }
        }
        return nil
    }

    private static func segments(_ glob: String) -> [Substring] {
        glob.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    }

    private static let wildcards: Set<Character> = ["*", "?", "["]

    private static func segmentsOverlap(_ a: Substring, _ b: Substring) -> Bool {
        let aWild = a.contains(where: wildcards.contains)
        let bWild = b.contains(where: wildcards.contains)
        if !aWild && !bWild { return a == b }
        // Compare the literal text before the first and after the last wildcard of each side.
        let aPrefix = a.prefix(while: { !wildcards.contains($0) })
        let bPrefix = b.prefix(while: { !wildcards.contains($0) })
        let aSuffix =
            aWild ? Substring(a.reversed().prefix(while: { !wildcards.contains($0) && $0 != "]" }).reversed()) : a
        let bSuffix =
            bWild ? Substring(b.reversed().prefix(while: { !wildcards.contains($0) && $0 != "]" }).reversed()) : b
        let prefixesAgree = aPrefix.hasPrefix(bPrefix) || bPrefix.hasPrefix(aPrefix)
        let suffixesAgree = aSuffix.hasSuffix(bSuffix) || bSuffix.hasSuffix(aSuffix)
        return prefixesAgree && suffixesAgree
    }
}
