import BenchSupport
import Foundation
import Hummingbird
import Logging
import Synchronization
import TurboApp
import TurboCore
import TurboServices
import TurboWebhooks

/// Webhook benchmark: how many events per second reach one fast local receiver, and how long an event takes from its
/// commit to the receiver's first request (first-attempt latency), with the dispatcher set up as `turbocode serve`
/// runs it (100 ms poll, woken by the event feed, which polls the log every 25 ms). The receiver is a Hummingbird
/// server on loopback in the same process that answers 204. Prints figures; asserts nothing.
///
///     swift run -c release turbocode-webhook-bench [--events 2000] [--samples 200] [--database URL]
@main
struct WebhookBench {
    struct Options {
        var events = 2_000
        var samples = 200
        var database: DatabaseURL?
    }

    static func main() async {
        do {
            try await benchmark(try parse(Array(CommandLine.arguments.dropFirst())))
        } catch {
            FileHandle.standardError.write(Data("turbocode-webhook-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard let value = iterator.next() else { throw TurboError.invalidInput("\(argument) needs a value") }
            switch argument {
            case "--database": options.database = try DatabaseURL(parsing: value)
            case "--events", "--samples":
                guard let number = Int(value), number > 0 else {
                    throw TurboError.invalidInput("\(argument) needs a positive whole number")
                }
                if argument == "--events" { options.events = number } else { options.samples = number }
            default: throw TurboError.invalidInput("unknown option \(argument)")
            }
        }
        return options
    }

    static func benchmark(_ options: Options) async throws {
        let logger = {
            var logger = Logger(label: "turbocode.webhook-bench")
            logger.logLevel = .error
            return logger
        }()
        #if DEBUG
            print("note: debug build; use `swift run -c release turbocode-webhook-bench` for representative figures")
        #endif
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-wh-bench-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = options.database ?? .sqlite(path: directory.appendingPathComponent("bench.db").path)
        print("turboCode webhook benchmark on \(database.description.hasPrefix("sqlite") ? "SQLite" : "PostgreSQL")")

        let arrivals = Arrivals()
        let router = Router()
        router.post("hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            if let id = (object?["id"] as? NSNumber)?.int64Value { arrivals.record(id) }
            return .noContent
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let receiver = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() }))

        try await TurboApp.withStore(database, logger: logger) { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await receiver.run() }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next(), port > 0 else {
                    throw TurboError.invalidInput("the receiver did not start")
                }
                let key = try ProjectKey("WB\(Int.random(in: 1_000...9_999))")
                let project = try await store.createProject(NewProject(key: key, name: "Webhook bench"))
                let webhook = try await WebhookService(store: store).add(
                    url: "http://127.0.0.1:\(port)/hook", events: ["issue.*"], description: "bench",
                    allowPrivate: true)
                try await latency(store: store, project: project, arrivals: arrivals, options: options, logger: logger)
                try await throughput(
                    store: store, project: project, arrivals: arrivals, options: options, logger: logger)
                try await store.deleteWebhook(webhook.id)
                group.cancelAll()
            }
        }
    }

    /// The dispatcher and the event feed wired as `serve` wires them.
    static func running(store: any TurboStore, logger: Logger) async -> (
        WebhookDispatcher, EventFeed, Task<Void, Never>
    ) {
        let dispatcher = WebhookDispatcher(store: store, logger: logger, pollInterval: .milliseconds(100))
        let feed = EventFeed(store: store, pollInterval: .milliseconds(25), logger: logger)
        await feed.onNewEvents { dispatcher.wake() }
        let task = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await dispatcher.run() }
                group.addTask { await feed.run() }
            }
        }
        return (dispatcher, feed, task)
    }

    static func latency(
        store: any TurboStore, project: Project, arrivals: Arrivals, options: Options, logger: Logger
    ) async throws {
        let (_, feed, task) = await running(store: store, logger: logger)
        defer { task.cancel() }
        print("")
        print("first-attempt latency, commit → receiver       samples    p50 ms    p90 ms    p99 ms    max ms")
        // One event first, so start-up is not measured.
        _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Warm-up"))
        _ = await arrivals.wait(for: try await store.latestEventID())
        for (name, wake) in [("written through serve (feed woken)", true), ("written by another process", false)] {
            var samples: [Duration] = []
            for index in 0..<options.samples {
                let started = ContinuousClock.now
                _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Latency \(index)"))
                let id = try await store.latestEventID()
                if wake { feed.wake() }
                guard let arrived = await arrivals.wait(for: id) else {
                    throw TurboError.invalidInput("event \(id) never arrived")
                }
                samples.append(arrived - started)
                // Spread the commits over the poll cycle instead of landing right after each delivery.
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...40)))
            }
            let sorted = samples.sorted()
            print(
                name.padding(toLength: 44, withPad: " ", startingAt: 0) + Figures.pad(sorted.count, 10)
                    + Figures.pad(Figures.milliseconds(Figures.percentile(sorted, 0.5)), 10)
                    + Figures.pad(Figures.milliseconds(Figures.percentile(sorted, 0.9)), 10)
                    + Figures.pad(Figures.milliseconds(Figures.percentile(sorted, 0.99)), 10)
                    + Figures.pad(Figures.milliseconds(sorted.last ?? .zero), 10))
        }
    }

    static func throughput(
        store: any TurboStore, project: Project, arrivals: Arrivals, options: Options, logger: Logger
    ) async throws {
        // The backlog is written while no dispatcher runs, then drained: sending only, not writing.
        for index in 0..<options.events {
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Backlog \(index)"))
        }
        let last = try await store.latestEventID()
        let started = ContinuousClock.now
        let (_, _, task) = await running(store: store, logger: logger)
        defer { task.cancel() }
        guard let finished = await arrivals.wait(for: last, timeout: .seconds(600)) else {
            throw TurboError.invalidInput("the backlog was not delivered within 10 minutes")
        }
        let elapsed = finished - started
        print("")
        let elapsedSeconds = Figures.seconds(elapsed)
        print(
            "throughput to one receiver: \(options.events) events in \(String(format: "%.2f", elapsedSeconds)) s = "
                + "\(Int(Double(options.events) / elapsedSeconds)) events/s (each attempt signed, sent, recorded)")
    }
}

