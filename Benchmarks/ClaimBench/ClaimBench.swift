import AsyncHTTPClient
import BenchSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import TurboApp
import TurboCore
import TurboHTTP
import TurboPostgres
import TurboServices

#if canImport(Glibc)
    import Glibc
#endif

/// Claim benchmark: how fast the queue hands out work as claimers grow. From a fresh store of N ready issues (every
/// fourth blocked by the one before it, so a quarter are never claimable), claimers take issues until none is left:
/// through the store (`claimNext`, no HTTP) and through `POST /api/v1/queue/claim` of a live server, each claimer
/// with its own agent token, as remote workers (`location`: no worktree is made, so no git runs). Prints claims per
/// second, latency, and the checks that matter more than speed: no issue leased twice, no lease that no claimer was
/// told about. Asserts nothing.
///
///     swift run -c release turbocode-claim-bench [--issues 2000] [--postgres postgres://user@host:port/db]
///         [--sqlite-only | --postgres-only] [--store 1,16] [--rest 1,16,64,128]
///
/// `--postgres` (or `TURBOCODE_TEST_POSTGRES_URL`) names a server where a temporary database is made per round.
@main
struct ClaimBench {
    struct Options {
        var issues = 2_000
        var postgres: String? = ProcessInfo.processInfo.environment["TURBOCODE_TEST_POSTGRES_URL"]
        var storeClaimers = [1, 16]
        var httpClaimers = [1, 16, 64, 128]
        var sqlite = true
    }

