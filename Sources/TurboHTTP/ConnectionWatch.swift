import NIOCore
import Synchronization
import TurboServices

/// Tells a request handler when its client closes its end of the connection.
///
/// Hummingbird's server allows half-closed connections, so a client that gives up on a request (closes its socket)
/// shows as `ChannelEvent.inputClosed` while the handler still runs; the channel itself stays open until the answer
/// is written. One of these sits in every HTTP/1 connection's pipeline and keeps, per connection, the presence of the
/// request being answered (HTTP/1 answers one at a time), which it marks as left when the input closes. Watching
/// costs a lock and a dictionary lookup; unlike reading the connection's inbound stream from the handler, it keeps
/// the connection alive for the next request.
final class ConnectionWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    /// What one connection's handler and its requests share.
    final class Connection: Sendable {
        private let state = Mutex<(inputClosed: Bool, watching: ClientPresence?)>((false, nil))

        func inputClosed() {
            let watching = state.withLock { state in
                state.inputClosed = true
                return state.watching
            }
            watching?.leave()
        }

        func watch(_ presence: ClientPresence) {
            let closed = state.withLock { state in
                state.watching = presence
                return state.inputClosed
            }
            if closed { presence.leave() }
        }

        func unwatch(_ presence: ClientPresence) {
            state.withLock { state in
                if state.watching === presence { state.watching = nil }
            }
        }
    }

    private static let connections = Mutex<[ObjectIdentifier: Connection]>([:])
    private let connection = Connection()

    /// Runs `body` with a presence that turns "left" when the client of `channel` (the request's connection) closes
    /// its end before `body` returns. Outside a watched connection (in-process tests), the presence never turns.
    static func watching<T>(
        _ channel: ObjectIdentifier, _ body: (ClientPresence) async throws -> T
    ) async throws -> T {
        let presence = ClientPresence()
        guard let connection = connections.withLock({ $0[channel] }) else { return try await body(presence) }
        connection.watch(presence)
        defer { connection.unwatch(presence) }
        return try await body(presence)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let connection = connection
        Self.connections.withLock { $0[ObjectIdentifier(context.channel)] = connection }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        _ = Self.connections.withLock { $0.removeValue(forKey: ObjectIdentifier(context.channel)) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { connection.inputClosed() }
        context.fireUserInboundEventTriggered(event)
    }
}
