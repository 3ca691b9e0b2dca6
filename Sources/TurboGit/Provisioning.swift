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

    public init(copy: [String] = [], setup: [String] = [], teardown: [String] = [], timeout: Duration = .seconds(600)) {
        self.copy = copy
        self.setup = setup
        self.teardown = teardown
        self.timeout = timeout
    }
}

/// The outcome of one provisioning command.
public struct CommandRun: Hashable, Sendable {
    public var command: String
    public var status: Int32?
    public var timedOut: Bool
    public var output: String

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
        try await withThrowingTaskGroup(of: CommandRun?.self) { group in
            group.addTask {
                var options = PlatformOptions()
                options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
                let result = try await Subprocess.run(
                    .name("sh"), arguments: ["-c", "cd \"$0\" && exec /bin/sh -c \"$1\"", directory, command],
                    platformOptions: options, output: .string(limit: 1 << 20), error: .combinedWithOutput)
                let status: Int32? =
                    switch result.terminationStatus {
                    case .exited(let code): code
                    case .signaled: nil
                    }
                return CommandRun(command: command, status: status, timedOut: false, output: result.standardOutput)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first ?? CommandRun(command: command, status: nil, timedOut: true, output: "")
        }
    }
}