    static func main() async {
        do {
            var options = Options()
            var iterator = CommandLine.arguments.dropFirst().makeIterator()
            while let argument = iterator.next() {
                switch argument {
                case "--issues":
                    guard let value = iterator.next().flatMap(Int.init), value > 0 else {
                        throw TurboError.invalidInput("--issues needs a positive whole number")
                    }
                    options.issues = value
                case "--postgres": options.postgres = iterator.next()
                case "--store":
                    options.storeClaimers = try claimerCounts(iterator.next())
                case "--rest":
                    options.httpClaimers = try claimerCounts(iterator.next())
                case "--sqlite-only": options.postgres = nil
                case "--postgres-only": options.sqlite = false
                default:
                    throw TurboError.invalidInput(
                        "usage: turbocode-claim-bench [--issues N] [--postgres postgres://user@host:port/db] "
                            + "[--sqlite-only | --postgres-only] [--store 1,16] [--rest 1,16,64,128] "
                            + "(an empty list skips that path)"
                    )
                }
            }
            try await benchmark(options)
        } catch {
            FileHandle.standardError.write(Data("turbocode-claim-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    /// `1,16`: claimer counts; an empty text, none.
    static func claimerCounts(_ text: String?) throws -> [Int] {
        guard let text else { throw TurboError.invalidInput("--store and --rest need a list such as 1,16") }
        return try text.split(separator: ",").map {
            guard let count = Int($0), count > 0 else {
                throw TurboError.invalidInput("claimer counts are positive whole numbers, not '\($0)'")
            }
            return count
        }
    }

    static let logger = {
        var logger = Logger(label: "turbocode.claim-bench")
        logger.logLevel = .error
        return logger
    }()

    static func benchmark(_ options: Options) async throws {
        print("turboCode claim benchmark: \(options.issues) ready issues, a quarter of them blocked")
        #if DEBUG
            print("note: debug build; use `swift run -c release turbocode-claim-bench` for representative figures")
        #endif
        var engines: [(String, DatabaseKind)] = options.sqlite ? [("SQLite", .sqlite)] : []
        if let text = options.postgres {
            guard case .postgres(let admin) = try DatabaseURL(parsing: text) else {
                throw TurboError.invalidInput("--postgres needs a postgres:// URL")
            }
            engines.append(("PostgreSQL", .postgres(admin)))
        } else {
            print("PostgreSQL: skipped (give --postgres URL or set TURBOCODE_TEST_POSTGRES_URL)")
        }
        print("")
        print("store        path    claimers  claims   claims/s   p50 ms   p99 ms   max ms  twice  orphans")
        for (name, kind) in engines {
            for claimers in options.storeClaimers {
                let round = try await withProject(kind, issues: options.issues) { store, project, _ in
                    try await storeRound(store, project: project, claimers: claimers)
                }
                print(round.line(name, "store", claimers))
            }
            for claimers in options.httpClaimers {
                let round = try await withProject(kind, issues: options.issues) { store, project, repository in
                    try await httpRound(store, project: project, repository: repository, claimers: claimers)
                }
                print(round.line(name, "REST", claimers))
            }
        }
    }

    enum DatabaseKind {
        case sqlite
        case postgres(DatabaseURL.PostgresSettings)
    }

    /// What one round measured.
    struct Round {
        var claimed: [String]
        var samples: [Duration]
        var elapsed: Duration
        var liveLeases: Int

        /// Issues handed to two claimers.
        var twice: Int { claimed.count - Set(claimed).count }
        /// Leases no claimer was told about (a claim whose answer was lost).
        var orphans: Int { liveLeases - Set(claimed).count }

        func line(_ engine: String, _ path: String, _ claimers: Int) -> String {
            let sorted = samples.sorted()
            return engine.padding(toLength: 13, withPad: " ", startingAt: 0)
                + path.padding(toLength: 6, withPad: " ", startingAt: 0) + Figures.pad(claimers, 10)
                + Figures.pad(claimed.count, 8)
                + Figures.pad(String(format: "%.0f", Double(claimed.count) / Figures.seconds(elapsed)), 11)
                + Figures.pad(Figures.milliseconds(Figures.percentile(sorted, 0.50)), 9)
                + Figures.pad(Figures.milliseconds(Figures.percentile(sorted, 0.99)), 9)
                + Figures.pad(Figures.milliseconds(sorted.last ?? .zero), 9) + Figures.pad(twice, 7)
                + Figures.pad(orphans, 9)
        }
    }

    /// A fresh repository and store with the project and its issues, for one round.
    static func withProject(
        _ kind: DatabaseKind, issues: Int,
        _ body: @Sendable (any TurboStore, Project, Repository) async throws -> Round
    ) async throws -> Round {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-claim-bench-\(UUID())")
        let repo = root.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/bin/sh")
        git.arguments = [
            "-c",
            "git init -q -b main && git -c user.name=b -c user.email=b@b commit -q --allow-empty -m init",
        ]
        git.currentDirectoryURL = repo
        try git.run()
        git.waitUntilExit()
        let repository = Repository(root: repo.path, checkoutRoot: repo.path)
        @Sendable func round(_ store: any TurboStore) async throws -> Round {
            let project = try await ProjectSetup.initialize(
                repository: repository, key: "CLAIM", name: nil, store: store
            ).project
            for index in 0..<issues {
                let blocked = index % 4 == 3
                _ = try await store.createIssue(
                    NewIssue(
                        project: .id(project.id), title: "Issue \(index)", priority: IssuePriority.allCases[index % 4],
                        status: .ready, blockedBy: blocked ? [.key(IssueKey(project: project.key, number: index))] : []
                    ))
            }
            return try await body(store, project, repository)
        }
        switch kind {
        case .sqlite:
            return try await TurboApp.withStore(
                .sqlite(path: root.appendingPathComponent("claims.db").path), logger: logger, round)
        case .postgres(let admin):
            return try await PostgresAdmin.withTemporaryDatabase(admin: admin, logger: logger) { settings in
                try await TurboApp.withStore(.postgres(settings), logger: logger, round)
            }
        }
    }

    static func storeRound(_ store: any TurboStore, project: Project, claimers: Int) async throws -> Round {
        let started = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: ([String], [Duration]).self) { group in
            for claimer in 0..<claimers {
                group.addTask {
                    var keys: [String] = []
                    var samples: [Duration] = []
                    while true {
                        let begin = ContinuousClock.now
                        guard
                            let claimed = try await store.claimNext(
                                ClaimRequest(
                                    project: .id(project.id), agent: "claimer-\(claimer)", capabilities: [],
                                    ttl: .seconds(600)))
                        else { break }
                        samples.append(ContinuousClock.now - begin)
                        keys.append(claimed.issue.key.description)
                    }
                    return (keys, samples)
                }
            }
            return try await group.reduce(into: ([String](), [Duration]())) {
                $0.0 += $1.0
                $0.1 += $1.1
            }
        }
        let elapsed = ContinuousClock.now - started
        // A store claim leases without starting work: count the assigned issues.
        let live = try await store.issues(IssueFilter(project: .id(project.id), statuses: [.assigned])).count
        return Round(claimed: results.0, samples: results.1, elapsed: elapsed, liveLeases: live)
    }

    static func httpRound(
        _ store: any TurboStore, project: Project, repository: Repository, claimers: Int
    ) async throws -> Round {
        var tokens: [String] = []
        for claimer in 0..<claimers {
            tokens.append(
                try await TokenService.create(
                    role: .agent, agentID: "claimer-\(claimer)", name: "c\(claimer)", store: store
                )
                .secret)
        }
        var serverOptions = Server.Options()
        serverOptions.port = 0
        serverOptions.rateLimit = nil
        serverOptions.leaseTTL = .seconds(600)
        let configuration = try Server.configuration(
            store: store, repository: repository, options: serverOptions, logger: logger)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = buildApplication(
            configuration, address: .hostname("127.0.0.1", port: 0), logger: logger,
            onServerRunning: { port in portContinuation.yield(port ?? 0) })
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = claimers
        clientConfiguration.timeout.read = .seconds(120)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        defer { _ = client.shutdown() }
        let tokenList = tokens
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                throw TurboError.invalidInput("the server did not start")
            }
            let url = "http://127.0.0.1:\(port)/api/v1/queue/claim"
            let started = ContinuousClock.now
            let results = try await withThrowingTaskGroup(of: ([String], [Duration]).self) { claims in
                for claimer in 0..<claimers {
                    claims.addTask {
                        var keys: [String] = []
                        var samples: [Duration] = []
                        while true {
                            var request = HTTPClientRequest(url: url)
                            request.method = .POST
                            request.headers.add(name: "Authorization", value: "Bearer \(tokenList[claimer])")
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(string: #"{"location": "bench:/w/\#(claimer)"}"#))
                            let begin = ContinuousClock.now
                            let response = try await client.execute(request, timeout: .seconds(120))
                            let body = try await response.body.collect(upTo: 1 << 20)
                            samples.append(ContinuousClock.now - begin)
                            if response.status == .noContent { break }
                            guard response.status == .ok,
                                let object = try JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8))
                                    as? [String: Any],
                                let issue = object["issue"] as? [String: Any], let key = issue["key"] as? String
                            else {
                                throw TurboError.invalidInput(
                                    "claim answered \(response.status.code): \(String(buffer: body))")
                            }
                            keys.append(key)
                        }
                        return (keys, samples)
                    }
                }
                return try await claims.reduce(into: ([String](), [Duration]())) {
                    $0.0 += $1.0
                    $0.1 += $1.1
                }
            }
            let elapsed = ContinuousClock.now - started
            group.cancelAll()
            let live = try await store.activeWorkLogs().count
            return Round(claimed: results.0, samples: results.1, elapsed: elapsed, liveLeases: live)
        }
    }
}
