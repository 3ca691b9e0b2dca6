public import Hummingbird
import NIOCore
public import TurboCore

/// The request context of the API: Hummingbird's core storage plus the caller's address and, once authenticated,
/// token.
public struct AppRequestContext: RequestContext {
    /// Hummingbird's per-request storage (request id, logger, matched route).
    public var coreContext: CoreRequestContextStorage
    /// The bearer token the request presented, when valid.
    public var token: APIToken?
    /// The peer's IP address (the rate limit's key for anonymous calls).
    public let remoteAddress: String?
    /// The connection the request came on (see `ConnectionWatch`).
    let connection: ObjectIdentifier

    /// The peer's address and no token yet; the authentication middleware sets it.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.connection = ObjectIdentifier(source.channel)
    }

    /// Request bodies up to 1 MiB; larger ones get 413.
    public var maxUploadSize: Int { 1 << 20 }
}
