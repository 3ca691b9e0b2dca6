import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOHTTPTypes
import Synchronization

/// A refused WebSocket upgrade answered like any other refused request: its status (401 for a token, 400 for a bad
/// `after`, 404 for no socket at that path) and the JSON error, instead of the bodiless 400 that hummingbird-websocket
/// 2.8.1 writes for every refusal.
///
/// hummingbird-websocket runs the WebSocket router to decide, turns any answer but 200 into "do not upgrade" and then
/// writes its own 400 on the connection, keeping the router's answer to itself. So the router's ``Recorder`` keeps the
/// error for the request's connection, and the connection's ``Writer`` (one in every HTTP/1 pipeline, where that 400
/// passes) writes the error in its place. A refusal not written by the time the connection closes is dropped.
enum UpgradeRefusals {
    struct Refusal: Sendable {
        var status: HTTPResponse.Status
        var body: Data
    }

    private static let pending = Mutex<[ObjectIdentifier: Refusal]>([:])

    /// Keeps `error` as the answer to the upgrade refused on `channel`.
    static func record(_ error: APIError, on channel: any Channel) {
        guard let body = try? error.body() else { return }
        let key = ObjectIdentifier(channel)
        pending.withLock { $0[key] = Refusal(status: error.status, body: body) }
        channel.closeFuture.whenComplete { _ in _ = pending.withLock { $0.removeValue(forKey: key) } }
    }

    /// The refusal kept for `channel`, once.
    static func take(_ channel: any Channel) -> Refusal? {
        pending.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The WebSocket router's outermost middleware: keeps the error of a refused upgrade (``ErrorMiddleware``, inside
    /// it, has made every failure an ``APIError``).
    struct Recorder: RouterMiddleware {
        typealias Context = WebSocketContext

        func handle(
            _ request: Request, context: WebSocketContext,
            next: (Request, WebSocketContext) async throws -> Response
        ) async throws -> Response {
            do {
                return try await next(request, context)
            } catch let error as APIError {
                UpgradeRefusals.record(error, on: context.channel)
                throw error
            }
        }
    }

    /// Writes a refused upgrade's error in place of hummingbird-websocket's bodiless 400.
    final class Writer: ChannelOutboundHandler, RemovableChannelHandler {
        typealias OutboundIn = HTTPResponsePart
        typealias OutboundOut = HTTPResponsePart

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            guard case .head(let head) = unwrapOutboundIn(data), head.status == .badRequest,
                let refusal = UpgradeRefusals.take(context.channel)
            else {
                context.write(data, promise: promise)
                return
            }
            var fields = head.headerFields
            fields[.contentType] = "application/json; charset=utf-8"
            fields[.contentLength] = String(refusal.body.count)
            context.write(
                wrapOutboundOut(.head(HTTPResponse(status: refusal.status, headerFields: fields))), promise: nil)
            context.write(wrapOutboundOut(.body(ByteBuffer(bytes: refusal.body))), promise: promise)
        }
    }
}
