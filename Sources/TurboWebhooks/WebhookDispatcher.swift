import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
public import TurboCore

#if canImport(Glibc)
    import Glibc
#endif

/// Delivers the event log to webhook endpoints: at least once, in event order per endpoint for first attempts,
/// retried on a schedule, signed per Standard Webhooks, only to addresses the SSRF guard allows.
///
/// The log is the outbox. Each endpoint has a cursor; new events past it become delivery rows and the cursor moves in
/// the same transaction, so a crash between an event's commit and its sending loses nothing (the rows, or the events
/// past the cursor, are still there after a restart) and a delivery that was sent but not recorded is sent again
/// with the same `webhook-id`.
///
/// Sending to an endpoint takes a claim on it in the store, renewed while the work goes on: coordinators sharing one
/// database never send the same delivery at once and never overtake each other on one endpoint. A claim left by a
/// coordinator that died lapses after ``claimTTL``. Each claimed endpoint gets its own worker, so a slow endpoint
/// holds up only itself.
public struct WebhookDispatcher: Sendable {
    /// Holds the event log, the endpoints, their cursors and claims, and the delivery rows.
    public let store: any TurboStore
    /// Where failed passes and delivery problems are logged.
    public let logger: Logger
    /// When failed deliveries are tried again.
    public var schedule: RetrySchedule
    /// How often the outbox is looked at when nothing wakes the dispatcher.
    public var pollInterval: Duration
    /// Endpoints served at once; each endpoint gets one delivery at a time, so a slow one delays only itself.
    public var parallelEndpoints: Int
    /// An endpoint failing for this long is disabled.
    public var giveUpAfter: Duration
    /// Finished deliveries are kept this long (at least 7 days), then deleted.
    public var keepDeliveries: Duration
    /// This dispatcher's name in endpoint claims.
    public let holder: String
    /// How long a claim lasts unless renewed; longer than one attempt can take (connect 5 s + response 15 s).
    public var claimTTL: Duration = .seconds(60)
    let wakeups = Wakeups()
    let state = DispatcherState()

    /// The shortest ``keepDeliveries``: 7 days.
    public static let minimumRetention: Duration = .seconds(7 * 86_400)

    /// Raises `parallelEndpoints` to at least 1 and `keepDeliveries` to at least ``minimumRetention``;
    /// `giveUpAfter` defaults to 5 days.
    public init(
        store: any TurboStore, logger: Logger, schedule: RetrySchedule = .standard,
        pollInterval: Duration = .milliseconds(250), parallelEndpoints: Int = 16,
        giveUpAfter: Duration = .seconds(432_000), keepDeliveries: Duration = minimumRetention
    ) {
        self.store = store
        self.logger = logger
        self.schedule = schedule
        self.pollInterval = pollInterval
        self.parallelEndpoints = max(1, parallelEndpoints)
        self.giveUpAfter = giveUpAfter
        self.keepDeliveries = max(keepDeliveries, Self.minimumRetention)
        self.holder = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Asks the running dispatcher to look now (new events committed).
    public func wake() { wakeups.wake() }

    /// Delivers until cancelled: each pass moves new events into the outbox and hands endpoints with work due to
    /// workers of their own, up to ``parallelEndpoints`` at a time, without waiting for them.
    public func run() async {
        do {
            try await releaseClaimsOfDeadProcesses()
        } catch {
            logger.warning("looking for claims left by dead coordinators failed", metadata: ["error": "\(error)"])
        }
        await withDiscardingTaskGroup { group in
            await wakeups.run(every: pollInterval, logging: "a webhook delivery pass", to: logger) {
                try await enqueue()
                try await pruneIfDue()
                let free = parallelEndpoints - (await state.busy)
                guard free > 0 else { return }
                for id in try await store.claimWebhooks(holder: holder, for: claimTTL, limit: free) {
                    await state.begin()
                    group.addTask {
                        _ = await self.work(id)
                        await self.state.end()
                        self.wake()  // more endpoints may be waiting for a free worker
                    }
                }
            }
        }
    }

    /// One pass that waits for its work: move new events into the outbox, then serve every endpoint with work due.
    /// Returns the attempts made.
    @discardableResult
    public func runOnce() async throws -> Int {
        let enabled = try await store.webhooks().filter(\.enabled)
        try await enqueue(enabled)
        try await pruneIfDue()
        // Without an enabled endpoint there is nothing to claim: no write transaction (a pass runs on every new
        // event, and each claim took the writer's turn from the API's writes).
        guard !enabled.isEmpty else { return 0 }
        let claimed = try await store.claimWebhooks(holder: holder, for: claimTTL, limit: parallelEndpoints)
        return await withTaskGroup(of: Int.self) { group in
            for id in claimed { group.addTask { await self.work(id) } }
            return await group.reduce(0, +)
        }
    }

    /// Moves events past each enabled endpoint's cursor into its outbox.
    public func enqueue() async throws {
        try await enqueue(try await store.webhooks().filter(\.enabled))
    }

    /// Moves events past the cursor of each of `enabled` into its outbox.
    func enqueue(_ enabled: [Webhook]) async throws {
        for webhook in enabled {
            var cursor = webhook.cursor
            while true {
                let events = try await store.events(after: cursor, limit: 500)
                guard let last = events.last else { break }
                // A test event goes only to the endpoint it was made for.
                let matching = events.filter { event in
                    event.type == EventType.webhookTest.rawValue
                        ? event.subject == webhook.id.lowercasedString : webhook.matches(event.type)
                }
                let added = try await store.enqueueDeliveries(
                    webhook: webhook.id, cursor: cursor, to: last.id, events: matching)
                if added == 0 && !matching.isEmpty { break }  // another coordinator moved this cursor
                cursor = last.id
                if events.count < 500 { break }
            }
        }
    }

    /// Releases claims held by coordinators on this machine whose process is gone (killed, crashed), so a restart
    /// delivers at once instead of after ``claimTTL``. Claims of other machines are left to lapse.
    public func releaseClaimsOfDeadProcesses() async throws {
        let host = ProcessInfo.processInfo.hostName
        for (id, holder) in try await store.webhookClaims() {
            let parts = holder.split(separator: ":")
            guard parts.count == 3, parts[0] == host, let pid = Int32(parts[1]), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try await store.releaseWebhookClaim(id, holder: holder)
                logger.notice("released a webhook claim of a dead coordinator", metadata: ["holder": "\(holder)"])
            }
        }
    }

