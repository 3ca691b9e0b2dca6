public import Foundation
public import TurboCore

/// Webhook subscriptions: checked on the way in (scheme, SSRF guard, event patterns), secrets made here.
public struct WebhookService: Sendable {
    /// Where subscriptions are kept.
    public let store: any TurboStore

    /// A service over `store`.
    public init(store: any TurboStore) { self.store = store }

    /// Creates a subscription; the result carries the secret, the only time it is shown.
    public func add(url: String, events: [String], description: String?, allowPrivate: Bool) async throws -> Webhook {
        _ = try AddressGuard.check(url, allowPrivate: allowPrivate)
        return try await store.createWebhook(
            NewWebhook(
                url: url, events: try Webhook.validatedPatterns(events), description: description,
                secret: StandardWebhooks.newSecret(), allowPrivate: allowPrivate))
    }

    /// Changes the fields given and keeps the nil ones; a new URL passes the SSRF guard under the webhook's own
    /// `allowPrivate`. An empty description clears it; enabling clears the reason it was disabled.
    public func update(
        _ id: UUID, url: String?, events: [String]?, description: String?, enabled: Bool?
    ) async throws -> Webhook {
        if let url { _ = try AddressGuard.check(url, allowPrivate: try await store.webhook(id).allowPrivate) }
        return try await store.updateWebhook(
            id, url: url, events: try events.map { try Webhook.validatedPatterns($0) }, description: description,
            enabled: enabled)
    }

    /// A new secret; the old one keeps signing alongside it for 24 hours.
    public func rotateSecret(_ id: UUID) async throws -> Webhook {
        try await store.rotateWebhookSecret(id, secret: StandardWebhooks.newSecret(), keepPrevious: .seconds(86_400))
    }

    /// Writes a `webhook.test` event that only this endpoint receives; returns its id.
    public func test(_ id: UUID) async throws -> Int64 {
        try await store.appendEvent(.webhookTest(try await store.webhook(id)))
    }

    /// A webhook by full id or by a unique prefix of it (at least 6 characters).
    public func resolve(_ text: String) async throws -> UUID {
        if let id = UUID(uuidString: text) { return id }
        let prefix = text.lowercased()
        guard prefix.count >= 6 else {
            throw TurboError.invalidInput("name a webhook by its id (or 6+ leading characters)")
        }
        let matches = try await store.webhooks().filter { $0.id.lowercasedString.hasPrefix(prefix) }
        guard matches.count == 1 else {
            throw matches.isEmpty
                ? TurboError.webhookNotFound(text) : TurboError.invalidInput("'\(text)' names several webhooks")
        }
        return matches[0].id
    }
}
