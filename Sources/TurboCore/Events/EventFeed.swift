public import Foundation
public import Logging

/// Tails the event log once for the whole process and fans every new event out to its subscribers.
///
/// The log is the source of truth: the feed pages it by id (`events(after:limit:)`), so events written by any
/// process on the same database reach subscribers, in id order. It looks when woken (``wake()``: a local write,
/// a PostgreSQL notification) and at least every `pollInterval`.
///
/// Each subscriber has a bounded buffer of `capacity` events. One that falls further behind is dropped (its stream
/// ends and ``endReason(of:)`` says `.tooSlow`) instead of slowing the others; it reconnects with the last id it
/// saw and replays the rest from the log.
public actor EventFeed {
    /// An event as published: the row and its JSON document (``EventDocument``), encoded once for every subscriber.
    public struct Published: Sendable {
        /// The row from the log.
        public let event: Event
        /// One line of compact JSON.
        public let json: String
    }

    /// A subscriber's live events.
    public struct Subscription: Sendable {
        /// Names the subscription for ``EventFeed/unsubscribe(_:)`` and ``EventFeed/endReason(of:)``.
        public let id: UUID
        /// Every event with an id above ``position``, in id order, until the subscriber is dropped or the feed stops.
        public let events: AsyncStream<Published>
        /// The newest event id the feed had published when the subscription began: older events come from the log.
        public let position: Int64
    }

    /// Why a subscription's stream ended.
    public enum EndReason: Sendable, Hashable {
        /// Its buffer overflowed: the consumer was slower than the log.
        case tooSlow
        /// The feed stopped (the server is shutting down).
        case stopped
    }

    let store: any TurboStore
    let logger: Logger
    /// The longest wait between two looks at the log.
    public nonisolated let pollInterval: Duration
    /// Events buffered per subscriber before it counts as too slow.
    public nonisolated let capacity: Int
    /// Events read per query.
    let pageSize = 500

    /// The id of the newest event published; nil until first read.
    public private(set) var position: Int64?
    private var subscribers: [UUID: AsyncStream<Published>.Continuation] = [:]
    private var ended: [UUID: EndReason] = [:]
    private var isPolling = false
    private var pollAgain = false
    private var isStopped = false
    /// Subscribers dropped for being too slow since the feed began.
    public private(set) var droppedSubscribers = 0
    private nonisolated let wakeups = Wakeups()
    private var observers: [@Sendable () -> Void] = []

    /// A feed over `store`'s event log that looks at least every `pollInterval`; a `capacity` below 1 counts
    /// as 1. Call ``run()`` in a task to tail the log.
    public init(
        store: any TurboStore, pollInterval: Duration = .milliseconds(25), capacity: Int = 4096,
        logger: Logger = Logger(label: "turbocode.events")
    ) {
        self.store = store
        self.pollInterval = pollInterval
        self.capacity = max(1, capacity)
        self.logger = logger
    }

    /// The number of live subscribers.
    public var subscriberCount: Int { subscribers.count }

    /// Asks the running feed to look at the log now. Cheap; many calls coalesce into one look.
    public nonisolated func wake() { wakeups.wake() }

    /// Calls `observer` whenever the feed finds new events (for work that reads the log itself, like webhook
    /// delivery, and wants to look at once).
    public func onNewEvents(_ observer: @escaping @Sendable () -> Void) { observers.append(observer) }

    /// Starts a subscription at the feed's current position.
    public func subscribe() async throws -> Subscription {
        let position = try await currentPosition()
        let (stream, continuation) = AsyncStream<Published>.makeStream(bufferingPolicy: .bufferingOldest(capacity))
        let id = UUID()
        if isStopped {
            ended[id] = .stopped
            continuation.finish()
        } else {
            subscribers[id] = continuation
        }
        return Subscription(id: id, events: stream, position: position)
    }

    /// Ends a subscription; call it when the consumer goes away.
    public func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)?.finish()
        ended.removeValue(forKey: id)
    }

    /// Why the subscription's stream ended; nil while it is live (or after ``unsubscribe(_:)``).
    public func endReason(of id: UUID) -> EndReason? { ended[id] }

    /// Reads the log past the current position and publishes what it finds. Concurrent calls coalesce.
    public func poll() async throws {
        if isPolling {
            pollAgain = true
            return
        }
        isPolling = true
        defer { isPolling = false }
        repeat {
            pollAgain = false
            var after = try await currentPosition()
            if subscribers.isEmpty {
                // Nobody to publish to: only the position moves (observers read the log themselves), without reading
                // and decoding the events. A subscription made while this looked starts at `after`: read its events.
                let latest = try await store.latestEventID()
                if subscribers.isEmpty {
                    if latest > after {
                        position = latest
                        observers.forEach { $0() }
                    }
                    continue
                }
            }
            while true {
                let events = try await store.events(after: after, limit: pageSize)
                publish(events)
                if !events.isEmpty { observers.forEach { $0() } }
                guard let last = events.last else { break }
                after = last.id
                position = last.id
                if events.count < pageSize { break }
            }
        } while pollAgain
    }

    /// Tails the log until cancelled, then ends every subscription with `.stopped`.
    public func run() async {
        await wakeups.run(every: pollInterval, logging: "reading the event log", to: logger) { try await poll() }
        stop()
    }

    /// Ends every subscription with `.stopped`; later subscriptions end at once.
    public func stop() {
        isStopped = true
        for (id, continuation) in subscribers {
            ended[id] = .stopped
            continuation.finish()
        }
        subscribers.removeAll()
    }

    private func currentPosition() async throws -> Int64 {
        if let position { return position }
        let latest = try await store.latestEventID()
        // Another call may have set it while this one waited.
        if let position { return position }
        position = latest
        return latest
    }

    private func publish(_ events: [Event]) {
        guard !subscribers.isEmpty else { return }
        let encoder = JSONEncoder.turbo(pretty: false)
        let batch = events.compactMap { event -> Published? in
            do {
                let json = String(decoding: try encoder.encode(EventDocument(event: event)), as: UTF8.self)
                return Published(event: event, json: json)
            } catch {
                logger.error("cannot encode event \(event.id)", metadata: ["error": "\(error)"])
                return nil
            }
        }
        for published in batch {
            for (id, continuation) in subscribers {
                if case .dropped = continuation.yield(published) {
                    subscribers[id] = nil
                    ended[id] = .tooSlow
                    droppedSubscribers += 1
                    continuation.finish()
                }
            }
        }
    }
}
