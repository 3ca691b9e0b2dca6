public import Foundation

/// A real git repository in a temporary directory for a test: `git init` on `branch`, a fixed identity, a first
/// commit; removed (with everything beside it under ``base``) by ``remove()``. One fixture for every test target
/// instead of one written in each.
public struct ScratchRepository: Sendable {
    /// The temporary directory holding the repository and whatever a test puts beside it (worktrees, remotes).
    public let base: URL
    /// The repository's root.
    public let root: URL
    public var path: String { root.path }

    /// The identity every commit is made with (also usable as an environment for other processes).
    public static let identity = [
        "GIT_AUTHOR_NAME": "turboCode tests", "GIT_AUTHOR_EMAIL": "tests@turbocode.invalid",
        "GIT_COMMITTER_NAME": "turboCode tests", "GIT_COMMITTER_EMAIL": "tests@turbocode.invalid",
    ]

    /// A repository `name` under a fresh temporary directory whose name starts with `prefix`, on `branch`, with
    /// `files` (path → text) committed as `base` — or an empty first commit when there are none.
    public init(
        prefix: String = "turbo-test", name: String = "repo", branch: String = "main", files: [String: String] = [:]
    ) throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        root = base.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try git(["init", "-q", "-b", branch])
        for (file, text) in files.sorted(by: { $0.key < $1.key }) { try write(file, text) }
        if files.isEmpty {
            try git(["commit", "-q", "--allow-empty", "-m", "base"])
        } else {
            try commitAll("base")
        }
    }

    /// Runs git in the repository (or `directory`) with the fixed identity; its stdout. A failing git throws its
    /// stderr.
    @discardableResult
    public func git(_ arguments: [String], in directory: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory ?? root
        process.environment = ProcessInfo.processInfo.environment.merging(Self.identity) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both to the end before waiting, so a large output cannot fill a pipe and block git.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                "git \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): "
                    + String(decoding: problem, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes `text` to `file` (intermediate directories made) in the repository or `directory`.
    public func write(_ file: String, _ text: String, in directory: URL? = nil) throws {
        let url = (directory ?? root).appendingPathComponent(file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Stages everything and commits it (in the repository or `directory`, e.g. a worktree).
    public func commitAll(_ message: String, in directory: URL? = nil) throws {
        try git(["add", "-A"], in: directory)
        try git(["commit", "-q", "-m", message], in: directory)
    }

    /// The commit `revision` names.
    public func head(_ revision: String = "HEAD") throws -> String {
        try git(["rev-parse", "--verify", "--end-of-options", revision]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func remove() { try? FileManager.default.removeItem(at: base) }

    /// A git command that failed, with what it said.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