/// When each event id reached the receiver; waiters are told when theirs arrives.
final class Arrivals: Sendable {
    private let state = Mutex<
        (
            arrived: [Int64: ContinuousClock.Instant],
            waiting: [Int64: [CheckedContinuation<ContinuousClock.Instant?, Never>]]
        )
    >(([:], [:]))

    func record(_ id: Int64) {
        let now = ContinuousClock.now
        let waiters = state.withLock { state in
            if state.arrived[id] == nil { state.arrived[id] = now }
            return state.waiting.removeValue(forKey: id) ?? []
        }
        waiters.forEach { $0.resume(returning: now) }
    }

    /// When `id` arrived (first time); nil after `timeout`.
    func wait(for id: Int64, timeout: Duration = .seconds(30)) async -> ContinuousClock.Instant? {
        await withTaskGroup(of: ContinuousClock.Instant?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let done = self.state.withLock { state -> ContinuousClock.Instant? in
                        if let at = state.arrived[id] { return at }
                        state.waiting[id, default: []].append(continuation)
                        return nil
                    }
                    if let done { continuation.resume(returning: done) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if first == nil { self.giveUp(id) }
            return first
        }
    }

    /// Resumes whoever still waits for `id`, with nil.
    private func giveUp(_ id: Int64) {
        let waiters = state.withLock { $0.waiting.removeValue(forKey: id) ?? [] }
        waiters.forEach { $0.resume(returning: nil) }
    }
}
