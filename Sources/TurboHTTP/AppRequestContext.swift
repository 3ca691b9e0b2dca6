public import Hummingbird
public import TurboCore

/// The request context of the API: Hummingbird's core storage plus the caller's token once authenticated.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The bearer token the request presented, when valid.
    public var token: APIToken?

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// Request bodies up to 1 MiB; larger ones get 413.
    public var maxUploadSize: Int { 1 << 20 }
}
