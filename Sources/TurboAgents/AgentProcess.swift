public import Foundation
import Subprocess
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// How long a run may take and how it is stopped.
public struct RunLimits: Sendable, Hashable {
    /// The whole run.
    public var wallClock: Duration
    /// Without a line of output.
    public var inactivity: Duration
    /// The wait between the steps of the stop ladder: SIGINT, then SIGTERM, then SIGKILL, each to the whole group.
    public var grace: Duration

    /// Limits with the stop ladder's steps `grace` apart (five seconds unless given).
    public init(wallClock: Duration, inactivity: Duration, grace: Duration = .seconds(5)) {
        self.wallClock = wallClock
        self.inactivity = inactivity
        self.grace = grace
    }
}

/// One agent process, supervised, on swift-subprocess: started in its own process group in the worktree with stdin
/// on /dev/null, stdout kept in `stdout.log` and read line by line (split at "\n" only), stderr in `stderr.log`;
/// stopped with SIGINT → SIGTERM → SIGKILL to the group; whatever is left of the group is killed as soon as the
/// process has exited (seen by the watchdog within 100 ms).
public final class AgentProcess: Sendable {
    /// The process's id once ``supervise(parser:limits:whenCancelled:onEvent:)`` has started it, else 0.
    public var pid: Int32 { state.withLock { $0.pid } }
    /// The run's folder, where `stdout.log` and `stderr.log` are kept.
    public let logDirectory: URL
    private let configuration: Subprocess.Configuration
    private let state = Shared()

    struct State {
        var pid: Int32 = 0
        var stopReason: RunTermination?
        var lastActivity = ContinuousClock.now
        var exited = false
    }

    /// The state the reader, the watchdog and callers of ``stop(_:)`` share.
    final class Shared: Sendable {
        private let mutex = Mutex(State())

        func withLock<T>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    /// Prepares `plan` to run in `directory` with exactly `environment`: its files are written, its program looked up
    /// in the agent's `PATH` (a missing program is an error here, before anything runs).
    public init(plan: LaunchPlan, directory: URL, environment: [String: String], logDirectory: URL) throws {
        guard let program = plan.arguments.first, !program.isEmpty else {
            throw DriverError.invalid("nothing to run: the launch plan has no program")
        }
        let executable = Self.resolve(program, path: environment["PATH"])
        guard access(executable, X_OK) == 0 else {
            throw DriverError.invalid("cannot start \(program): \(String(cString: strerror(errno)))")
        }
        let manager = FileManager.default
        try manager.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        for (url, data) in plan.files {
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Self.writePrivately(data, to: url)
        }
        self.logDirectory = logDirectory
        // Its own process group, so that the whole tree can be signalled.
        var options = PlatformOptions()
        options.processGroupID = 0
        configuration = Subprocess.Configuration(
            executable: .path(FilePath(executable)),
            arguments: Arguments(executablePathOverride: program, remainingValues: Array(plan.arguments.dropFirst())),
            environment: .custom(
                Dictionary(
                    uniqueKeysWithValues: environment.compactMap { key, value in
                        Environment.Key(rawValue: key).map { ($0, value) }
                    })),
            workingDirectory: FilePath(directory.path), platformOptions: options)
    }

