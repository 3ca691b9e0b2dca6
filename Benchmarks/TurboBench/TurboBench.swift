import Foundation
import Logging
import TurboApp
import TurboCore
import TurboPostgres
import TurboServices

/// Store benchmark: issue creations per second and queue computation time over a large random dependency graph, on
/// SQLite and (when a server is given) PostgreSQL. Prints figures; asserts nothing.
///
///     swift run -c release turbocode-bench [--issues 10000] [--runs 20] [--postgres postgres://user@127.0.0.1:5432/db]
///
/// `--postgres` (or `TURBOCODE_TEST_POSTGRES_URL`) names a server where a temporary database is created and dropped.
@main
struct TurboBench {
    struct Options {
        var issues = 10_000
        var runs = 20
        var postgres: String? = ProcessInfo.processInfo.environment["TURBOCODE_TEST_POSTGRES_URL"]
        var seed: UInt64 = 42
        /// Where to build the SQLite database; kept afterwards for inspection. Default: a temporary file.
        var sqlitePath: String?
    }

    static func main() async {
        do {
            try await benchmark(try parse(Array(CommandLine.arguments.dropFirst())))
        } catch {
            FileHandle.standardError.write(Data("turbocode-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func benchmark(_ options: Options) async throws {
        let logger = {
            var logger = Logger(label: "turbocode.bench")
            logger.logLevel = .error
            return logger
        }()
        print("turboCode store benchmark: \(options.issues) issues, random dependencies, \(options.runs) queue runs")
        #if DEBUG
            print("note: debug build; use `swift run -c release turbocode-bench` for representative figures")
        #endif

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "turbo-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = DatabaseURL.sqlite(path: options.sqlitePath ?? directory.appendingPathComponent("bench.db").path)
        let sqliteResult = try await TurboApp.withStore(sqlite, logger: logger) { store in
            try await run(store, name: "SQLite", options: options)
        }
        var results = [sqliteResult]
        if let text = options.postgres {
            guard case .postgres(let admin) = try DatabaseURL(parsing: text) else {
                throw TurboError.invalidInput("--postgres needs a postgres:// URL")
            }
            results.append(
                try await PostgresAdmin.withTemporaryDatabase(admin: admin, logger: logger) { settings in
                    try await TurboApp.withStore(.postgres(settings), logger: logger) { store in
                        try await run(store, name: "PostgreSQL", options: options)
                    }
                })
        } else {
            print("PostgreSQL: skipped (give --postgres URL or set TURBOCODE_TEST_POSTGRES_URL)")
        }
        print("")
        print("store       creations/s  concurrent creations/s  queue median  queue p95  eligible/ready")
        for result in results {
            print(
                result.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + String(
                        format: "%11.0f  %22.0f  %9.1f ms  %6.1f ms  %d/%d", result.creationsPerSecond,
                        result.concurrentCreationsPerSecond, result.queueMedianMs, result.queueP95Ms, result.eligible,
                        result.ready))
        }
        if results.count == 2 {
            print(
                String(
                    format: "ratio PostgreSQL/SQLite: creations %.2fx, queue %.2fx",
                    results[1].creationsPerSecond / results[0].creationsPerSecond,
                    results[1].queueMedianMs / results[0].queueMedianMs))
        }
        print(
            String(
                format: "goal: queue of %d issues under 100 ms on SQLite: %@ (%.1f ms)", options.issues,
                sqliteResult.queueMedianMs < 100 ? "met" : "NOT met", sqliteResult.queueMedianMs))
    }

    struct Result {
        var name: String
        var creationsPerSecond: Double
        var concurrentCreationsPerSecond: Double
        var queueMedianMs: Double
        var queueP95Ms: Double
        var eligible: Int
        var ready: Int
    }

    /// Creates the graph, then times the queue.
    static func run(_ store: any TurboStore, name: String, options: Options) async throws -> Result {
        var random = SplitMix64(seed: options.seed)
        let project = try await store.createProject(NewProject(key: try ProjectKey("BENCH"), name: "bench"))
        let priorities: [IssuePriority] = [.critical, .high, .medium, .medium, .low]
        let progress = max(1, options.issues / 10)

        // Sequential creations, each its own transaction, with 0–2 blockers among earlier issues.
        let start = ContinuousClock.now
        for index in 1...options.issues {
            var blockers: [IssueRef] = []
            if index > 1 {
                for _ in 0..<Int(random.next() % 3) {
                    let key = IssueKey(project: project.key, number: Int(random.next() % UInt64(index - 1)) + 1)
                    if !blockers.contains(.key(key)) { blockers.append(.key(key)) }
                }
            }
            let roll = random.next() % 10
            let paths = roll == 0 ? ["Sources/Module\(random.next() % 50)/**"] : []
            _ = try await store.createIssue(
                NewIssue(
                    project: .id(project.id), title: "Issue \(index)",
                    priority: priorities[Int(random.next() % UInt64(priorities.count))],
                    status: roll < 7 ? .ready : .open, paths: paths,
                    workRank: roll == 9 ? Int(random.next() % 20) + 1 : nil,
                    blockedBy: blockers))
            if index % progress == 0 { print("  \(name): created \(index)/\(options.issues)") }
        }
        let creationSeconds = seconds(ContinuousClock.now - start)

        // A fifth of the ready issues are finished, a few are in flight with declared paths.
        let ready = try await store.issues(IssueFilter(project: .id(project.id), statuses: [.ready]))
        for (offset, issue) in ready.enumerated() where offset % 5 == 0 {
            _ = try await store.transition(.id(issue.id), to: .closed, reason: .done, actor: nil)
        }
        let stillReady = ready.enumerated().filter { $0.offset % 5 != 0 }.map(\.element)
        for issue in stillReady.filter({ !$0.paths.isEmpty }).prefix(20) {
            _ = try await store.transition(.id(issue.id), to: .assigned, reason: nil, actor: nil)
        }

        // Concurrent creations: 8 tasks, 1,000 issues.
        let concurrentStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in 0..<125 {
                        _ = try await store.createIssue(
                            NewIssue(project: .id(project.id), title: "c\(worker)-\(index)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let concurrentSeconds = seconds(ContinuousClock.now - concurrentStart)

        var timings: [Double] = []
        var queue: [QueueEntry] = []
        for _ in 0..<options.runs {
            let queueStart = ContinuousClock.now
            queue = try await store.queue(project: .id(project.id))
            timings.append(seconds(ContinuousClock.now - queueStart) * 1000)
        }
        timings.sort()
        return Result(
            name: name, creationsPerSecond: Double(options.issues) / creationSeconds,
            concurrentCreationsPerSecond: 1000 / concurrentSeconds, queueMedianMs: timings[timings.count / 2],
            queueP95Ms: timings[min(timings.count - 1, Int(Double(timings.count) * 0.95))],
            eligible: queue.filter(\.isEligible).count, ready: queue.count)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--issues": options.issues = try number(iterator.next(), argument)
            case "--runs": options.runs = try number(iterator.next(), argument)
            case "--postgres": options.postgres = iterator.next()
            case "--sqlite-path": options.sqlitePath = iterator.next()
            case "--help", "-h":
                print(
                    "usage: turbocode-bench [--issues N] [--runs N] [--postgres postgres://user@host:port/db]"
                        + " [--sqlite-path FILE]")
                exit(0)
            default: throw TurboError.invalidInput("unknown argument \(argument); see --help")
            }
        }
        return options
    }

    static func number(_ text: String?, _ name: String) throws -> Int {
        guard let text, let value = Int(text), value > 0 else {
            throw TurboError.invalidInput("\(name) needs a positive number")
        }
        return value
    }
}

/// A small deterministic generator, so every run builds the same graph.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
