/// A branch's changes against its base, file by file, as a reviewer reads them: read from git's `--numstat -z`
/// (paths and counts, unambiguous whatever the names hold) and its unified patch (hunks), both made with the same
/// options so that their files come in the same order.
public struct BranchDiff: Sendable, Hashable {
    /// The changed files, in git's order.
    public var files: [FileDiff]
    /// Whether lines were left out because the diff is larger than a page should show (``FileDiff/truncated``).
    public var truncated: Bool { files.contains(where: \.truncated) }

    /// Most lines kept per file and in all; past them a file keeps its counts and loses its hunks.
    public static let linesPerFile = 5_000
    /// Most lines kept over all files.
    public static let linesInAll = 20_000

    /// A diff of these files.
    public init(files: [FileDiff]) { self.files = files }

    /// Parses `git diff --numstat -z` output and the unified patch of the same diff.
    public init(numstat: String, patch: String) throws {
        let entries = try Self.numstat(numstat)
        let sections = Self.sections(patch)
        guard entries.count == sections.count else {
            throw TurboError.storage(
                "git's file list (\(entries.count) files) and its patch (\(sections.count)) disagree")
        }
        var budget = Self.linesInAll
        files = try zip(entries, sections).map { entry, section in
            var file = try FileDiff(entry: entry, section: section)
            let lines = file.hunks.reduce(0) { $0 + $1.lines.count }
            if lines > min(Self.linesPerFile, budget) {
                file.hunks = []
                file.truncated = true
            } else {
                budget -= lines
            }
            return file
        }
    }

    /// The file whose new or old path is `path`.
    public func file(_ path: String) -> FileDiff? {
        files.first { $0.path == path } ?? files.first { $0.oldPath == path }
    }

    /// One `--numstat -z` record: counts (nil for a binary file), the path, and the old path of a rename.
    struct NumstatEntry {
        var insertions: Int?
        var deletions: Int?
        var path: String
        var oldPath: String?
    }

    /// `added TAB deleted TAB path NUL`, or for a rename `added TAB deleted TAB NUL old NUL new NUL`.
    static func numstat(_ text: String) throws -> [NumstatEntry] {
        var fields = text.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)[...]
        if fields.last == "" { fields = fields.dropLast() }
        var entries: [NumstatEntry] = []
        while let head = fields.popFirst() {
            let parts = head.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else {
                throw TurboError.storage("unexpected git numstat record \(head.debugDescription)")
            }
            var entry = NumstatEntry(
                insertions: Int(parts[0]), deletions: Int(parts[1]), path: String(parts[2]), oldPath: nil)
            if entry.path.isEmpty {
                guard let old = fields.popFirst(), let new = fields.popFirst() else {
                    throw TurboError.storage("git numstat ended inside a rename")
                }
                entry.oldPath = old
                entry.path = new
            }
            entries.append(entry)
        }
        return entries
    }

    /// The patch cut at each `diff --git` line. Lines are split at each newline scalar (a `\r\n` is one Swift
    /// `Character`, so splitting by characters would leave a CRLF file's lines joined) and lose a trailing `\r`.
    static func sections(_ patch: String) -> [[Substring]] {
        var sections: [[Substring]] = []
        for scalars in patch.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(scalars)
            if line.unicodeScalars.last == "\r" { line = Substring(line.unicodeScalars.dropLast()) }
            if line.hasPrefix("diff --git ") {
                sections.append([line])
            } else if !sections.isEmpty {
                sections[sections.count - 1].append(line)
            }
        }
        return sections
    }
}

/// One changed file.
public struct FileDiff: Sendable, Hashable {
    /// What happened to the file.
    public enum Change: String, Sendable, Hashable {
        case added, deleted, modified, renamed
    }

    /// The file's path in the branch (in the base, for a deleted file).
    public var path: String
    /// The path before a rename.
    public var oldPath: String?
    /// Added, deleted, modified or renamed.
    public var change: Change
    /// A binary file has no lines, only the fact that it changed.
    public var binary: Bool
    /// Lines added.
    public var insertions: Int
    /// Lines removed.
    public var deletions: Int
    /// The changed regions, in file order.
    public var hunks: [DiffHunk]
    /// The file has more lines than the diff keeps; its counts stand, its hunks are left out.
    public var truncated: Bool

    /// A file's diff from its parts.
    public init(
        path: String, oldPath: String? = nil, change: Change, binary: Bool = false, insertions: Int, deletions: Int,
        hunks: [DiffHunk], truncated: Bool = false
    ) {
        self.path = path
        self.oldPath = oldPath
        self.change = change
        self.binary = binary
        self.insertions = insertions
        self.deletions = deletions
        self.hunks = hunks
        self.truncated = truncated
    }

