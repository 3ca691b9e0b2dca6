import Foundation
import Synchronization
import TurboCore

/// What a git command printed and how it ended.
public struct GitOutput: Sendable {
    /// The exit code.
    public var status: Int32
    /// Standard output, decoded as UTF-8.
    public var stdout: String
    /// Standard error, decoded as UTF-8.
    public var stderr: String
}

/// A git command that ended with an exit code it was not allowed to.
public struct GitCommandError: Error, CustomStringConvertible, Sendable {
    /// The arguments after `git` and the options the runner adds.
    public var arguments: [String]
    /// The exit code.
    public var status: Int32
    /// What git printed on standard error.
    public var stderr: String

    /// The command, its exit code and the first three lines of its standard error.
    public var description: String {
        let message = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return "git \(arguments.joined(separator: " ")) failed (exit \(status))"
            + (message.isEmpty ? "" : ": \(message.split(separator: "\n").prefix(3).joined(separator: " / "))")
    }
}

/// Runs git safely: argv arrays only, no terminal prompts, hooks disabled, a fixed locale, bounded output.
///
/// Callers put `--end-of-options` before revisions and paths; nothing here goes through a shell.
public struct GitRunner: Sendable {
    /// Accumulated wall time and count of git processes, for benchmarks that compare against git alone.
    public final class Statistics: Sendable {
        private let totals = Mutex<(count: Int, duration: Duration, commands: [[String]])>((0, .zero, []))

        /// Empty totals.
        public init() {}

        /// How many git processes ran and how long they took in total.
        public var snapshot: (count: Int, duration: Duration) { totals.withLock { ($0.count, $0.duration) } }

        /// The full argv of every git process, in the order they finished.
        public var commands: [[String]] { totals.withLock { $0.commands } }

        func record(_ duration: Duration, arguments: [String]) {
            totals.withLock {
                $0.count += 1
                $0.duration += duration
                $0.commands.append(["git"] + arguments)
            }
        }
    }

    /// The process environment with prompts, pagers and locale pinned down.
    static let environment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        // Variables that would point git at another repository or index (set when running inside a git hook).
        for key in [
            "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
            "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES", "GIT_PREFIX",
        ] {
            environment.removeValue(forKey: key)
        }
        for (key, value) in [
            "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
            "GIT_PAGER": "cat",
        ] {
            environment[key] = value
        }
        return environment
    }()

    /// Options placed before every subcommand: no hooks in agent-writable trees, paths printed verbatim.
    static let safetyOptions = [
        "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "core.quotePath=off", "-c",
        "color.ui=never",
    ]

    /// Where each git process's time is added up; nil to keep no count.
    public let statistics: Statistics?

    /// A runner that records into `statistics` when given.
    public init(statistics: Statistics? = nil) {
        self.statistics = statistics
    }

    /// Runs `git ARGUMENTS` in `directory`; throws ``GitCommandError`` for an exit code outside `allowedExitCodes`.
    @discardableResult
    public func run(_ arguments: [String], in directory: String, allowedExitCodes: Set<Int32> = [0]) async throws
        -> GitOutput
    {
        // Commands that change the repository's worktree list run one at a time per repository: `git worktree add`
        // reads every other worktree's administrative files and fails on one being written ("failed to read
        // .git/worktrees/<name>/commondir"), so concurrent adds and removes trip over each other.
        if arguments.first == "worktree", arguments.count > 1, Self.worktreeWrites.contains(arguments[1]) {
            return try await FIFOGate.shared(for: "git:" + URL(fileURLWithPath: directory).standardizedFileURL.path).run
            {
                try await spawn(arguments, in: directory, allowedExitCodes: allowedExitCodes)
            }
        }
        return try await spawn(arguments, in: directory, allowedExitCodes: allowedExitCodes)
    }

    /// The `git worktree` verbs that write `.git/worktrees/`.
    static let worktreeWrites: Set<String> = ["add", "remove", "prune", "move", "repair"]

    private func spawn(_ arguments: [String], in directory: String, allowedExitCodes: Set<Int32>) async throws
        -> GitOutput
    {
        let start = ContinuousClock.now
        let argv = ["git", "-C", directory] + Self.safetyOptions + arguments
        // Blocking spawn-and-read on a dispatch thread, not on the cooperative pool.
        let result = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { try Spawn.run(argv, environment: Self.environment, limit: 256 << 20) })
            }
        }
        statistics?.record(ContinuousClock.now - start, arguments: Array(argv.dropFirst()))
        let output = GitOutput(
            status: result.status, stdout: String(decoding: result.stdout, as: UTF8.self),
            stderr: String(decoding: result.stderr, as: UTF8.self))
        let status = result.status
        guard allowedExitCodes.contains(status) else {
            throw GitCommandError(arguments: arguments, status: status, stderr: output.stderr)
        }
        return output
    }
}

extension String {
    /// The fields of NUL-separated output, without the empty field after a trailing NUL.
    func nulSeparated() -> [String] {
        var fields = split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        if fields.last == "" { fields.removeLast() }
        return fields
    }
}
