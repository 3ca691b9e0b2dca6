public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How long a run may take and how it is stopped.
public struct RunLimits: Sendable, Hashable {
    /// The whole run.
    public var wallClock: Duration
    /// Without a line of output.
    public var inactivity: Duration
    /// The wait between the steps of the stop ladder: SIGINT, then SIGTERM, then SIGKILL, each to the whole group.
    public var grace: Duration

    public init(wallClock: Duration, inactivity: Duration, grace: Duration = .seconds(5)) {
        self.wallClock = wallClock
        self.inactivity = inactivity
        self.grace = grace
    }
}

/// One agent process, supervised: started in its own process group in the worktree with stdin closed, stdout kept in
/// `stdout.log` and read line by line, stderr in `stderr.log`; stopped with SIGINT → SIGTERM → SIGKILL to the group;
/// whatever is left of the group is killed once the process has exited.
public final class AgentProcess: Sendable {
    public let pid: pid_t
    public let logDirectory: URL
    private let lines: AsyncStream<String>
    private let exits: AsyncStream<Int32>
    private let state = Shared()

    struct State {
        var stopReason: RunTermination?
        var lastActivity = ContinuousClock.now
        var exited = false
    }

    /// The state the reader, the waiter and the watchdog share.
    final class Shared: Sendable {
        private let mutex = Mutex(State())

        func withLock<T>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    /// Starts `plan` in `directory` with exactly `environment`; its files are written first.
    public init(plan: LaunchPlan, directory: URL, environment: [String: String], logDirectory: URL) throws {
        guard let program = plan.arguments.first, !program.isEmpty else {
            throw DriverError.invalid("nothing to run: the launch plan has no program")
        }
        let manager = FileManager.default
        try manager.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        for (url, data) in plan.files {
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        }
        self.logDirectory = logDirectory
        let stdoutLog = logDirectory.appendingPathComponent("stdout.log")
        let stderrLog = logDirectory.appendingPathComponent("stderr.log")
        _ = manager.createFile(atPath: stdoutLog.path, contents: nil)

        var pipe: [Int32] = [0, 0]
        // Close-on-exec: agents started at the same time must not inherit each other's pipe (no EOF otherwise).
        guard Native.pipeCloseOnExec(&pipe) == 0 else {
            throw DriverError.invalid("pipe: \(String(cString: strerror(errno)))")
        }
        #if canImport(Glibc)
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #else
            var actions: posix_spawn_file_actions_t?
            var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, stderrLog.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard Native.addChdir(&actions, directory.path) == 0 else {
            throw DriverError.invalid("cannot start an agent in \(directory.path)")
        }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (so the whole tree can be signalled), no blocked signals, default handlers.
        posix_spawnattr_setpgroup(&attributes, 0)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = plan.arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        // posix_spawnp looks the program up in the PATH of the caller; look it up in the agent's PATH instead.
        let executable = Self.resolve(program, path: environment["PATH"])
        var spawned: pid_t = 0
        let status = posix_spawn(&spawned, executable, &actions, &attributes, argv, envp)
        close(pipe[1])
        guard status == 0 else {
            close(pipe[0])
            throw DriverError.invalid("cannot start \(program): \(String(cString: strerror(status)))")
        }
        let child = spawned
        pid = child

        let (lines, lineContinuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let (exits, exitContinuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .unbounded)
        self.lines = lines
        self.exits = exits
        let readFD = pipe[0]
        let log = try FileHandle(forWritingTo: stdoutLog)
        let state = state
        // Blocking reads and waits on threads of their own, never on the cooperative pool.
        Thread.detachNewThread {
            var pending = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                let chunk = Data(buffer[0..<count])
                try? log.write(contentsOf: chunk)
                state.withLock { $0.lastActivity = .now }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    lineContinuation.yield(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { lineContinuation.yield(String(decoding: pending, as: UTF8.self)) }
            try? log.close()
            close(readFD)
            lineContinuation.finish()
        }
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            state.withLock { $0.exited = true }
            // Leftovers: children that stayed in the group after the agent exited.
            kill(-child, SIGKILL)
            exitContinuation.yield(status)
            exitContinuation.finish()
            // A grandchild that left the group may hold stdout open: stop waiting for its end after a while.
            sleep(2)
            lineContinuation.finish()
        }
    }

    /// Asks the run to stop (lease lost, shutdown); the first reason given is the one reported.
    public func stop(_ reason: String) {
        state.withLock { if $0.stopReason == nil { $0.stopReason = .stopped(reason) } }
    }

    /// Supervises the run to its end: feeds each stdout line to `parser`, hands every event to `onEvent`, enforces
    /// `limits` and stop requests with the signal ladder, and reports how it ended. Cancelling the calling task stops
    /// the agent the same way and still waits for it to be gone.
    public func supervise(
        parser: any AgentStreamParser, limits: RunLimits, whenCancelled: String = "the coordinator is shutting down",
        onEvent: @escaping @Sendable (AgentEvent) async -> Void
    ) async -> RunReport {
        let started = ContinuousClock.now
        let state = state
        let pid = pid
        let watchdog = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
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
        // Unstructured, so cancellation of the caller cannot cut the reading short while the process still runs.
        let (lines, exits, logDirectory) = (lines, exits, logDirectory)
        let consumer = Task {
            var parser = parser
            var report = RunReport(termination: .exited(0), logDirectory: logDirectory)
            for await line in lines {
                for event in parser.consume(line) {
                    report.add(event)
                    await onEvent(event)
                }
            }
            var status: Int32 = 0
            for await value in exits { status = value }
            let signal = status & 0x7f
            let natural: RunTermination = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
            report.termination = state.withLock { $0.stopReason } ?? natural
            return report
        }
        let report = await withTaskCancellationHandler {
            await consumer.value
        } onCancel: {
            self.stop(whenCancelled)
        }
        watchdog.cancel()
        return report
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

/// glibc functions Swift's Glibc module leaves out (they need _GNU_SOURCE), looked up once at run time.
enum Native {
    #if canImport(Glibc)
        typealias Actions = posix_spawn_file_actions_t
    #else
        typealias Actions = posix_spawn_file_actions_t?
    #endif
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<Actions>, UnsafePointer<CChar>) -> Int32
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    private static let addChdirFunction = symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
    private static let pipe2Function = symbol("pipe2", as: Pipe2.self)

    /// `posix_spawn_file_actions_addchdir_np`: the child starts in `path`.
    static func addChdir(_ actions: UnsafeMutablePointer<Actions>, _ path: String) -> Int32 {
        guard let addChdirFunction else { return ENOSYS }
        return addChdirFunction(actions, path)
    }

    /// A pipe whose both ends close on exec.
    static func pipeCloseOnExec(_ fds: UnsafeMutablePointer<Int32>) -> Int32 {
        if let pipe2Function { return pipe2Function(fds, O_CLOEXEC) }
        guard pipe(fds) == 0 else { return -1 }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return 0
    }
}
