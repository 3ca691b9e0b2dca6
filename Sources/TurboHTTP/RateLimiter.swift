import Foundation
import Hummingbird
import Synchronization
import TurboCore

/// A per-caller request budget: a token bucket refilled at `requestsPerSecond`, holding at most `burst`.
public struct RateLimit: Sendable, Hashable {
    /// How fast the bucket refills, in requests per second.
    public var requestsPerSecond: Double
    /// The most requests a caller can make at once after being idle.
    public var burst: Int

    /// `burst` defaults to two seconds' worth (at least 1).
    public init(requestsPerSecond: Double, burst: Int? = nil) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = max(1, burst ?? Int((requestsPerSecond * 2).rounded(.up)))
    }
}

/// Token buckets keyed by caller (the token's id, or the peer address for anonymous reads).
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let limit: RateLimit
    private let buckets = Mutex<[String: Bucket]>([:])
    /// Buckets idle longer than this are full again and are forgotten, which bounds memory.
    private let idleAfter: Duration

    init(_ limit: RateLimit) {
        self.limit = limit
        self.idleAfter = .seconds(max(1, Double(limit.burst) / max(limit.requestsPerSecond, 0.001)))
    }

    /// Takes one request from `key`'s budget; when it is empty, returns how long until one is available.
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Duration? {
        buckets.withLock { buckets in
            if buckets.count > 10_000 {
                buckets = buckets.filter { now - $0.value.updated < idleAfter }
            }
            var bucket = buckets[key] ?? Bucket(tokens: Double(limit.burst), updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(Double(limit.burst), bucket.tokens + seconds * limit.requestsPerSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else {
                return .seconds((1 - bucket.tokens) / limit.requestsPerSecond)
            }
            bucket.tokens -= 1
            return nil
        }
    }
}

/// Answers 429 with `Retry-After` (whole seconds, at least 1) once a caller spends its budget. Runs after
/// authentication, so a token's budget follows it from any address; `/healthz` and `/metrics` are exempt.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if request.uri.path == "/healthz" || request.uri.path == "/metrics" { return try await next(request, context) }
        let key: String =
            if let token = context.token { "token:\(token.id.uuidString)" } else {
                "peer:\(context.remoteAddress ?? "unknown")"
            }
        if let wait = limiter.take(key) {
            let waitSeconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
            let seconds = max(1, Int(waitSeconds.rounded(.up)))
            throw APIError(
                .tooManyRequests, code: "rate_limited",
                message:
                    "more than \(limiter.limit.requestsPerSecond.formatted()) requests per second "
                    + "(burst \(limiter.limit.burst)); retry in \(seconds) s",
                retryAfter: seconds)
        }
        return try await next(request, context)
    }
}
