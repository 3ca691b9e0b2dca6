public import Foundation

/// A webhook subscription: where events are sent, which ones, and how they are signed.
public struct Webhook: Hashable, Sendable, Identifiable {
    /// The subscription's UUID, lower-case in JSON and in `webhook.*` event subjects.
    public var id: UUID
    /// The endpoint events are POSTed to, checked against private addresses unless `allowPrivate`.
    public var url: String
    /// Event type patterns (`issue.closed`, `issue.*`, `*`); empty means every event.
    public var events: [String]
    /// A note about the endpoint; nil when none (an empty update clears it).
    public var description: String?
    /// `whsec_…`, shown once at creation.
    public var secret: String
    /// The secret before the last rotation, still signed with until `previousSecretExpiresAt`.
    public var previousSecret: String?
    /// When `previousSecret` stops signing; nil when there is none.
    public var previousSecretExpiresAt: Date?
    /// Whether loopback and private addresses are allowed (admins only, for local receivers).
    public var allowPrivate: Bool
    /// Whether events are delivered; false after disabling by hand, a 410 Gone or 5 days of failures.
    public var enabled: Bool
    /// Why the endpoint was disabled; nil while it is enabled.
    public var disabledReason: String?
    /// The id of the last event considered for this endpoint: later events are its outbox.
    public var cursor: Int64
    /// When the current run of failures began; an endpoint failing for 5 days is disabled.
    public var failingSince: Date?
    /// When it was created.
    public var createdAt: Date
    /// When its settings or secret last changed, or it was disabled automatically.
    public var updatedAt: Date

    /// A subscription as a store reads or creates it.
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
    /// The endpoint, already checked by the caller (scheme, address guard).
    public var url: String
    /// Event patterns, already validated (``Webhook/validatedPatterns(_:)``); empty means every event.
    public var events: [String]
    /// A note about the endpoint, or nil.
    public var description: String?
    /// The new `whsec_…` signing secret.
    public var secret: String
    /// Whether loopback and private addresses are allowed.
    public var allowPrivate: Bool

    /// The fields as given; the caller validates them first.
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
    /// Errors name the field `status`.
    public static let fieldName = "status"
}

/// One event on its way to one endpoint, with the outcome of its latest attempt. The id is the `webhook-id`,
/// the same on every retry and redelivery.
public struct WebhookDelivery: Hashable, Sendable, Identifiable {
    /// The delivery's UUID; the `webhook-id` header sends it as `msg_<id>`.
    public var id: UUID
    /// The UUID of the endpoint it goes to.
    public var webhookID: UUID
    /// The id of the event in the log.
    public var eventID: Int64
    /// The event's type (`issue.closed`), copied for listing.
    public var eventType: String
    /// Pending, succeeded, or failed for good.
    public var status: DeliveryStatus
    /// How many attempts were made so far.
    public var attempts: Int
    /// When the next attempt is due; nil once it succeeded or failed for good.
    public var nextAttemptAt: Date?
    /// When the latest attempt was made; nil before the first.
    public var lastAttemptAt: Date?
    /// The HTTP status of the last response; nil when none came.
    public var responseStatus: Int?
    /// The first 1,000 bytes of the last response.
    public var responseBody: String?
    /// What went wrong on the last attempt (`HTTP 500`, `410 Gone`, a connection error); nil after a success.
    public var error: String?
    /// When the delivery was enqueued.
    public var createdAt: Date
    /// When an attempt succeeded; nil until one does.
    public var deliveredAt: Date?

    /// A delivery as a store reads it.
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
    /// Whether the endpoint answered with a 2xx status.
    public var succeeded: Bool
    /// The HTTP status; nil when no response came.
    public var responseStatus: Int?
    /// The first 1,000 bytes of the response body; nil when no response came.
    public var responseBody: String?
    /// What went wrong; nil when it succeeded.
    public var error: String?
    /// When to try again; nil when the delivery is over (succeeded, or failed for good).
    public var nextAttemptAt: Date?
    /// Disable the endpoint, for this reason (410 Gone, failing for 5 days).
    public var disableReason: String?

    /// An attempt's outcome as the dispatcher judged it.
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
