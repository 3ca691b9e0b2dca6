import Foundation
public import Hummingbird
public import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import TurboCore

/// The request context of WebSocket upgrades.
public struct WebSocketContext: RequestContext, WebSocketRequestContext {
    /// Hummingbird's per-request storage (request id, logger, matched route).
    public var coreContext: CoreRequestContextStorage
    /// Hummingbird's handle for the upgraded connection.
    public let webSocket: WebSocketHandlerReference<Self>
    /// The connection the upgrade request came on (a refusal's answer is written there: ``UpgradeRefusals``).
    let channel: any Channel

    /// A context for one upgrade request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }
}

/// `GET /api/v1/events/ws?after=ID`: every event after `ID` from the log, then every new one as it commits, one JSON
/// text message each. Without `after` it starts with the next event. Reconnecting with the last id seen misses
/// nothing and repeats nothing, because events commit in id order and the stream skips ids it has sent.
struct EventSocket: Sendable {
    let configuration: APIConfiguration
    /// Close code for a client that fell too far behind: "try again later".
    static let tooSlow = WebSocketErrorCode.unknown(1013)

    enum Ending: Sendable {
        case clientLeft, writeFailed, feedEnded
    }

    func register(on router: Router<WebSocketContext>) {
        router.ws("api/v1/events/ws", shouldUpgrade: shouldUpgrade, onUpgrade: stream)
    }

    /// The same path on the HTTP router, which requests without `Upgrade: websocket` reach: the checks of the upgrade
    /// answered as JSON errors (401, 400), else 426 saying how to connect. A refused upgrade gets the same errors
    /// (``UpgradeRefusals``).
    func registerPlainRequests(on api: RouterGroup<AppRequestContext>) {
        api.get("events/ws") { request, _ -> Response in
            try await check(request)
            throw APIError(
                .upgradeRequired, code: "upgrade_required",
                message:
                    "this is a WebSocket: connect with 'Upgrade: websocket' (ws://<host>/api/v1/events/ws?after=<id>)")
        }
    }

    /// Authenticates (header or `?token=`, since browsers cannot set headers on a WebSocket) and checks `after`
    /// before upgrading.
    @Sendable func shouldUpgrade(_ request: Request, context: WebSocketContext) async throws -> RouterShouldUpgrade {
        try await check(request)
        return .upgrade([:])
    }

    /// The token (unknown or revoked: 401; missing where reads need one: 401) and `after` (not an event id: 400).
    func check(_ request: Request) async throws {
        var presented: String? =
            if let header = request.headers[.authorization] {
                header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
            } else {
                request.uri.queryParameters.get("token")
            }
        // The dashboard's session, from a page of this server (a WebSocket is not bound by CORS: the Origin is
        // checked; the SameSite=Strict cookie is not sent from other sites anyway).
        if presented == nil, let id = request.cookies[DashboardSessions.cookie]?.value,
            let secret = await configuration.sessions.secret(of: id)
        {
            let origin = request.headers[.origin].flatMap { URL(string: $0)?.host }
            let host = request.head.authority.map { String($0.split(separator: ":").first ?? "") }
            guard origin != nil, origin == host else {
                throw APIError(
                    .forbidden, code: "forbidden", message: "the dashboard's session works from its own pages")
            }
            presented = secret
        }
        if let presented {
            guard try await configuration.authenticate(presented) != nil else {
                throw APIError(.unauthorized, code: "unauthorized", message: "unknown or revoked token")
            }
        } else if configuration.requireTokenForReads {
            throw APIError(
                .unauthorized, code: "unauthorized",
                message: "this call needs 'Authorization: Bearer <token>' or '?token=<token>'")
        }
        _ = try Self.after(request)
    }

    static func after(_ request: Request) throws -> Int64? {
        guard let text = request.uri.queryParameters.get("after") else { return nil }
        guard let id = Int64(text), id >= 0 else {
            throw APIError(.badRequest, code: "malformed_request", message: "'after' must be an event id (0 or more)")
        }
        return id
    }

    @Sendable func stream(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        context: WebSocketRouterContext<WebSocketContext>
    ) async throws {
        let feed = configuration.feed
        let store = configuration.store
        let subscription = try await feed.subscribe()
        let start = (try? Self.after(context.request)) ?? nil
        let ending = await withTaskGroup(of: Ending.self) { group in
            group.addTask {
                // Drains what the client sends (nothing is expected); ends when it closes.
                _ = try? await inbound.messages(maxSize: 1 << 16).reduce(0) { count, _ in count + 1 }
                return .clientLeft
            }
            group.addTask {
                let encoder = JSONEncoder.turbo(pretty: false)
                var cursor = start ?? subscription.position
                do {
                    // Replay from the log up to where the live stream begins; the stream covers the rest.
                    while cursor < subscription.position {
                        let page = try await store.events(after: cursor, limit: 500)
                        for event in page {
                            try await outbound.write(.text(try Self.text(event, encoder)))
                            cursor = event.id
                        }
                        if page.count < 500 { break }
                    }
                    for await published in subscription.events where published.event.id > cursor {
                        try await outbound.write(.text(published.json))
                        cursor = published.event.id
                    }
                } catch {
                    return .writeFailed
                }
                // The feed ended this subscription. Close from here: the client answers the close, which ends the
                // reader above; waiting for the reader first would wait for a client that waits for us.
                switch await feed.endReason(of: subscription.id) {
                case .tooSlow:
                    configuration.metrics.recordDroppedSubscriber()
                    context.logger.notice("closing a WebSocket client that fell behind the event log")
                    try? await outbound.close(Self.tooSlow, reason: "too slow; reconnect with ?after=<last id seen>")
                case .stopped, nil:
                    try? await outbound.close(.goingAway, reason: "server shutting down")
                }
                return .feedEnded
            }
            // Whichever ends first (the client left, a write failed, or the feed ended and the close went out),
            // the other has nothing left to do.
            let first = await group.next() ?? .clientLeft
            group.cancelAll()
            return first
        }
        await feed.unsubscribe(subscription.id)
        context.logger.debug("event stream ended", metadata: ["ending": "\(ending)"])
    }

    static func text(_ event: Event, _ encoder: JSONEncoder) throws -> String {
        String(decoding: try encoder.encode(EventDocument(event: event)), as: UTF8.self)
    }
}
