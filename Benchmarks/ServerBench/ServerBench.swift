import AsyncHTTPClient
import BenchSupport
import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization
import TurboApp
import TurboCore
import TurboHTTP
import TurboSQL
import TurboSQLite
import TurboServices

/// Server benchmark: requests per second and latency of the REST API, and how long events take from commit to 1,000
/// WebSocket clients. Starts `turbocode serve`'s application in process on a loopback port with a SQLite database
/// in a temporary directory; with `wrk` on PATH, also drives the REST routes and a bare Hummingbird route with it and
/// prints their ratio. Prints figures; asserts nothing.
///
///     swift run -c release turbocode-server-bench [--issues 2000] [--requests 20000] [--clients 1000] [--events 30]
@main
struct ServerBench {
    struct Options {
        var issues = 2_000
        var requests = 20_000
        var clients = 1_000
        var events = 30
    }

    static func main() async {
        do {
            try await benchmark(try parse(Array(CommandLine.arguments.dropFirst())))
        } catch {
            FileHandle.standardError.write(Data("turbocode-server-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard let value = iterator.next().flatMap(Int.init), value > 0 else {
                throw TurboError.invalidInput("\(argument) needs a positive whole number")
            }
            switch argument {
            case "--issues": options.issues = value
            case "--requests": options.requests = value
            case "--clients": options.clients = value
            case "--events": options.events = value
            default: throw TurboError.invalidInput("unknown option \(argument)")
            }
        }
        return options
    }

    static func benchmark(_ options: Options) async throws {
        let logger = {
            var logger = Logger(label: "turbocode.bench")
            logger.logLevel = .error
            return logger
        }()
        print(
            "turboCode server benchmark: \(options.issues) issues, \(options.requests) requests per scenario, "
                + "\(options.clients) WebSocket clients, \(options.events) events")
        #if DEBUG
            print("note: debug build; use `swift run -c release turbocode-server-bench` for representative figures")
        #endif
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "turbo-server-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = DatabaseURL.sqlite(path: directory.appendingPathComponent("bench.db").path)

        try await TurboApp.withStore(database, logger: logger) { store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("BENCH"), name: "Bench"))
            for index in 0..<options.issues {
                _ = try await store.createIssue(
                    NewIssue(
                        project: .id(project.id), title: "Issue \(index)", priority: IssuePriority.allCases[index % 4],
                        status: index % 2 == 0 ? .ready : .open, capabilities: index % 3 == 0 ? ["web"] : []))
            }
            let secret = try await TokenService.create(role: .admin, agentID: nil, name: "bench", store: store).secret
            var serverOptions = Server.Options()
            serverOptions.port = 0
            serverOptions.rateLimit = nil
            let configuration = try Server.configuration(
                store: store, repository: nil, options: serverOptions, logger: logger)
            let (ports, portContinuation) = AsyncStream<Int>.makeStream()
            let app = buildApplication(
                configuration, address: .hostname("127.0.0.1", port: 0), logger: logger,
                onServerRunning: { port in portContinuation.yield(port ?? 0) })
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run() }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next(), port > 0 else {
                    throw TurboError.invalidInput("the server did not start")
                }
                let base = "http://127.0.0.1:\(port)"
                try await http(base: base, secret: secret, options: options)
                try await wrkComparison(base: base, secret: secret, issues: options.issues)
                try await webSockets(
                    base: base, port: port, secret: secret, options: options, store: store, database: database,
                    feed: configuration.feed, logger: logger)
                group.cancelAll()
            }
        }
    }

    // MARK: REST

    static func http(base: String, secret: String, options: Options) async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }
        print("")
        print("scenario                      concurrency  requests      req/s    p50 ms   p99 ms   max ms")
        let counter = Counter(0)
        let scenarios: [(String, Int, Int, @Sendable (Int) -> HTTPClientRequest)] = [
            (
                "GET /issues/{key}", 1, options.requests,
                { index in
                    HTTPClientRequest(url: "\(base)/api/v1/issues/BENCH-\(index % options.issues + 1)")
                }
            ),
            (
                "GET /issues/{key}", 8, options.requests,
                { index in
                    HTTPClientRequest(url: "\(base)/api/v1/issues/BENCH-\(index % options.issues + 1)")
                }
            ),
            ("POST /issues", 1, options.requests / 10, { _ in create(base: base, secret: secret, counter) }),
            ("POST /issues", 8, options.requests / 10, { _ in create(base: base, secret: secret, counter) }),
            (
                "GET /queue", 1, max(20, options.requests / 100),
                { _ in
                    HTTPClientRequest(url: "\(base)/api/v1/queue")
                }
            ),
            (
                "GET /queue", 8, max(20, options.requests / 100),
                { _ in
                    HTTPClientRequest(url: "\(base)/api/v1/queue")
                }
            ),
        ]
        for (name, concurrency, count, make) in scenarios {
            // Warm up connections and caches.
            for index in 0..<min(50, count) { _ = try await send(client, make(index)) }
            let started = ContinuousClock.now
            let samples = try await withThrowingTaskGroup(of: [Duration].self) { group in
                for worker in 0..<concurrency {
                    group.addTask {
                        var samples: [Duration] = []
                        var index = worker
                        while index < count {
                            samples.append(try await send(client, make(index)))
                            index += concurrency
                        }
                        return samples
                    }
                }
                return try await group.reduce(into: [Duration]()) { $0 += $1 }
            }
            let elapsed = Figures.seconds(ContinuousClock.now - started)
            let sorted = samples.sorted()
            print(
                name.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + Figures.pad(concurrency, 11) + Figures.pad(count, 10)
                    + Figures.pad(String(format: "%.0f", Double(count) / elapsed), 11)
                    + Figures.pad(Figures.milliseconds(Figures.percentile(sorted, 0.50)), 10)
                    + Figures.pad(Figures.milliseconds(Figures.percentile(sorted, 0.99)), 9)
                    + Figures.pad(Figures.milliseconds(sorted.last ?? .zero), 9))
        }
    }

    /// A shared number, safe to bump and read from any task.
    final class Counter: Sendable {
        private let value: Atomic<Int64>

        init(_ initial: Int64) { value = Atomic(initial) }

        @discardableResult func increment() -> Int64 { value.wrappingAdd(1, ordering: .relaxed).newValue }
        func load() -> Int64 { value.load(ordering: .relaxed) }
        func store(_ newValue: Int64) { value.store(newValue, ordering: .relaxed) }
    }

    static func create(base: String, secret: String, _ counter: Counter) -> HTTPClientRequest {
        let number = counter.increment()
        var request = HTTPClientRequest(url: "\(base)/api/v1/issues")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(secret)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(string: #"{"title": "Created \#(number)", "priority": "high", "capabilities": ["web"]}"#))
        return request
    }

    /// Sends one request, reads the whole body, fails on an unexpected status; returns the latency.
    static func send(_ client: HTTPClient, _ request: HTTPClientRequest) async throws -> Duration {
        let start = ContinuousClock.now
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 16 << 20)
        let latency = ContinuousClock.now - start
        guard (200..<300).contains(response.status.code) else {
            throw TurboError.invalidInput("\(request.method) \(request.url) answered \(response.status)")
        }
        return latency
    }

    // MARK: WebSocket

    /// What the clients saw: for every event id, when each client received it.
    final class Arrivals: Sendable {
        let received = Mutex<[Int64: [ContinuousClock.Instant]]>([:])

        func record(_ id: Int64, at instant: ContinuousClock.Instant) {
            received.withLock { $0[id, default: []].append(instant) }
        }

        func count(of id: Int64) -> Int { received.withLock { $0[id]?.count ?? 0 } }
    }

    static func webSockets(
        base: String, port: Int, secret: String, options: Options, store: any TurboStore, database: DatabaseURL,
        feed: EventFeed, logger: Logger
    ) async throws {
        let arrivals = Arrivals()
        let connected = Counter(0)
        let (done, doneContinuation) = AsyncStream<Void>.makeStream()
        let last = Counter(Int64.max)
        let connectStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<options.clients {
                group.addTask {
                    _ = try await WebSocketClient.connect(
                        url: "ws://127.0.0.1:\(port)/api/v1/events/ws?token=\(secret)", logger: logger
                    ) { inbound, outbound, _ in
                        connected.increment()
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            let now = ContinuousClock.now
                            guard case .text(let text) = message, let id = eventID(text) else { continue }
                            arrivals.record(id, at: now)
                            if id >= last.load() { break }
                        }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    doneContinuation.yield()
                }
            }
            // Every socket is subscribed once the feed counts it.
            while connected.load() < options.clients { try await Task.sleep(for: .milliseconds(10)) }
            while await feed.subscriberCount < options.clients { try await Task.sleep(for: .milliseconds(10)) }
            print("")
            print(
                "\(options.clients) WebSocket clients connected and subscribed in "
                    + "\(Figures.milliseconds(ContinuousClock.now - connectStart)) ms")

            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            defer { _ = client.shutdown() }
            let counter = Counter(1_000_000)
            var commits: [Int64: (sent: ContinuousClock.Instant, answered: ContinuousClock.Instant)] = [:]
            var writerCommits: [Int64: ContinuousClock.Instant] = [:]
            let half = options.events / 2
            // Events from POST /issues on this server (the feed is woken by the write), then from a second
            // store handle on the same file, as the CLI in another process would write (found by polling).
            guard case .sqlite(let path) = database else { return }
            let other = try SQLiteStore(path: path)
            do {
                for index in 0..<options.events {
                    if index < options.events - half {
                        let sent = ContinuousClock.now
                        let response = try await client.execute(
                            create(base: base, secret: secret, counter), timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        let answered = ContinuousClock.now
                        let key = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
                        guard let subject = key?["key"] as? String else {
                            throw TurboError.invalidInput("POST /issues answered \(response.status)")
                        }
                        let id = try await eventID(of: subject, store: store)
                        commits[id] = (sent, answered)
                    } else {
                        let sent = ContinuousClock.now
                        let issue = try await other.createIssue(
                            NewIssue(project: .key(try ProjectKey("BENCH")), title: "From another handle \(index)"))
                        writerCommits[try await eventID(of: issue.key.description, store: store)] = sent
                    }
                    // Let the fan-out finish before the next event, so each is measured on its own.
                    let id = max(commits.keys.max() ?? 0, writerCommits.keys.max() ?? 0)
                    while arrivals.count(of: id) < options.clients { try await Task.sleep(for: .milliseconds(1)) }
                }
            }
            try await other.close()
            let finalID = max(commits.keys.max() ?? 0, writerCommits.keys.max() ?? 0)
            last.store(finalID)
            // Wake the clients' loops past their last event with one more.
            _ = try await client.execute(create(base: base, secret: secret, counter), timeout: .seconds(30))
            var finished = 0
            for await _ in done {
                finished += 1
                if finished == options.clients { break }
            }
            try await group.waitForAll()

            let all = arrivals.received.withLock { $0 }
            report(
                "events written through the API (commit → every client)",
                commits.map { id, times in (id, times.sent) }, all, clients: options.clients)
            report(
                "events written by another store handle (commit → every client)",
                writerCommits.map { ($0.key, $0.value) }, all, clients: options.clients)
        }
    }

    static func report(
        _ title: String, _ commits: [(Int64, ContinuousClock.Instant)], _ arrivals: [Int64: [ContinuousClock.Instant]],
        clients: Int
    ) {
        var latencies: [Duration] = []
        var perEventMax: [Duration] = []
        for (id, sent) in commits {
            let times = arrivals[id] ?? []
            let each = times.map { $0 - sent }
            latencies += each
            perEventMax.append(each.max() ?? .zero)
        }
        let sorted = latencies.sorted()
        let lastClient = perEventMax.sorted()
        print(
            "\(title): \(commits.count) events × \(clients) clients = \(sorted.count) deliveries; "
                + "p50 \(Figures.milliseconds(Figures.percentile(sorted, 0.5))) ms, p99 \(Figures.milliseconds(Figures.percentile(sorted, 0.99))) ms, "
                + "max \(Figures.milliseconds(sorted.last ?? .zero)) ms; last client per event: median "
                + "\(Figures.milliseconds(Figures.percentile(lastClient, 0.5))) ms, worst \(Figures.milliseconds(lastClient.last ?? .zero)) ms"
        )
    }

    /// The id of the `issue.created` event of `subject`.
    static func eventID(of subject: String, store: any TurboStore) async throws -> Int64 {
        let latest = try await store.latestEventID()
        let recent = try await store.events(after: max(0, latest - 50), limit: 100)
        guard let event = recent.last(where: { $0.subject == subject && $0.type == "issue.created" }) else {
            throw TurboError.invalidInput("no issue.created event for \(subject)")
        }
        return event.id
    }

    /// The `id` of an event message, without decoding the rest.
    static func eventID(_ text: String) -> Int64? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return nil
        }
        return (object["id"] as? NSNumber)?.int64Value
    }
}
