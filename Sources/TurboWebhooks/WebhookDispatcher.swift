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
public struct WebhookDispatcher: Sendable {
    public let store: any TurboStore
    public let logger: Logger
    public var schedule: RetrySchedule
    /// How often the outbox is looked at when nothing wakes the dispatcher.
    public var pollInterval: Duration
    /// Endpoints served at once; each endpoint gets one delivery at a time, so a slow one delays only itself.
    public var parallelEndpoints: Int
    /// An endpoint failing for this long is disabled.
    public var giveUpAfter: Duration
    let wakeups = Wakeups()

    public init(
        store: any TurboStore, logger: Logger, schedule: RetrySchedule = .standard,
        pollInterval: Duration = .milliseconds(250), parallelEndpoints: Int = 16,
        giveUpAfter: Duration = .seconds(432_000)
    ) {
        self.store = store
        self.logger = logger
        self.schedule = schedule
        self.pollInterval = pollInterval
        self.parallelEndpoints = max(1, parallelEndpoints)
        self.giveUpAfter = giveUpAfter
    }

    /// Asks the running dispatcher to look now (new events committed).
    public func wake() { wakeups.wake() }

    /// Delivers until cancelled.
    public func run() async {
        await wakeups.run(every: pollInterval, logging: "a webhook delivery pass", to: logger) { try await runOnce() }
    }

    /// One pass: move new events into the outbox, then send what is due. Returns the attempts made.
    @discardableResult
    public func runOnce() async throws -> Int {
        try await enqueue()
        let due = try await store.dueDeliveries(limit: 500)
        guard !due.isEmpty else { return 0 }
        let webhooks = Dictionary(uniqueKeysWithValues: try await store.webhooks().map { ($0.id, $0) })
        // Per endpoint in event order; endpoints side by side, a bounded number at a time.
        var byEndpoint: [UUID: [WebhookDelivery]] = [:]
        for delivery in due { byEndpoint[delivery.webhookID, default: []].append(delivery) }
        let batches = byEndpoint.compactMap { id, deliveries in webhooks[id].map { ($0, deliveries) } }
        return await withTaskGroup(of: Int.self) { group in
            var next = 0
            var attempts = 0
            func startNext() {
                guard next < batches.count else { return }
                let (webhook, deliveries) = batches[next]
                next += 1
                group.addTask { await self.deliver(deliveries, to: webhook) }
            }
            for _ in 0..<min(parallelEndpoints, batches.count) { startNext() }
            while let made = await group.next() {
                attempts += made
                startNext()
            }
            return attempts
        }
    }

    /// Moves events past each enabled endpoint's cursor into its outbox.
    public func enqueue() async throws {
        for webhook in try await store.webhooks() where webhook.enabled {
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

    /// Sends one endpoint's due deliveries in order; stops at the first failure so later events do not overtake it.
    func deliver(_ deliveries: [WebhookDelivery], to webhook: Webhook) async -> Int {
        let target: AddressGuard.Target
        do {
            target = try AddressGuard.check(webhook.url, allowPrivate: webhook.allowPrivate)
        } catch {
            for delivery in deliveries {
                _ = try? await store.recordDeliveryAttempt(
                    delivery.id,
                    DeliveryAttempt(
                        succeeded: false, responseStatus: nil, responseBody: nil, error: "\(error)",
                        nextAttemptAt: nil, disableReason: nil))
            }
            return deliveries.count
        }
        // Connect to an address that was checked: DNS cannot point the connection elsewhere in between.
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(15)))
        if let address = target.addresses.first, !AddressGuard.isLiteral(target.host) {
            configuration.dnsOverride = [target.host: address.description]
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var made = 0
        for delivery in deliveries {
            made += 1
            let attempt = await send(delivery, to: webhook, client: client)
            do {
                _ = try await store.recordDeliveryAttempt(delivery.id, attempt)
            } catch {
                logger.error("recording a webhook attempt failed", metadata: ["error": "\(error)"])
                break
            }
            if !attempt.succeeded || attempt.disableReason != nil { break }
        }
        try? await client.shutdown()
        return made
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

extension AddressGuard {
    /// Whether `host` is an IP literal (no DNS involved).
    static func isLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
