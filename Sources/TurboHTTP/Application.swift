import Foundation
public import Hummingbird
import HummingbirdWebSocket
public import Logging
import NIOCore
public import ServiceLifecycle
public import TurboCore
public import TurboServices
import TurboWebhooks

/// Everything the API is built from.
public struct APIConfiguration: Sendable {
    /// The store every route reads and writes.
    public var store: any TurboStore
    /// Maps a presented bearer secret to its token; nil when unknown or revoked.
    public var authenticate: @Sendable (String) async throws -> APIToken?
    /// Whether reads need a token too (the server listens beyond loopback).
    public var requireTokenForReads: Bool
    /// Worktree inspection and removal; nil when the server has no repository.
    public var worktrees: WorktreeService?
    /// Claiming and lease-fenced work for agents over REST; nil when the server has no repository.
    public var work: WorkService?
    /// Review decisions and the review list; nil when the server has no repository.
    public var review: ReviewService?
    /// The tail of the event log that WebSocket clients follow.
    public var feed: EventFeed
    /// Per-caller request budget; nil for none.
    public var rateLimit: RateLimit?
    /// Where requests are counted and the domain gauges are kept for `/metrics`.
    public var metrics: APIMetrics
    /// Adds routes served by other modules (MCP's `/mcp`), with the same middleware.
    public var extraRoutes: [@Sendable (Router<AppRequestContext>) -> Void] = []
    /// The dashboard's signed-in browsers (see ``DashboardSessions``).
    public var sessions = DashboardSessions()
    /// The pool's agents and their runs' streams, live (`turbocode up` attaches its pool; `serve` has none).
    public var runs = RunWatch()
    /// The merge queue running beside the API, for its current step (nil without a repository).
    public var mergeQueue: MergeQueue?

    /// `work` and `review` start nil, `extraRoutes` empty; without `feed`, a new ``EventFeed`` on `store`.
    public init(
        store: any TurboStore, authenticate: @escaping @Sendable (String) async throws -> APIToken?,
        requireTokenForReads: Bool, worktrees: WorktreeService? = nil, feed: EventFeed? = nil,
        rateLimit: RateLimit? = RateLimit(requestsPerSecond: 100), metrics: APIMetrics = APIMetrics()
    ) {
        self.store = store
        self.authenticate = authenticate
        self.requireTokenForReads = requireTokenForReads
        self.worktrees = worktrees
        self.feed = feed ?? EventFeed(store: store)
        self.rateLimit = rateLimit
        self.metrics = metrics
    }
}

/// The HTTP router: request ids, metrics and logs; errors as JSON; token authentication; the rate limit; the
/// routes under `/api/v1`; `/healthz` and `/metrics`.
public func buildRouter(_ configuration: APIConfiguration) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.addMiddleware {
        RequestObservationMiddleware(metrics: configuration.metrics, feed: configuration.feed)
        ErrorMiddleware()
        AuthMiddleware(authenticate: configuration.authenticate, sessions: configuration.sessions)
    }
    if let limit = configuration.rateLimit {
        router.addMiddleware { RateLimitMiddleware(limiter: RateLimiter(limit)) }
    }
    router.get("healthz") { _, _ in HTTPResponse.Status.ok }
    let open = AccessPolicy(.readOpenWriteAdmin, requireTokenForReads: configuration.requireTokenForReads)
    router.group("metrics").add(middleware: open).get { _, _ in
        let text = try await configuration.metrics.scrape(store: configuration.store, feed: configuration.feed)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    let api = router.group("api/v1")
    APIController(configuration: configuration).register(on: api.group().add(middleware: open))
    WebhookRoutes(service: WebhookService(store: configuration.store)).register(
        on: api.group().add(
            middleware: AccessPolicy(.admin, requireTokenForReads: configuration.requireTokenForReads)))
    AgentRoutes(store: configuration.store, work: configuration.work).register(
        on: api.group().add(
            middleware: AccessPolicy(.anyToken, requireTokenForReads: configuration.requireTokenForReads)))
    ReviewRoutes(store: configuration.store, review: configuration.review).register(
        on: api.group().add(middleware: open))
    LiveRoutes(store: configuration.store, runs: configuration.runs, mergeQueue: configuration.mergeQueue).register(
        on: api.group().add(middleware: open))
    EventSocket(configuration: configuration).registerPlainRequests(on: api)
    DashboardRoutes(configuration: configuration).register(on: router)
    for mount in configuration.extraRoutes { mount(router) }
    return router
}

/// The router that only WebSocket upgrade requests reach.
public func buildWebSocketRouter(_ configuration: APIConfiguration) -> Router<WebSocketContext> {
    let router = Router(context: WebSocketContext.self)
    router.addMiddleware { UpgradeRefusals.Recorder() }
    router.addMiddleware { ErrorMiddleware() }
    EventSocket(configuration: configuration).register(on: router)
    return router
}

/// The whole server: both routers on one listener, the event feed as a service that stops with the server.
public func buildApplication(
    _ configuration: APIConfiguration, address: BindAddress, logger: Logger, services: [any Service] = [],
    onServerRunning: @escaping @Sendable (Int?) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(configuration),
        server: .http1WebSocketUpgrade(
            webSocketRouter: buildWebSocketRouter(configuration),
            configuration: .init(
                http1: .init(additionalChannelHandlers: [ConnectionWatch(), UpgradeRefusals.Writer()]))),
        configuration: .init(address: address, serverName: "turbocode"),
        services: [EventFeedService(feed: configuration.feed)] + services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port) }, logger: logger)
}

/// Runs the feed for as long as the service group does.
struct EventFeedService: Service {
    let feed: EventFeed

    func run() async throws {
        await cancelWhenGracefulShutdown { await feed.run() }
    }
}
