import Foundation
import Subprocess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a new worktree is prepared and an old one cleaned up (`worktrees:` in `turbocode.yaml`).
public struct ProvisioningPlan: Hashable, Sendable {
    /// Globs relative to the repository root of files copied from the main checkout (e.g. `.env*`). `*` does not
    /// cross `/`; git-tracked files are already in the worktree and are not copied.
    public var copy: [String]
    /// Shell commands run in the new worktree, in order; the first failure stops provisioning.
    public var setup: [String]
    /// Shell commands run in the worktree before it is removed; failures are reported, not fatal.
    public var teardown: [String]
    /// The time each command may take.
    public var timeout: Duration

    /// An empty plan with a 10-minute timeout unless given.
    public init(copy: [String] = [], setup: [String] = [], teardown: [String] = [], timeout: Duration = .seconds(600)) {
        self.copy = copy
        self.setup = setup
        self.teardown = teardown
        self.timeout = timeout
    }
}

/// The outcome of one provisioning command.
public struct CommandRun: Hashable, Sendable {
    /// The shell command as written in the plan.
    public var command: String
    /// The exit code; nil when the command was killed by a signal or timed out.
    public var status: Int32?
    /// Whether it was stopped for taking longer than the plan's timeout.
    public var timedOut: Bool
    /// The last MiB of its standard output and standard error, interleaved.
    public var output: String

    /// Whether it exited with 0 in time.
    public var succeeded: Bool { status == 0 && !timedOut }
}

/// Copies files and runs the setup and teardown commands of a ``ProvisioningPlan``.
public enum Provisioner {
    /// Copies the plan's files from `source` into `destination`; returns the relative paths copied.
    public static func copyFiles(_ globs: [String], from source: String, to destination: String) throws -> [String] {
        guard !globs.isEmpty else { return [] }
        var copied: [String] = []
        let skipped: Set<String> = [".git", ".turbocode", ".build", "node_modules"]
        guard let walker = FileManager.default.enumerator(atPath: source) else { return [] }
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            var isDirectory: ObjCBool = false
            let full = (source as NSString).appendingPathComponent(relative)
            _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                if skipped.contains(name) { walker.skipDescendants() }
                continue
            }
            guard globs.contains(where: { fnmatch($0, relative, FNM_PATHNAME) == 0 }) else { continue }
            let target = (destination as NSString).appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: target) { continue }
            try FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: full, toPath: target)
            copied.append(relative)
        }
        return copied.sorted()
    }

    /// Runs shell commands in `directory` one after another, each within `timeout`, stopping at the first failure
    /// when `stopOnFailure`. Output (stdout and stderr together) is kept, up to 1 MiB per command.
    public static func run(
        _ commands: [String], in directory: String, timeout: Duration, stopOnFailure: Bool
    ) async throws -> [CommandRun] {
        var runs: [CommandRun] = []
        for command in commands {
            let run = try await runOne(command, in: directory, timeout: timeout)
            runs.append(run)
            if !run.succeeded && stopOnFailure { break }
        }
        return runs
    }

    static func runOne(_ command: String, in directory: String, timeout: Duration) async throws -> CommandRun {
        // Output goes to a file: no limit can kill the command, and what it printed survives a timeout.
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "turbocode-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: logFile) }
        let (status, timedOut) = try await withThrowingTaskGroup(of: (Int32?, Bool)?.self) { group in
            group.addTask {
                var options = PlatformOptions()
                // Its own session, so that stopping it stops what it started (npm, compilers…) too.
                options.createSession = true
                options.teardownSequence = [
                    .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2)),
                    .send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1)),
                ]
                let result = try await Subprocess.run(
                    .name("sh"),
                    arguments: [
                        "-c", "cd \"$0\" && exec /bin/sh -c \"$1\" > \"$2\" 2>&1", directory, command, logFile.path,
                    ],
                    platformOptions: options, output: .discarded, error: .discarded)
                switch result.terminationStatus {
                case .exited(let code): return (code, false)
                case .signaled: return (nil, false)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first ?? (nil, true)
        }
        return CommandRun(command: command, status: status, timedOut: timedOut, output: tail(of: logFile.path))
    }

    /// The last MiB of a file, as text.
    static func tail(of path: String, limit: Int = 1 << 20) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > UInt64(limit) ? size - UInt64(limit) : 0)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }
}