    /// Deletes finished deliveries older than ``keepDeliveries``, at most once an hour.
    func pruneIfDue() async throws {
        guard await state.pruneDue(every: .seconds(3_600)) else { return }
        let pruned = try await store.pruneDeliveries(
            finishedBefore: Date().addingTimeInterval(-keepDeliveries.timeInterval))
        if pruned > 0 { logger.info("old webhook deliveries deleted", metadata: ["count": "\(pruned)"]) }
    }

    /// Serves one claimed endpoint until it has nothing due, an attempt fails, the claim is lost or the task is
    /// cancelled; then gives the claim back. Returns the attempts made.
    func work(_ id: UUID) async -> Int {
        var made = 0
        do {
            var renewed = ContinuousClock.now
            while !Task.isCancelled {
                let webhook = try await store.webhook(id)
                let due = try await store.dueDeliveries(webhook: id, limit: 100)
                guard webhook.enabled, !due.isEmpty else { break }
                let (attempts, goOn) = try await deliver(due, to: webhook) {
                    // Renewed well before it could lapse: an attempt takes at most 20 s.
                    guard ContinuousClock.now - renewed > claimTTL / 3 else { return true }
                    renewed = ContinuousClock.now
                    return try await store.renewWebhookClaim(id, holder: holder, for: claimTTL)
                }
                made += attempts
                if !goOn { break }
            }
        } catch TurboError.webhookNotFound {
            // Removed while it was being served: its deliveries went with it.
        } catch {
            logger.error("webhook delivery failed", metadata: ["webhook": "\(id)", "error": "\(error)"])
        }
        do {
            // Also when cancelled (shutting down): a successor should not wait for the claim to lapse.
            let (store, holder) = (store, holder)
            try await Task { try await store.releaseWebhookClaim(id, holder: holder) }.value
        } catch {
            logger.warning("releasing a webhook claim failed; it lapses", metadata: ["error": "\(error)"])
        }
        return made
    }

