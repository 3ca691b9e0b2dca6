import Foundation

/// A webhook subscription as JSON; the secret only when `showSecret` (at creation and rotation).
public struct WebhookDocument: Encodable, Sendable, Hashable {
    /// The subscription; its cursor and previous secret never appear, its secret only with `showSecret`.
    public var webhook: Webhook
    /// Whether to include `secret`: only in the answers to creation and rotation.
    public var showSecret: Bool

    /// The document of `webhook`, without its secret unless `showSecret`.
    public init(_ webhook: Webhook, showSecret: Bool = false) {
        self.webhook = webhook
        self.showSecret = showSecret
    }

    enum CodingKeys: String, CodingKey {
        case id, url, events, description, secret, allowPrivate = "allow_private", enabled
        case disabledReason = "disabled_reason", failingSince = "failing_since", createdAt = "created_at"
        case updatedAt = "updated_at", previousSecretExpiresAt = "previous_secret_expires_at"
    }

    /// Writes the subscription's fields, nulls included; `secret` only when `showSecret`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(webhook.id.lowercasedString, forKey: .id)
        try c.encode(webhook.url, forKey: .url)
        try c.encode(webhook.events, forKey: .events)
        try c.encode(webhook.description, forKey: .description)
        if showSecret { try c.encode(webhook.secret, forKey: .secret) }
        try c.encode(webhook.allowPrivate, forKey: .allowPrivate)
        try c.encode(webhook.enabled, forKey: .enabled)
        try c.encode(webhook.disabledReason, forKey: .disabledReason)
        try c.encode(webhook.failingSince, forKey: .failingSince)
        try c.encode(webhook.previousSecretExpiresAt, forKey: .previousSecretExpiresAt)
        try c.encode(webhook.createdAt, forKey: .createdAt)
        try c.encode(webhook.updatedAt, forKey: .updatedAt)
    }
}

/// One delivery with its latest attempt.
public struct DeliveryDocument: Encodable, Sendable, Hashable {
    /// The delivery, written with its `webhook_message_id` (`msg_<id>`).
    public var delivery: WebhookDelivery

    /// The document of `delivery`.
    public init(_ delivery: WebhookDelivery) { self.delivery = delivery }

    enum CodingKeys: String, CodingKey {
        case id, webhookID = "webhook_id", webhookMessageID = "webhook_message_id", event = "event_id"
        case eventType = "event_type", status, attempts, nextAttemptAt = "next_attempt_at"
        case lastAttemptAt = "last_attempt_at", responseStatus = "response_status", responseBody = "response_body"
        case error, createdAt = "created_at", deliveredAt = "delivered_at"
    }

    /// Writes every field, nulls included, UUIDs in lower case.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(delivery.id.lowercasedString, forKey: .id)
        try c.encode(delivery.webhookID.lowercasedString, forKey: .webhookID)
        try c.encode("msg_\(delivery.id.lowercasedString)", forKey: .webhookMessageID)
        try c.encode(delivery.eventID, forKey: .event)
        try c.encode(delivery.eventType, forKey: .eventType)
        try c.encode(delivery.status.rawValue, forKey: .status)
        try c.encode(delivery.attempts, forKey: .attempts)
        try c.encode(delivery.nextAttemptAt, forKey: .nextAttemptAt)
        try c.encode(delivery.lastAttemptAt, forKey: .lastAttemptAt)
        try c.encode(delivery.responseStatus, forKey: .responseStatus)
        try c.encode(delivery.responseBody, forKey: .responseBody)
        try c.encode(delivery.error, forKey: .error)
        try c.encode(delivery.createdAt, forKey: .createdAt)
        try c.encode(delivery.deliveredAt, forKey: .deliveredAt)
    }
}