    init(entry: BranchDiff.NumstatEntry, section: [Substring]) throws {
        var change: Change = entry.oldPath == nil ? .modified : .renamed
        var hunks: [DiffHunk] = []
        var lines = section.dropFirst()[...]
        while let line = lines.first, !line.hasPrefix("@@ ") {
            if line.hasPrefix("new file mode") { change = .added }
            if line.hasPrefix("deleted file mode") { change = .deleted }
            lines = lines.dropFirst()
        }
        var oldLine = 0
        var newLine = 0
        for line in lines {
            if line.hasPrefix("@@ ") {
                let hunk = try DiffHunk(header: line)
                hunks.append(hunk)
                oldLine = hunk.oldStart
                newLine = hunk.newStart
                continue
            }
            guard !hunks.isEmpty, let marker = line.first else { continue }
            let text = String(line.dropFirst())
            var added: DiffLine?
            switch marker {
            case " ":
                added = DiffLine(kind: .context, old: oldLine, new: newLine, text: text)
                oldLine += 1
                newLine += 1
            case "+":
                added = DiffLine(kind: .added, old: nil, new: newLine, text: text)
                newLine += 1
            case "-":
                added = DiffLine(kind: .deleted, old: oldLine, new: nil, text: text)
                oldLine += 1
            case "\\":
                // "\ No newline at end of file" belongs to the line before it.
                let last = hunks.count - 1
                if !hunks[last].lines.isEmpty { hunks[last].lines[hunks[last].lines.count - 1].noNewlineAtEnd = true }
            default:
                break
            }
            if let added { hunks[hunks.count - 1].lines.append(added) }
        }
        self.init(
            path: entry.path, oldPath: entry.oldPath, change: change, binary: entry.insertions == nil,
            insertions: entry.insertions ?? 0, deletions: entry.deletions ?? 0, hunks: hunks)
    }

    /// The line a comment points at: `line` on the new side, or on the old side for a removed line.
    public func line(_ number: Int, side: DiffLine.Side) -> DiffLine? {
        for hunk in hunks {
            for line in hunk.lines where (side == .new ? line.new : line.old) == number {
                if side == .new || line.kind == .deleted || line.kind == .context { return line }
            }
        }
        return nil
    }
}

/// A hunk: where it starts on each side, git's section heading (the enclosing function), and its lines.
public struct DiffHunk: Sendable, Hashable {
    /// The first line's number in the base.
    public var oldStart: Int
    /// How many base lines the hunk spans.
    public var oldCount: Int
    /// The first line's number in the branch.
    public var newStart: Int
    /// How many branch lines the hunk spans.
    public var newCount: Int
    /// The heading git found for it (the enclosing function), maybe empty.
    public var section: String
    /// Its lines, in order.
    public var lines: [DiffLine]

    /// A hunk from its parts.
    public init(oldStart: Int, oldCount: Int, newStart: Int, newCount: Int, section: String, lines: [DiffLine]) {
        self.oldStart = oldStart
        self.oldCount = oldCount
        self.newStart = newStart
        self.newCount = newCount
        self.section = section
        self.lines = lines
    }

    /// `@@ -12,5 +12,7 @@ func total()` (a count of 1 may be left out).
    init(header: Substring) throws {
        let parts = header.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
        func range(_ part: Substring, _ sign: Character) throws -> (Int, Int) {
            guard part.first == sign else { throw TurboError.storage("unexpected hunk header \(header)") }
            let numbers = part.dropFirst().split(separator: ",").map { Int($0) }
            guard let start = numbers.first ?? nil, numbers.count <= 2 else {
                throw TurboError.storage("unexpected hunk header \(header)")
            }
            return (start, numbers.count == 2 ? numbers[1] ?? 0 : 1)
        }
        guard parts.count >= 4, parts[0] == "@@", parts[3] == "@@" else {
            throw TurboError.storage("unexpected hunk header \(header)")
        }
        let (oldStart, oldCount) = try range(parts[1], "-")
        let (newStart, newCount) = try range(parts[2], "+")
        self.init(
            oldStart: oldStart, oldCount: oldCount, newStart: newStart, newCount: newCount,
            section: parts.count == 5 ? String(parts[4]) : "", lines: [])
    }
}

/// One line of a hunk with its numbers on each side (nil on the side it is not on).
public struct DiffLine: Sendable, Hashable {
    /// Unchanged, added in the branch, or removed from the base.
    public enum Kind: String, Sendable, Hashable {
        case context, added, deleted
    }

    /// Which version of the file a line number counts in.
    public enum Side: String, Sendable, Hashable, Codable {
        case new, old
    }

    /// Unchanged, added or removed.
    public var kind: Kind
    /// Its number in the base; nil for an added line.
    public var old: Int?
    /// Its number in the branch; nil for a removed line.
    public var new: Int?
    /// The line without its marker and newline.
    public var text: String
    /// The file ends with this line and no newline.
    public var noNewlineAtEnd = false

    /// A line from its parts.
    public init(kind: Kind, old: Int?, new: Int?, text: String) {
        self.kind = kind
        self.old = old
        self.new = new
        self.text = text
    }
}
