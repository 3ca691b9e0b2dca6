import Foundation
import HTTPTypes
import Hummingbird
import Logging
public import Prometheus
import Synchronization
import TurboCore

/// The server's Prometheus metrics: HTTP traffic recorded per request, domain gauges read from the store at scrape.
public final class APIMetrics: Sendable {
    /// Holds every metric; `/metrics` renders it in the Prometheus text format.
    public let registry: PrometheusCollectorRegistry
    static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5),
    ]

    /// Each request's counter and histogram, by method, route and status: the registry's lookup (names built and
    /// help texts checked each time) was a measurable share of a short request.
    private let requestMetrics = Mutex<[String: (Counter, DurationHistogram)]>([:])

    /// Metrics in `registry`, a new one by default.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        let key = "\(method) \(route) \(status)"
        let (counter, histogram) = requestMetrics.withLock { cache in
            if let known = cache[key] { return known }
            let made = (
                registry.makeCounter(
                    descriptor: .init(
                        namespace: "turbocode", subsystem: "http", metricName: "requests", unitName: "total",
                        helpText: "HTTP requests answered, by method, route template and status."),
                    labels: [("method", method), ("route", route), ("status", String(status))]),
                registry.makeDurationHistogram(
                    descriptor: .init(
                        namespace: "turbocode", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                        helpText: "Time from request head to response, by method and route template."),
                    labels: [("method", method), ("route", route)], buckets: Self.durationBuckets)
            )
            cache[key] = made
            return made
        }
        counter.increment()
        histogram.record(duration)
    }

    func recordDroppedSubscriber() {
        registry.makeCounter(
            descriptor: .init(
                namespace: "turbocode", subsystem: "events", metricName: "subscribers_dropped", unitName: "total",
                helpText: "WebSocket clients closed for reading events slower than they were written.")
        )
        .increment()
    }

    func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(
            descriptor: .init(namespace: "turbocode", metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// Reads the domain gauges from the store and returns the whole exposition.
    func scrape(store: any TurboStore, feed: EventFeed) async throws -> String {
        for status in IssueStatus.allCases {
            let count = try await store.countIssues(IssueFilter(statuses: [status]))
            gauge("issues", "Issues by status.", labels: [("status", status.rawValue)]).set(Double(count))
        }
        let queue = try await store.queue(project: nil)
        gauge("queue_depth", "Issues that are ready and eligible to be claimed now.")
            .set(Double(queue.filter(\.isEligible).count))
        let active = try await store.activeWorkLogs()
        gauge("live_leases", "Issues with an open work log: claimed by an agent or a person and not yet ended.")
            .set(Double(active.count))
        let agents = Set(active.map(\.startedBy).filter { $0.hasPrefix("ai:") })
        gauge("agents", "Agents by status; an agent with an open work log is working.", labels: [("status", "working")])
            .set(Double(agents.count))
        gauge("open_conflicts", "Predicted merge conflicts between in-flight branches or with the base branch.")
            .set(Double(try await store.conflicts(project: nil).count))
        gauge("event_subscribers", "WebSocket clients following the event log.")
            .set(Double(await feed.subscriberCount))
        return registry.emitToString()
    }
}

/// The outermost middleware: gives every response an `X-Request-Id` (the id in the request's log metadata),
/// records HTTP metrics by route template, logs one line per request, and wakes the event feed after a successful
/// write so WebSocket clients see its events without waiting for the next poll.
struct RequestObservationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: APIMetrics
    let feed: EventFeed

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.requestID] = context.id
        if request.method != .get, request.method != .head, response.status.code < 400 { feed.wake() }
        let duration = ContinuousClock.now - start
        // The route template, never the raw path: label values must stay few.
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(
            method: request.method.rawValue, route: route, status: response.status.code, duration: duration)
        let level: Logger.Level = response.status.code >= 500 ? .error : .info
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        context.logger.log(
            level: level, "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                "duration_ms": "\((milliseconds * 1000).rounded() / 1000)",
            ])
        return response
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: a valid token, so the failable initializer cannot fail.
    static let requestID = Self("X-Request-Id") ?? .via
    /// `X-Total-Count`: the length of a list before its limit.
    static let totalCount = Self("X-Total-Count") ?? .via
    /// `X-Requested-With`: what the dashboard's own changes carry (see `AuthMiddleware`).
    static let requestedWith = Self("X-Requested-With") ?? .via
    /// `Content-Security-Policy`.
    static let contentSecurityPolicy = Self("Content-Security-Policy") ?? .via
    /// `X-Content-Type-Options`.
    static let contentTypeOptions = Self("X-Content-Type-Options") ?? .via
    /// `Referrer-Policy`.
    static let referrerPolicy = Self("Referrer-Policy") ?? .via
    /// `X-Frame-Options`.
    static let frameOptions = Self("X-Frame-Options") ?? .via
}
