public import Foundation

/// A webhook subscription: where events are sent, which ones, and how they are signed.
public struct Webhook: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var url: String
    /// Event type patterns (`issue.closed`, `issue.*`, `*`); empty means every event.
    public var events: [String]
    public var description: String?
    /// `whsec_…`, shown once at creation.
    public var secret: String
    /// The secret before the last rotation, still signed with until `previousSecretExpiresAt`.
    public var previousSecret: String?
    public var previousSecretExpiresAt: Date?
    /// Whether loopback and private addresses are allowed (admins only, for local receivers).
    public var allowPrivate: Bool
    public var enabled: Bool
    public var disabledReason: String?
    /// The id of the last event considered for this endpoint: later events are its outbox.
    public var cursor: Int64
    /// When the current run of failures began; an endpoint failing for 5 days is disabled.
    public var failingSince: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, url: String, events: [String], description: String?, secret: String, previousSecret: String?,
        previousSecretExpiresAt: Date?, allowPrivate: Bool, enabled: Bool, disabledReason: String?, cursor: Int64,
        failingSince: Date?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.url = url
        self.events = events
        self.description = description
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.allowPrivate = allowPrivate
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.cursor = cursor
        self.failingSince = failingSince
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Applies the changes given; enabling clears the failure record, disabling by hand keeps an earlier reason.
    public mutating func apply(url: String?, events: [String]?, description: String?, enabled: Bool?) {
        if let url { self.url = url }
        if let events { self.events = events }
        if let description { self.description = description.isEmpty ? nil : description }
        if let enabled {
            if enabled && !self.enabled {
                disabledReason = nil
                failingSince = nil
            }
            self.enabled = enabled
            if !enabled { disabledReason = disabledReason ?? "disabled by hand" }
        }
    }

    /// Whether an event of `type` goes to this endpoint.
    public func matches(_ type: String) -> Bool {
        events.isEmpty || events.contains { Self.pattern($0, matches: type) }
    }

    /// `*` matches everything; `issue.*` matches `issue.closed` but not `issues.x`.
    public static func pattern(_ pattern: String, matches type: String) -> Bool {
        if pattern == "*" || pattern == type { return true }
        guard pattern.hasSuffix(".*") else { return false }
        return type.hasPrefix(String(pattern.dropLast()))
    }

    /// The secrets to sign with at `now`: the current one, and the previous one during its grace period.
    public func signingSecrets(at now: Date) -> [String] {
        if let previousSecret, let until = previousSecretExpiresAt, until > now { return [secret, previousSecret] }
        return [secret]
    }

    /// Checks event patterns: known types, `prefix.*` wildcards over known prefixes, or `*`.
    public static func validatedPatterns(_ patterns: [String]) throws(TurboError) -> [String] {
        let known = Set(EventType.allCases.map(\.rawValue))
        let prefixes = Set(known.compactMap { $0.split(separator: ".").first.map(String.init) })
        var result: [String] = []
        for raw in patterns {
            let pattern = raw.trimmingCharacters(in: .whitespaces).lowercased()
            let valid =
                pattern == "*" || known.contains(pattern)
                || (pattern.hasSuffix(".*") && prefixes.contains(String(pattern.dropLast(2))))
            guard valid else {
                throw .invalidValue(field: "event", value: raw, allowed: ["*"] + prefixes.sorted().map { "\($0).*" })
            }
            if !result.contains(pattern) { result.append(pattern) }
        }
        return result
    }
}

/// A subscription to create.
public struct NewWebhook: Sendable, Hashable {
    public var url: String
    public var events: [String]
    public var description: String?
    public var secret: String
    public var allowPrivate: Bool

    public init(url: String, events: [String], description: String?, secret: String, allowPrivate: Bool) {
        self.url = url
        self.events = events
        self.description = description
        self.secret = secret
        self.allowPrivate = allowPrivate
    }
}

/// The state of one event's delivery to one endpoint.
public enum DeliveryStatus: String, UserParsableEnum {
    case pending, succeeded, failed
    public static let fieldName = "status"
}

/// One event on its way to one endpoint, with the outcome of its latest attempt. The id is the `webhook-id`,
/// the same on every retry and redelivery.
public struct WebhookDelivery: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var webhookID: UUID
    public var eventID: Int64
    public var eventType: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastAttemptAt: Date?
    public var responseStatus: Int?
    /// The first 1,000 bytes of the last response.
    public var responseBody: String?
    public var error: String?
    public var createdAt: Date
    public var deliveredAt: Date?

    public init(
        id: UUID, webhookID: UUID, eventID: Int64, eventType: String, status: DeliveryStatus, attempts: Int,
        nextAttemptAt: Date?, lastAttemptAt: Date?, responseStatus: Int?, responseBody: String?, error: String?,
        createdAt: Date, deliveredAt: Date?
    ) {
        self.id = id
        self.webhookID = webhookID
        self.eventID = eventID
        self.eventType = eventType
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.responseStatus = responseStatus
        self.responseBody = responseBody
        self.error = error
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

extension WebhookDelivery {
    /// Takes in the outcome of an attempt made at `now`: counts, status, log fields, next retry.
    public mutating func record(_ attempt: DeliveryAttempt, at now: Date) {
        attempts += 1
        lastAttemptAt = now
        responseStatus = attempt.responseStatus
        responseBody = attempt.responseBody
        error = attempt.error
        nextAttemptAt = attempt.succeeded ? nil : attempt.nextAttemptAt
        status = attempt.succeeded ? .succeeded : attempt.nextAttemptAt == nil ? .failed : .pending
        if attempt.succeeded { deliveredAt = now }
    }
}

/// What one delivery attempt found.
public struct DeliveryAttempt: Sendable, Hashable {
    public var succeeded: Bool
    public var responseStatus: Int?
    public var responseBody: String?
    public var error: String?
    /// When to try again; nil when the delivery is over (succeeded, or failed for good).
    public var nextAttemptAt: Date?
    /// Disable the endpoint, for this reason (410 Gone, failing for 5 days).
    public var disableReason: String?

    public init(
        succeeded: Bool, responseStatus: Int?, responseBody: String?, error: String?, nextAttemptAt: Date?,
        disableReason: String?
    ) {
        self.succeeded = succeeded
        self.responseStatus = responseStatus
        self.responseBody = responseBody
        self.error = error
        self.nextAttemptAt = nextAttemptAt
        self.disableReason = disableReason
    }
}