    /// Sends one endpoint's due deliveries in order; stops at the first failure so later events do not overtake it.
    /// `stillClaimed` is asked before each send. Returns the attempts made and whether to go on.
    func deliver(
        _ deliveries: [WebhookDelivery], to webhook: Webhook, stillClaimed: () async throws -> Bool = { true }
    ) async throws -> (attempts: Int, goOn: Bool) {
        let target: AddressGuard.Target
        do {
            target = try AddressGuard.check(webhook.url, allowPrivate: webhook.allowPrivate)
        } catch {
            for delivery in deliveries {
                _ = try await store.recordDeliveryAttempt(
                    delivery.id,
                    DeliveryAttempt(
                        succeeded: false, responseStatus: nil, responseBody: nil, error: "\(error)",
                        nextAttemptAt: nil, disableReason: nil))
            }
            return (deliveries.count, false)
        }
        // Connect to an address that was checked: DNS cannot point the connection elsewhere in between.
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(15)))
        if let address = target.addresses.first, !AddressGuard.isLiteral(target.host) {
            configuration.dnsOverride = [target.host: address.description]
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { client.shutdown { _ in } }
        var made = 0
        for delivery in deliveries {
            guard try await stillClaimed() else { return (made, false) }
            let attempt = await send(delivery, to: webhook, client: client)
            // Cancelled mid-send (shutting down): nothing is recorded, the delivery stays due and is sent again,
            // with the same webhook-id, by whoever runs next.
            if Task.isCancelled { return (made, false) }
            made += 1
            _ = try await store.recordDeliveryAttempt(delivery.id, attempt)
            if !attempt.succeeded || attempt.disableReason != nil { return (made, false) }
        }
        return (made, true)
    }

    /// One attempt.
    func send(_ delivery: WebhookDelivery, to webhook: Webhook, client: HTTPClient) async -> DeliveryAttempt {
        let now = Date()
        func failure(status: Int?, body: String?, error: String?, retryAfter: Duration?, disable: String? = nil)
            -> DeliveryAttempt
        {
            var generator = SystemRandomNumberGenerator()
            let wait =
                disable == nil
                ? schedule.delay(afterAttempt: delivery.attempts + 1, retryAfter: retryAfter, using: &generator) : nil
            var reason = disable
            if reason == nil, let since = webhook.failingSince, now.timeIntervalSince(since) > giveUpAfter.timeInterval
            {
                reason = "failing since \(since.formatted(.iso8601))"
            }
            return DeliveryAttempt(
                succeeded: false, responseStatus: status, responseBody: body, error: error,
                nextAttemptAt: reason == nil ? wait.map { now.addingTimeInterval($0.timeInterval) } : nil,
                disableReason: reason)
        }
        guard let event = try? await store.events(after: delivery.eventID - 1, limit: 1).first,
            event.id == delivery.eventID
        else {
            return DeliveryAttempt(
                succeeded: false, responseStatus: nil, responseBody: nil, error: "event \(delivery.eventID) is gone",
                nextAttemptAt: nil, disableReason: nil)
        }
        let body: Data
        do {
            body = try Self.body(event)
        } catch {
            return failure(status: nil, body: nil, error: "cannot encode the event: \(error)", retryAfter: nil)
        }
        let id = "msg_\(delivery.id.lowercasedString)"
        let timestamp = Int(now.timeIntervalSince1970)
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "turboCode-Webhooks/0.1")
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        do {
            request.headers.add(
                name: "webhook-signature",
                value: try StandardWebhooks.signatureHeader(
                    id: id, timestamp: timestamp, body: body, secrets: webhook.signingSecrets(at: now)))
        } catch {
            return failure(status: nil, body: nil, error: "\(error)", retryAfter: nil)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(15))
            let collected = try await response.body.collect(upTo: 64 << 10)
            let text = String(decoding: collected.readableBytesView.prefix(1_000), as: UTF8.self)
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                return DeliveryAttempt(
                    succeeded: true, responseStatus: status, responseBody: text, error: nil, nextAttemptAt: nil,
                    disableReason: nil)
            }
            if status == 410 {
                return failure(status: status, body: text, error: "410 Gone", retryAfter: nil, disable: "410 Gone")
            }
            let retryAfter = response.headers.first(name: "retry-after").flatMap(Int.init).map { Duration.seconds($0) }
            let error = (300..<400).contains(status) ? "redirects are not followed (\(status))" : "HTTP \(status)"
            return failure(status: status, body: text, error: error, retryAfter: retryAfter)
        } catch {
            return failure(status: nil, body: nil, error: "\(error)", retryAfter: nil)
        }
    }

    /// `{"id", "type", "timestamp", "data"}`.
    static func body(_ event: Event) throws -> Data {
        struct Body: Encodable {
            var id: Int64
            var type: String
            var timestamp: Date
            var data: JSONValue
        }
        return try JSONEncoder.turbo(pretty: false).encode(
            Body(id: event.id, type: event.type, timestamp: event.createdAt, data: event.payload))
    }
}

/// What the workers of one dispatcher share.
actor DispatcherState {
    private(set) var busy = 0
    private var lastPrune: ContinuousClock.Instant?

    func begin() { busy += 1 }
    func end() { busy -= 1 }

    /// True at most once per `interval`, the first time at once.
    func pruneDue(every interval: Duration) -> Bool {
        let now = ContinuousClock.now
        if let lastPrune, now - lastPrune < interval { return false }
        lastPrune = now
        return true
    }
}

extension AddressGuard {
    /// Whether `host` is an IP literal (no DNS involved).
    static func isLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
