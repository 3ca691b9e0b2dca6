public import Crypto
public import Foundation
public import TurboCore

/// Standard Webhooks signing: secrets `whsec_<base64 of 32 random bytes>`, signatures
/// `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, several space-separated during a secret rotation.
public enum StandardWebhooks {
    /// What every secret starts with; ``key(_:)`` also accepts the bare base64.
    public static let secretPrefix = "whsec_"

    /// A new random secret.
    public static func newSecret() -> String {
        let key = SymmetricKey(size: .bits256)
        return secretPrefix + key.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The key inside a `whsec_…` secret.
    public static func key(_ secret: String) throws(TurboError) -> SymmetricKey {
        let encoded = secret.hasPrefix(secretPrefix) ? String(secret.dropFirst(secretPrefix.count)) : secret
        guard let bytes = Data(base64Encoded: encoded), bytes.count >= 24 else {
            throw .invalidInput("a webhook secret is 'whsec_' followed by the base64 of at least 24 bytes")
        }
        return SymmetricKey(data: bytes)
    }

    /// `v1,<signature>` for one secret.
    public static func signature(id: String, timestamp: Int, body: Data, secret: String) throws(TurboError) -> String {
        let key = try key(secret)
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The `webhook-signature` header: one signature per secret, space-separated.
    public static func signatureHeader(id: String, timestamp: Int, body: Data, secrets: [String]) throws(TurboError)
        -> String
    {
        var signatures: [String] = []
        for secret in secrets {
            signatures.append(try signature(id: id, timestamp: timestamp, body: body, secret: secret))
        }
        return signatures.joined(separator: " ")
    }

    /// Whether any `v1` signature in `header` is valid for `secret` (constant-time comparison).
    public static func verify(id: String, timestamp: Int, body: Data, header: String, secret: String) -> Bool {
        guard let key = try? key(secret) else { return false }
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        for part in header.split(separator: " ") where part.hasPrefix("v1,") {
            guard let mac = Data(base64Encoded: String(part.dropFirst(3))) else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key) { return true }
        }
        return false
    }
}

/// When to try a failed delivery again: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the previous attempt,
/// each ±20 %, or the receiver's `Retry-After` when it asks for longer (up to a day).
public struct RetrySchedule: Sendable, Hashable {
    /// The wait after each failed attempt, the first entry after the first attempt; its length caps the retries.
    public var delays: [Duration]
    /// The fraction by which each delay varies either way.
    public var jitter: Double

    /// The delays listed above: seven retries spread over about 28 hours, each ±20 %.
    public static let standard = RetrySchedule(
        delays: [
            .seconds(5), .seconds(300), .seconds(1_800), .seconds(7_200), .seconds(18_000), .seconds(36_000),
            .seconds(36_000),
        ], jitter: 0.2)

    /// `jitter` is a fraction (0.2 for ±20 %), not negative.
    public init(delays: [Duration], jitter: Double) {
        self.delays = delays
        self.jitter = jitter
    }

    /// The wait before attempt `attempt + 1` after `attempt` attempts failed (1 = the first attempt failed); nil
    /// once the schedule is exhausted.
    public func delay(
        afterAttempt attempt: Int, retryAfter: Duration? = nil, using generator: inout some RandomNumberGenerator
    ) -> Duration? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let base = delays[attempt - 1]
        let factor = 1 + Double.random(in: -jitter...jitter, using: &generator)
        let jittered = base * factor
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, .seconds(86_400)))
    }
}