    /// Writes a run's file readable by its owner only (an MCP configuration holds the agent's token), replacing what
    /// was there — a symbolic link included, never followed (a worktree's `.cursor/` is the repository's to fill).
    /// Not synced to disk: the run reads it at once, and a crash ends the run anyway (Foundation's writes sync every
    /// file: about 3 % of the coordinator's CPU per issue, measured with instant agents).
    public static func writePrivately(_ data: Data, to url: URL) throws {
        func failure(_ code: Int32) -> DriverError {
            DriverError.invalid("cannot write \(url.path): \(String(cString: strerror(code)))")
        }
        let flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW
        var descriptor = open(url.path, flags, 0o600)
        if descriptor < 0, errno == ELOOP {
            // A symbolic link: replaced by the file, as a rename over it would.
            guard unlink(url.path) == 0 else { throw failure(errno) }
            descriptor = open(url.path, flags | O_EXCL, 0o600)
        }
        guard descriptor >= 0 else { throw failure(errno) }
        defer { close(descriptor) }
        // An existing file keeps its mode through O_TRUNC: make it private too.
        guard fchmod(descriptor, 0o600) == 0 else { throw failure(errno) }
        try data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, base + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw failure(written < 0 ? errno : EIO) }
                offset += written
            }
        }
    }

    /// Asks the run to stop (lease lost, shutdown); the first reason given is the one reported.
    public func stop(_ reason: String) {
        state.withLock { if $0.stopReason == nil { $0.stopReason = .stopped(reason) } }
    }

    /// Runs the process to its end: feeds each stdout line to `parser`, hands every event to `onEvent`, enforces
    /// `limits` and stop requests with the signal ladder, and reports how it ended. Cancelling the calling task stops
    /// the agent the same way and still waits for it to be gone.
    public func supervise(
        parser: any AgentStreamParser, limits: RunLimits, whenCancelled: String = "the coordinator is shutting down",
        onEvent: @escaping @Sendable (AgentEvent) async -> Void
    ) async -> RunReport {
        // Unstructured, so cancellation of the caller cannot cut the reading short while the process still runs.
        let run = Task { await self.run(parser: parser, limits: limits, onEvent: onEvent) }
        return await withTaskCancellationHandler {
            await run.value
        } onCancel: {
            self.stop(whenCancelled)
        }
    }

    private func run(
        parser: any AgentStreamParser, limits: RunLimits, onEvent: @escaping @Sendable (AgentEvent) async -> Void
    ) async -> RunReport {
        var report = RunReport(termination: .exited(0), logDirectory: logDirectory)
        let stdoutLog = logDirectory.appendingPathComponent("stdout.log")
        let stderrLog = logDirectory.appendingPathComponent("stderr.log")
        do {
            _ = FileManager.default.createFile(atPath: stdoutLog.path, contents: nil)
            let log = try FileHandle(forWritingTo: stdoutLog)
            defer { try? log.close() }
            let errors = try FileDescriptor.open(
                FilePath(stderrLog.path), .writeOnly, options: [.create, .append],
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
            let state = state
            let result = try await Subprocess.run(
                configuration, input: .none, output: .sequence,
                error: .fileDescriptor(errors, closeAfterSpawningProcess: true)
            ) { execution in
                let pid = execution.processIdentifier.value
                state.withLock { $0.pid = pid }
                // Ends once the process has exited (not with the stream: an agent may close its stdout and run on).
                Task.detached { await Self.watch(pid: pid, state: state, limits: limits) }
                var parser = parser
                var events = RunReport(termination: .exited(0), logDirectory: logDirectory)
                // Split at "\n" only: JSON streams may carry U+2028, U+0085 or a lone CR unescaped inside strings.
                let lines = execution.standardOutput.strings(
                    separatedBy: .unicodeScalarSequence(["\n"]), bufferingPolicy: .unbounded)
                for try await line in lines {
                    try? log.write(contentsOf: Data((line + "\n").utf8))
                    state.withLock { $0.lastActivity = .now }
                    for event in parser.consume(line) {
                        events.add(event)
                        await onEvent(event)
                    }
                }
                return events
            }
            let pid = result.processIdentifier.value
            state.withLock { $0.exited = true }
            // Leftovers: children that stayed in the group after the agent exited.
            kill(-pid, SIGKILL)
            report = result.closureResult
            let natural: RunTermination =
                switch result.terminationStatus {
                case .exited(let code): .exited(code)
                case .signaled(let signal): .signaled(signal)
                }
            report.termination = state.withLock { $0.stopReason } ?? natural
        } catch {
            // Could not be started (the program vanished since `init`), or its output could not be read.
            state.withLock { $0.exited = true }
            let pid = pid
            if pid > 0 { kill(-pid, SIGKILL) }
            if let handle = try? FileHandle(forWritingTo: stderrLog) {
                _ = try? handle.seekToEnd()
                try? handle.write(contentsOf: Data("turboCode: \(error)\n".utf8))
                try? handle.close()
            }
            report.termination = state.withLock { $0.stopReason } ?? .exited(127)
        }
        return report
    }

    /// Until the process has exited: enforces the limits and stop requests with the ladder SIGINT → SIGTERM →
    /// SIGKILL to the whole group, `limits.grace` apart.
    private static func watch(pid: Int32, state: Shared, limits: RunLimits) async {
        let started = ContinuousClock.now
        while true {
            try? await Task.sleep(for: .milliseconds(100))
            if Self.hasExited(pid) {
                // The agent is gone; whatever it left in its group (a watcher still writing to stdout) goes too, so
                // that the output ends and no limit is charged to a run that is over.
                state.withLock { $0.exited = true }
                kill(-pid, SIGKILL)
                return
            }
            let (exited, reason) = state.withLock { state -> (Bool, RunTermination?) in
                if state.stopReason == nil {
                    if ContinuousClock.now - started > limits.wallClock {
                        state.stopReason = .wallClock
                    } else if ContinuousClock.now - state.lastActivity > limits.inactivity {
                        state.stopReason = .inactive
                    }
                }
                return (state.exited, state.stopReason)
            }
            if exited { return }
            guard reason != nil else { continue }
            for signal in [SIGINT, SIGTERM, SIGKILL] {
                kill(-pid, signal)
                let deadline = ContinuousClock.now + limits.grace
                while ContinuousClock.now < deadline, !state.withLock({ $0.exited }) {
                    try? await Task.sleep(for: .milliseconds(50))
                }
                if state.withLock({ $0.exited }) { return }
            }
            return
        }
    }

    /// Whether `pid` has exited, without reaping it (swift-subprocess reaps it and reports its status). A child
    /// already reaped (ECHILD) is gone; an interrupted call is made again; any other failure is not taken for an exit,
    /// since the caller kills the process group of an exited agent.
    private static func hasExited(_ pid: Int32) -> Bool {
        var info = siginfo_t()
        while true {
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 {
                return info._sifields._sigchld.si_pid == pid
            }
            if errno == EINTR { continue }
            return errno == ECHILD
        }
    }

    /// `program` itself when it has a slash, else the first executable of that name on `path`.
    static func resolve(_ program: String, path: String?) -> String {
        guard !program.contains("/") else { return program }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return program
    }
}
