import Foundation
import Logging
import Testing
import TurboCore
import TurboSQL
import TurboSQLite
import TurboWebhooks

/// A Python receiver process (Tests/webhooks/receiver.py) on a loopback port, logging every request.
final class Receiver: @unchecked Sendable {
    static var python: String? { ProcessInfo.processInfo.environment["TURBOCODE_TEST_PYTHON"] }
    static var enabled: Bool {
        python != nil || ProcessInfo.processInfo.environment["TURBOCODE_REQUIRE_PYTHON"] == "1"
    }
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("webhooks/receiver.py").path
    }

    let process = Process()
    let directory: URL
    let port: Int
    var log: URL { directory.appendingPathComponent("log.jsonl") }
    var url: String { "http://127.0.0.1:\(port)/hook" }

    init(failFirst: Int = 0, failStatus: Int = 500, location: String? = nil, delay: Double = 0) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rcv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let portFile = directory.appendingPathComponent("port")
        let log = directory.appendingPathComponent("log.jsonl")
        process.executableURL = URL(fileURLWithPath: try #require(Self.python, "run through scripts/test.sh"))
        process.arguments =
            [
                Self.script, "serve", "--port-file", portFile.path, "--log", log.path, "--fail-first",
                String(failFirst),
                "--fail-status", String(failStatus), "--delay", String(delay),
            ] + (location.map { ["--location", $0] } ?? [])
        try process.run()
        var port: Int?
        for _ in 0..<500 where port == nil {
            port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        self.port = try #require(port, "the receiver did not start")
    }

    /// The logged requests: headers and body.
    func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Checks every logged signature with the reference implementation; returns how many passed.
    func verified(secret: String) throws -> Int {
        let verify = Process()
        verify.executableURL = process.executableURL
        verify.arguments = [Self.script, "verify", "--log", log.path, "--secret", secret]
        let output = directory.appendingPathComponent("verify.out")
        #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
        let handle = try FileHandle(forWritingTo: output)
        verify.standardOutput = handle
        verify.standardError = handle
        try verify.run()
        verify.waitUntilExit()
        try handle.close()
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(verify.terminationStatus == 0, "\(text)")
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    func stop() {
        // SIGKILL: a child of the test process may have inherited an ignored SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Delivery from the outbox to real receivers on loopback: signatures, retries with one webhook-id, fan-out to
/// several endpoints, 410, recovery after a crash, SSRF refusal at send time.
@Suite(.timeLimit(.minutes(2)), .enabled(if: Receiver.enabled, "needs TURBOCODE_TEST_PYTHON (scripts/test.sh)"))
struct DeliveryTests {
    static let fast = RetrySchedule(delays: Array(repeating: .milliseconds(20), count: 7), jitter: 0)

    static func withStore(_ body: @Sendable (SQLiteStore) async throws -> Void) async throws {
        try await withStores(1) { try await body($0[0]) }
    }

    /// `count` handles on one database file, as that many processes would have.
    static func withStores(_ count: Int, _ body: @Sendable ([SQLiteStore]) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("turbocode.db").path
        var stores: [SQLiteStore] = []
        for _ in 0..<count { stores.append(try SQLiteStore(path: path)) }
        try await body(stores)
        for store in stores { try await store.close() }
    }

    static func webhook(_ store: any TurboStore, _ url: String, events: [String] = []) async throws -> Webhook {
        try await store.createWebhook(
            NewWebhook(
                url: url, events: events, description: nil, secret: StandardWebhooks.newSecret(), allowPrivate: true))
    }

    /// Runs passes until `done` holds (bounded).
    static func drive(_ dispatcher: WebhookDispatcher, until done: () async throws -> Bool) async throws {
        for _ in 0..<300 {
            try await dispatcher.runOnce()
            if try await done() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Testing.Issue.record("delivery did not finish")
    }

    @Test func retriesKeepTheWebhookIDAndEveryEndpointGetsItsEvents() async throws {
        let flaky = try await Receiver(failFirst: 2)
        let steady = try await Receiver()
        let gone = try await Receiver(failFirst: 1_000, failStatus: 410)
        defer { [flaky, steady, gone].forEach { $0.stop() } }
        try await Self.withStore { store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("WH"), name: "Hooks"))
            // Events before a subscription exists are not its business.
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Before"))
            let a = try await Self.webhook(store, flaky.url, events: ["issue.*"])
            let b = try await Self.webhook(store, steady.url, events: ["issue.created"])
            let c = try await Self.webhook(store, gone.url)
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "After", status: .ready))

            let dispatcher = WebhookDispatcher(store: store, logger: Logger(label: "test"), schedule: Self.fast)
            try await Self.drive(dispatcher) {
                let cEnabled = try await store.webhook(c.id).enabled
                return flaky.requests().count == 4 && steady.requests().count == 1 && !cEnabled
            }
            // issue.created then issue.ready to A: the first needed three attempts with one webhook-id.
            let attempts = flaky.requests()
            let ids = attempts.map { ($0["headers"] as? [String: String])?["webhook-id"] ?? "" }
            #expect(ids[0] == ids[1] && ids[1] == ids[2] && ids[2] != ids[3] && ids[0].hasPrefix("msg_"))
            #expect(attempts.map { $0["answered"] as? Int } == [500, 500, 204, 204])
            let bodies = attempts.compactMap {
                try? JSONSerialization.jsonObject(with: Data(($0["body"] as? String ?? "").utf8)) as? [String: Any]
            }
            #expect(
                bodies.map { $0["type"] as? String } == [
                    "issue.created", "issue.created", "issue.created", "issue.ready",
                ])
            #expect(((bodies.first?["data"] as? [String: Any])?["key"] as? String) == "WH-2")
            #expect(try flaky.verified(secret: a.secret) == 4)
            #expect(try steady.verified(secret: b.secret) == 1)
            let headers = steady.requests().first?["headers"] as? [String: String]
            #expect(
                headers?["content-type"] == "application/json" && headers?["user-agent"]?.hasPrefix("turboCode") == true
            )

            // 410 disabled C after one attempt, with an event saying so; nothing more goes there.
            #expect(gone.requests().count == 1)
            let disabled = try await store.webhook(c.id)
            #expect(disabled.disabledReason == "410 Gone")
            #expect(try await store.events(after: 0, limit: 100).contains { $0.type == "webhook.disabled" })
            let log = try await store.deliveries(webhook: a.id, limit: 10)
            #expect(log.map(\.status) == [.succeeded, .succeeded] && log.last?.attempts == 3)
            #expect(log.last?.responseStatus == 204 && log.last?.error == nil)
        }
    }

    @Test func eventsCommittedWhileNoDispatcherRunsAreDeliveredByTheNextOne() async throws {
        let receiver = try await Receiver()
        defer { receiver.stop() }
        try await Self.withStore { store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("WH"), name: "Hooks"))
            let hook = try await Self.webhook(store, receiver.url)
            // A dispatcher enqueues and "crashes" before sending: the rows are there for its successor.
            let first = WebhookDispatcher(store: store, logger: Logger(label: "test"), schedule: Self.fast)
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "One"))
            try await first.enqueue()
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Two"))
            let second = WebhookDispatcher(store: store, logger: Logger(label: "test"), schedule: Self.fast)
            try await Self.drive(second) { receiver.requests().count == 2 }
            let redelivered = try await store.redeliver(
                try #require(try await store.deliveries(webhook: hook.id, limit: 1).first).id)
            try await Self.drive(second) { receiver.requests().count == 3 }
            let ids = receiver.requests().map { ($0["headers"] as? [String: String])?["webhook-id"] }
            #expect(ids[2] == "msg_\(redelivered.id.lowercasedString)" && ids[1] == ids[2])
        }
    }

    @Test func aRedirectIsAFailureAndIsNotFollowed() async throws {
        let target = try await Receiver()
        let redirecting = try await Receiver(failFirst: 1_000, failStatus: 307, location: target.url)
        defer { [target, redirecting].forEach { $0.stop() } }
        try await Self.withStore { store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("WH"), name: "Hooks"))
            let hook = try await Self.webhook(store, redirecting.url)
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Moved"))
            let dispatcher = WebhookDispatcher(store: store, logger: Logger(label: "test"), schedule: Self.fast)
            try await Self.drive(dispatcher) { redirecting.requests().count >= 2 }
            let delivery = try #require(try await store.deliveries(webhook: hook.id, limit: 1).first)
            #expect(delivery.responseStatus == 307 && delivery.error?.contains("redirects are not followed") == true)
            #expect(target.requests().isEmpty, "the redirect target was never contacted")
        }
    }

    /// A claim left by a coordinator on this machine whose process is gone is released at start, not after 60 s.
    @Test func claimsOfDeadCoordinatorsOnThisMachineAreReleased() async throws {
        try await Self.withStore { store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("WH"), name: "Hooks"))
            let hook = try await Self.webhook(store, "http://127.0.0.1:9/hook")
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Pending"))
            let dispatcher = WebhookDispatcher(store: store, logger: Logger(label: "test"), schedule: Self.fast)
            try await dispatcher.enqueue()
            let host = ProcessInfo.processInfo.hostName
            let dead = "\(host):4194303:deadbeef"
            #expect(try await store.claimWebhooks(holder: dead, for: .seconds(60), limit: 1) == [hook.id])
            try await dispatcher.releaseClaimsOfDeadProcesses()
            #expect(try await store.webhookClaims().isEmpty)
            // Another machine's claim, or a live process's, is left alone.
            let elsewhere = "other-host:1:cafebabe"
            #expect(try await store.claimWebhooks(holder: elsewhere, for: .seconds(60), limit: 1) == [hook.id])
            try await dispatcher.releaseClaimsOfDeadProcesses()
            #expect(try await store.webhookClaims() == [hook.id: elsewhere])
        }
    }

    @Test func aDestinationThatTurnsPrivateIsRefusedAtSendTime() async throws {
        try await Self.withStore { store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("WH"), name: "Hooks"))
            let hook = try await store.createWebhook(
                NewWebhook(
                    url: "http://127.0.0.1:9/hook", events: [], description: nil, secret: StandardWebhooks.newSecret(),
                    allowPrivate: false))
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Secret"))
            let dispatcher = WebhookDispatcher(store: store, logger: Logger(label: "test"), schedule: Self.fast)
            try await dispatcher.runOnce()
            let delivery = try #require(try await store.deliveries(webhook: hook.id, limit: 1).first)
            #expect(delivery.status == .failed && delivery.error?.contains("loopback") == true)
        }
    }

    /// Two coordinators on one database (two store handles, as two processes would have): each event reaches the
    /// endpoint once, in event order.
    @Test func twoCoordinatorsSendEachEventOnceInOrder() async throws {
        let receiver = try await Receiver()
        defer { receiver.stop() }
        try await Self.withStores(2) { stores in
            let store = stores[0]
            let project = try await store.createProject(NewProject(key: try ProjectKey("WH"), name: "Hooks"))
            _ = try await Self.webhook(store, receiver.url)
            let dispatchers = stores.map {
                WebhookDispatcher(
                    store: $0, logger: Logger(label: "test"), schedule: Self.fast, pollInterval: .milliseconds(5))
            }
            let running = dispatchers.map { dispatcher in Task { await dispatcher.run() } }
            for n in 1...40 {
                _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Issue \(n)"))
                if n.isMultiple(of: 7) { dispatchers[n % 2].wake() }
            }
            for _ in 0..<400 where receiver.requests().count < 40 { try await Task.sleep(for: .milliseconds(25)) }
            // Both keep polling a while longer: a second copy of anything would show up now.
            try await Task.sleep(for: .milliseconds(300))
            running.forEach { $0.cancel() }
            for task in running { await task.value }
            let events = receiver.requests().compactMap {
                (try? JSONSerialization.jsonObject(with: Data(($0["body"] as? String ?? "").utf8)) as? [String: Any])?[
                    "id"] as? Int
            }
            #expect(events.count == 40, "each event once")
            #expect(events == events.sorted() && Set(events).count == events.count, "in event order")
        }
    }

    /// An endpoint that takes seconds to answer holds up only itself.
    @Test func aSlowEndpointDoesNotHoldUpTheOthers() async throws {
        let slow = try await Receiver(delay: 5)
        let fast = try await Receiver()
        defer { [slow, fast].forEach { $0.stop() } }
        try await Self.withStore { store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("WH"), name: "Hooks"))
            _ = try await Self.webhook(store, slow.url)
            _ = try await Self.webhook(store, fast.url)
            let dispatcher = WebhookDispatcher(
                store: store, logger: Logger(label: "test"), schedule: Self.fast, pollInterval: .milliseconds(10))
            let running = Task { await dispatcher.run() }
            for n in 1...3 {
                _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Issue \(n)"))
                // One at a time, so each needs a pass of its own while the slow endpoint is still busy.
                for _ in 0..<200 where fast.requests().count < n { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(fast.requests().count == 3)
            // Served one at a time, the slow endpoint (5 s each) cannot have taken all three by now (on a loaded
            // machine it may have moved on to its second).
            #expect(slow.requests().count < 3, "still busy with its first events")
            running.cancel()
            await running.value
        }
    }
}
