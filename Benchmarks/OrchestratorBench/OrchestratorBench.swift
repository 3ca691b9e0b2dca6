import BenchSupport
import Foundation
import Logging
import TurboAgents
import TurboApp
import TurboCore
import TurboGit
import TurboSQL
import TurboSQLite
import TurboServices

#if canImport(Glibc)
    import Glibc
#endif

/// Orchestrator benchmark: N ready issues through M instant agents (`command` driver, one commit each, submitted on
/// exit), with the scheduler, leases, worktrees and supervision of `turbocode up`. Prints issues per second, the
/// coordinator's CPU time and peak memory, and its CPU per issue next to the git commands it ran. Asserts nothing.
///
///     swift run -c release turbocode-orchestrator-bench [--issues 1000] [--agents 50]
@main
struct OrchestratorBench {
    static func main() async {
        do {
            var issues = 1_000
            var agents = 50
            var iterator = CommandLine.arguments.dropFirst().makeIterator()
            while let argument = iterator.next() {
                guard let value = iterator.next().flatMap(Int.init), value > 0 else {
                    throw TurboError.invalidInput("\(argument) needs a positive whole number")
                }
                switch argument {
                case "--issues": issues = value
                case "--agents": agents = value
                default: throw TurboError.invalidInput("unknown option \(argument)")
                }
            }
            try await benchmark(issues: issues, agents: agents)
        } catch {
            FileHandle.standardError.write(Data("turbocode-orchestrator-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func shell(_ command: String, in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TurboError.invalidInput("failed: \(command)") }
    }

    /// User and system CPU seconds of this process.
    static func cpu() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func peakMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Samples what the process holds every 100 ms and keeps the peaks: resident memory split into anonymous pages
    /// (heap, stacks) and file-backed pages (the binary's code, shared libraries), and the bytes malloc has handed out
    /// and not yet been given back — the memory the coordinator needs, without what the allocator keeps in reserve.
    final class MemorySampler: @unchecked Sendable {
        private let lock = NSLock()
        private var anonymous = 0
        private var fileBacked = 0
        private var heapInUse = 0
        private var ownCPU = 0.0

        /// The CPU seconds the samples themselves took (reading `/proc` and `malloc_info`'s XML): the benchmark's
        /// instrument, left out of the coordinator's CPU.
        var cpuSeconds: Double { lock.withLock { ownCPU } }

        func sample() {
            let began = Self.threadCPU()
            defer {
                let spent = Self.threadCPU() - began
                lock.withLock { ownCPU += spent }
            }
            var anonymous = 0
            var fileBacked = 0
            if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
                for line in status.split(separator: "\n") {
                    let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                    guard fields.count >= 2, let kilobytes = Int(fields[1]) else { continue }
                    if fields[0] == "RssAnon:" { anonymous = kilobytes * 1024 }
                    if fields[0] == "RssFile:" { fileBacked = kilobytes * 1024 }
                }
            }
            let heap = Self.heapInUse() ?? 0
            lock.withLock {
                self.anonymous = max(self.anonymous, anonymous)
                self.fileBacked = max(self.fileBacked, fileBacked)
                self.heapInUse = max(self.heapInUse, heap)
            }
        }

        /// The calling thread's CPU seconds (a sample runs without suspending, so on one thread).
        static func threadCPU() -> Double {
            var usage = rusage()
            // RUSAGE_THREAD (Linux's 1), which Swift's Glibc module leaves out.
            getrusage(__rusage_who_t(1), &usage)
            return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        }

        /// glibc's `malloc_info` (found at run time: Swift's Glibc module leaves out malloc.h): of its closing totals,
        /// the bytes taken from the system minus the free chunks kept, plus the chunks mapped on their own.
        static func heapInUse() -> Int? {
            typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_info") else { return nil }
            var buffer: UnsafeMutablePointer<CChar>?
            var length = 0
            guard let stream = open_memstream(&buffer, &length) else { return nil }
            _ = unsafeBitCast(symbol, to: MallocInfo.self)(0, stream)
            fclose(stream)
            defer { free(buffer) }
            guard let buffer else { return nil }
            let xml = String(cString: buffer)
            let totals = xml.components(separatedBy: "</heap>").last ?? xml
            func bytes(_ element: String, _ type: String) -> Int {
                guard let start = totals.range(of: "<\(element) type=\"\(type)\"") else { return 0 }
                let rest = totals[start.upperBound...]
                guard let open = rest.range(of: "size=\""),
                    let close = rest[open.upperBound...].firstIndex(of: "\"")
                else { return 0 }
                return Int(rest[open.upperBound..<close]) ?? 0
            }
            return bytes("system", "current") - bytes("total", "fast") - bytes("total", "rest") + bytes("total", "mmap")
        }

        var summary: String {
            lock.withLock {
                String(
                    format: "memory: peak resident %.0f MB; peaks of its parts: anonymous %.0f MB, file-backed %.0f MB;"
                        + " heap in use at most %.1f MB", peakMegabytes(), Double(anonymous) / 1_048_576,
                    Double(fileBacked) / 1_048_576, Double(heapInUse) / 1_048_576)
            }
        }
    }

    /// From an agent's work handed in (`issue.testing`) to the next assignment (`issue.assigned`) that took its place,
    /// read from the event log (the store's clock): the first `agents` assignments fill the pool, each later one
    /// follows one hand-in, in order.
    static func handOver(_ store: any TurboStore, agents: Int) async throws -> String {
        var handedIn: [Date] = []
        var assigned: [Date] = []
        var after: Int64 = 0
        while true {
            let page = try await store.events(after: after, limit: 1_000)
            guard let last = page.last else { break }
            for event in page {
                if event.type == EventType.issueTesting.rawValue { handedIn.append(event.createdAt) }
                if event.type == EventType.issueAssigned.rawValue { assigned.append(event.createdAt) }
            }
            after = last.id
        }
        let following = assigned.dropFirst(agents)
        let gaps = zip(handedIn, following).map { max(0, $1.timeIntervalSince($0)) }.sorted()
        guard !gaps.isEmpty else { return "hand-over: no assignment followed a hand-in" }
        func percentile(_ fraction: Double) -> Double { gaps[min(gaps.count - 1, Int(Double(gaps.count) * fraction))] }
        return String(
            format: "hand-over (work handed in → next assignment), %d: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
            gaps.count, percentile(0.5) * 1000, percentile(0.99) * 1000, (gaps.last ?? 0) * 1000)
    }

    /// `worktree 3.0, rev-parse 2.0, …`: each subcommand (with `worktree`'s verb) and how often it ran per issue.
    static func gitBreakdown(_ commands: [[String]], issues: Int) -> String {
        var counts: [String: Int] = [:]
        for command in commands {
            // Skip `git` and the `-c name=value` / `-C dir` options before the subcommand.
            var index = 1
            while index < command.count, command[index].hasPrefix("-") {
                index += command[index] == "-c" || command[index] == "-C" ? 2 : 1
            }
            guard index < command.count else { continue }
            var name = command[index]
            if name == "worktree", index + 1 < command.count { name += " " + command[index + 1] }
            counts[name, default: 0] += 1
        }
        return counts.sorted { $0.value > $1.value }.map {
            "\($0.key) \(String(format: "%.1f", Double($0.value) / Double(issues)))"
        }.joined(separator: ", ")
    }

    static func benchmark(issues count: Int, agents: Int) async throws {
        #if DEBUG
            print(
                "note: debug build; use `swift run -c release turbocode-orchestrator-bench` for representative figures")
        #endif
        let logger = {
            var logger = Logger(label: "turbocode.orchestrator-bench")
            logger.logLevel = .error
            return logger
        }()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-orch-bench-\(UUID())")
        let repo = root.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let identity =
            "GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@b"
        try shell(
            "git init -q -b main && echo bench > README.md && git add . && \(identity) git commit -qm init", in: repo)
        try """
        project:
          key: BENCH
        worktrees:
          root: \(root.appendingPathComponent("worktrees").path)
          copy: []
        """.write(to: repo.appendingPathComponent("turbocode.yaml"), atomically: true, encoding: .utf8)
        for (key, value) in [
            ("GIT_AUTHOR_NAME", "bench"), ("GIT_AUTHOR_EMAIL", "b@b"), ("GIT_COMMITTER_NAME", "bench"),
            ("GIT_COMMITTER_EMAIL", "b@b"),
        ] { setenv(key, value, 1) }

        let repository = Repository(root: repo.path, checkoutRoot: repo.path)
        let store = try SQLiteStore(path: root.appendingPathComponent("bench.db").path)
        let project = try await ProjectSetup.initialize(repository: repository, key: "BENCH", name: nil, store: store)
            .project
        for index in 0..<count {
            _ = try await store.createIssue(
                NewIssue(project: .id(project.id), title: "Issue \(index)", status: .ready))
        }
        var config = OrchestratorConfig()
        config.limits.maxConcurrentSubagents = agents
        config.limits.maxActiveWorktrees = count + 1
        config.subagents = (1...agents).map { number in
            var agent = OrchestratorConfig.Subagent(id: "instant-\(number)", driver: .command)
            // An instant agent: one file, one commit, exit 0; the coordinator submits it.
            agent.command = [
                "/bin/sh", "-c", "echo {issue} > {issue}.txt && git add {issue}.txt && git commit -qm {issue}",
            ]
            agent.submitOnExit = true
            return agent
        }
        let statistics = GitRunner.Statistics()
        let worktrees = try WorktreeService(
            store: store, repository: repository, runner: GitRunner(statistics: statistics))
        let work = WorkService(worktrees: worktrees, ttl: config.leases.ttl)
        let orchestrator = Orchestrator(
            work: work, config: config, project: project, serverURL: "http://127.0.0.1:9", logger: logger)

        print("turboCode orchestrator benchmark: \(count) issues, \(agents) instant agents (SQLite)")
        let cpuBefore = cpu()
        let started = ContinuousClock.now
        let (idle, idleContinuation) = AsyncStream<Void>.makeStream()
        let running = Task { await orchestrator.run(idle: { idleContinuation.yield() }) }
        let progress = Task {
            while !Task.isCancelled {
                guard (try? await Task.sleep(for: .seconds(10))) != nil else { return }
                let snapshot = await orchestrator.snapshot()
                print("  … \(snapshot.submitted) submitted, \(snapshot.running.count) running")
            }
        }
        let memory = MemorySampler()
        let sampling = Task {
            while !Task.isCancelled {
                memory.sample()
                guard (try? await Task.sleep(for: .milliseconds(100))) != nil else { return }
            }
        }
        var waiter = idle.makeAsyncIterator()
        _ = await waiter.next()
        let elapsed = ContinuousClock.now - started
        progress.cancel()
        sampling.cancel()
        running.cancel()
        await running.value
        let coordinatorCPU = cpu() - cpuBefore - memory.cpuSeconds
        let snapshot = await orchestrator.snapshot()
        let git = statistics.snapshot
        let seconds = Figures.seconds(elapsed)
        let gitSeconds = Figures.seconds(git.duration)
        print(
            "submitted \(snapshot.submitted), given back \(snapshot.released), in \(String(format: "%.1f", seconds)) s")
        print(String(format: "throughput: %.1f issues/s", Double(snapshot.submitted) / seconds))
        print(
            String(
                format: "coordinator CPU: %.2f s in all, %.1f ms per issue (the benchmark's memory sampling, "
                    + "%.2f s, left out); peak memory %.0f MB", coordinatorCPU, coordinatorCPU * 1000 / Double(count),
                memory.cpuSeconds, peakMegabytes()))
        print(memory.summary)
        print(try await handOver(store, agents: agents))
        print(
            String(
                format: "git run by the coordinator: %d commands (%.1f per issue), %.1f ms wall per issue",
                git.count, Double(git.count) / Double(count), gitSeconds * 1000 / Double(count)))
        print(
            String(
                format: "coordinator CPU per issue / git wall per issue: %.0f %%", coordinatorCPU / gitSeconds * 100))
        print("git commands per issue, by subcommand: " + gitBreakdown(statistics.commands, issues: count))
        try await store.close()
    }
}
