public import Foundation
import GRDB
public import TurboCore

extension SQLiteStore {
    public func createWebhook(_ new: NewWebhook) async throws -> Webhook {
        try await write { db in
            let now = Date.storageNow()
            let cursor = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM events") ?? 0
            let webhook = Webhook(
                id: UUID(), url: new.url, events: new.events, description: new.description, secret: new.secret,
                previousSecret: nil, previousSecretExpiresAt: nil, allowPrivate: new.allowPrivate, enabled: true,
                disabledReason: nil, cursor: cursor, failingSince: nil, createdAt: now, updatedAt: now)
            try db.execute(
                sql: """
                    INSERT INTO webhooks (id, url, events, description, secret, allow_private, cursor, created_at,
                        updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    webhook.id.lowercasedString, webhook.url, StringArray.encode(webhook.events), webhook.description,
                    webhook.secret, webhook.allowPrivate, cursor, now, now,
                ])
            return webhook
        }
    }

    public func webhooks() async throws -> [Webhook] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM webhooks ORDER BY created_at, id").map(Self.webhook)
        }
    }

    public func webhook(_ id: UUID) async throws -> Webhook {
        try await read { db in try Self.fetchWebhook(db, id) }
    }

    public func updateWebhook(
        _ id: UUID, url: String?, events: [String]?, description: String?, enabled: Bool?
    ) async throws -> Webhook {
        try await write { db in
            var webhook = try Self.fetchWebhook(db, id)
            webhook.apply(url: url, events: events, description: description, enabled: enabled)
            webhook.updatedAt = Date.storageNow()
            try db.execute(
                sql: """
                    UPDATE webhooks SET url = ?, events = ?, description = ?, enabled = ?, disabled_reason = ?,
                        failing_since = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    webhook.url, StringArray.encode(webhook.events), webhook.description, webhook.enabled,
                    webhook.disabledReason, webhook.failingSince, webhook.updatedAt, id.lowercasedString,
                ])
            return webhook
        }
    }

    public func deleteWebhook(_ id: UUID) async throws {
        try await write { db in
            _ = try Self.fetchWebhook(db, id)
            try db.execute(sql: "DELETE FROM webhooks WHERE id = ?", arguments: [id.lowercasedString])
        }
    }

    public func rotateWebhookSecret(_ id: UUID, secret: String, keepPrevious: Duration) async throws -> Webhook {
        try await write { db in
            var webhook = try Self.fetchWebhook(db, id)
            let now = Date.storageNow()
            webhook.previousSecret = webhook.secret
            webhook.previousSecretExpiresAt = now.addingTimeInterval(keepPrevious.timeInterval)
            webhook.secret = secret
            webhook.updatedAt = now
            try db.execute(
                sql: """
                    UPDATE webhooks SET secret = ?, previous_secret = ?, previous_secret_expires_at = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    secret, webhook.previousSecret, webhook.previousSecretExpiresAt, now, id.lowercasedString,
                ])
            return webhook
        }
    }

    public func enqueueDeliveries(webhook id: UUID, cursor: Int64, to: Int64, events: [Event]) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: "UPDATE webhooks SET cursor = ? WHERE id = ? AND cursor = ?",
                arguments: [to, id.lowercasedString, cursor])
            guard db.changesCount == 1 else { return 0 }
            let now = Date.storageNow()
            for event in events {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO webhook_deliveries (id, webhook_id, event_id, event_type, status,
                            next_attempt_at, created_at)
                        VALUES (?, ?, ?, ?, 'pending', ?, ?)
                        """,
                    arguments: [UUID().lowercasedString, id.lowercasedString, event.id, event.type, now, now])
            }
            return events.count
        }
    }

    public func claimWebhooks(holder: String, for ttl: Duration, limit: Int) async throws -> [UUID] {
        try await write { db in
            let now = Date.storageNow()
            let ids = try String.fetchAll(
                db,
                sql: """
                    SELECT w.id FROM webhooks w
                    WHERE w.enabled = 1 AND (w.claimed_until IS NULL OR w.claimed_until <= ?)
                        AND EXISTS (SELECT 1 FROM webhook_deliveries d
                            WHERE d.webhook_id = w.id AND d.status = 'pending' AND d.next_attempt_at <= ?)
                    ORDER BY w.created_at, w.id LIMIT ?
                    """, arguments: [now, now, max(0, limit)])
            let until = now.addingTimeInterval(ttl.timeInterval)
            for id in ids {
                try db.execute(
                    sql: "UPDATE webhooks SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                    arguments: [holder, until, id])
            }
            return ids.compactMap(UUID.init(uuidString:))
        }
    }

    public func renewWebhookClaim(_ id: UUID, holder: String, for ttl: Duration) async throws -> Bool {
        try await write { db in
            let now = Date.storageNow()
            try db.execute(
                sql: "UPDATE webhooks SET claimed_until = ? WHERE id = ? AND claimed_by = ? AND claimed_until > ?",
                arguments: [now.addingTimeInterval(ttl.timeInterval), id.lowercasedString, holder, now])
            return db.changesCount == 1
        }
    }

    public func webhookClaims() async throws -> [UUID: String] {
        try await read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, claimed_by FROM webhooks WHERE claimed_by IS NOT NULL AND claimed_until > ?",
                arguments: [Date.storageNow()])
            return Dictionary(
                rows.compactMap { row in
                    (row["id"] as String?).flatMap(UUID.init(uuidString:)).map { ($0, row["claimed_by"] as String) }
                }, uniquingKeysWith: { first, _ in first })
        }
    }

    public func releaseWebhookClaim(_ id: UUID, holder: String) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE webhooks SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?",
                arguments: [id.lowercasedString, holder])
        }
    }

    public func dueDeliveries(webhook id: UUID, limit: Int) async throws -> [WebhookDelivery] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.* FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                    WHERE d.webhook_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ? AND w.enabled = 1
                    ORDER BY d.event_id LIMIT ?
                    """, arguments: [id.lowercasedString, Date.storageNow(), max(0, limit)]
            ).map(Self.delivery)
        }
    }

    public func pruneDeliveries(finishedBefore cutoff: Date) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: """
                    DELETE FROM webhook_deliveries
                    WHERE status IN ('succeeded', 'failed') AND COALESCE(last_attempt_at, created_at) < ?
                    """, arguments: [cutoff])
            return db.changesCount
        }
    }

    public func delivery(_ id: UUID) async throws -> WebhookDelivery {
        try await read { db in try Self.fetchDelivery(db, id) }
    }

    public func recordDeliveryAttempt(_ id: UUID, _ attempt: DeliveryAttempt) async throws -> WebhookDelivery {
        try await write { db in
            var delivery = try Self.fetchDelivery(db, id)
            let now = Date.storageNow()
            delivery.record(attempt, at: now)
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?,
                        response_status = ?, response_body = ?, error = ?, delivered_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    delivery.status.rawValue, delivery.attempts, delivery.nextAttemptAt, now, delivery.responseStatus,
                    delivery.responseBody, delivery.error, delivery.deliveredAt, id.lowercasedString,
                ])
            let webhookID = delivery.webhookID.lowercasedString
            if attempt.succeeded {
                try db.execute(sql: "UPDATE webhooks SET failing_since = NULL WHERE id = ?", arguments: [webhookID])
            } else {
                try db.execute(
                    sql: "UPDATE webhooks SET failing_since = COALESCE(failing_since, ?) WHERE id = ?",
                    arguments: [now, webhookID])
            }
            if let reason = attempt.disableReason {
                // Once: an endpoint already disabled (by hand or before) keeps its reason and writes no event.
                try db.execute(
                    sql:
                        "UPDATE webhooks SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = 1",
                    arguments: [reason, now, webhookID])
                if db.changesCount == 1 {
                    try appendEvents(
                        db, [.webhookDisabled(try Self.fetchWebhook(db, delivery.webhookID), reason: reason)])
                }
            }
            return delivery
        }
    }

    public func deliveries(webhook id: UUID, limit: Int) async throws -> [WebhookDelivery] {
        try await read { db in
            _ = try Self.fetchWebhook(db, id)
            return try Row.fetchAll(
                db, sql: "SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY event_id DESC LIMIT ?",
                arguments: [id.lowercasedString, limit]
            ).map(Self.delivery)
        }
    }

    public func redeliver(_ id: UUID) async throws -> WebhookDelivery {
        try await write { db in
            var delivery = try Self.fetchDelivery(db, id)
            delivery.status = .pending
            delivery.nextAttemptAt = Date.storageNow()
            try db.execute(
                sql: "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ? WHERE id = ?",
                arguments: [delivery.nextAttemptAt, id.lowercasedString])
            return delivery
        }
    }

    public func appendEvent(_ draft: EventDraft) async throws -> Int64 {
        try await write { db in
            try appendEvents(db, [draft])
            return db.lastInsertedRowID
        }
    }

    static func fetchWebhook(_ db: Database, _ id: UUID) throws -> Webhook {
        guard
            let row = try Row.fetchOne(db, sql: "SELECT * FROM webhooks WHERE id = ?", arguments: [id.lowercasedString])
        else { throw TurboError.webhookNotFound(id.lowercasedString) }
        return try webhook(row)
    }

    static func fetchDelivery(_ db: Database, _ id: UUID) throws -> WebhookDelivery {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM webhook_deliveries WHERE id = ?", arguments: [id.lowercasedString])
        else { throw TurboError.webhookNotFound(id.lowercasedString) }
        return try delivery(row)
    }

    static func webhook(_ row: Row) throws -> Webhook {
        Webhook(
            id: try SQLiteRows.uuid(row, "id"), url: row["url"], events: StringArray.decode(row["events"]),
            description: row["description"], secret: row["secret"], previousSecret: row["previous_secret"],
            previousSecretExpiresAt: row["previous_secret_expires_at"], allowPrivate: row["allow_private"],
            enabled: row["enabled"], disabledReason: row["disabled_reason"], cursor: row["cursor"],
            failingSince: row["failing_since"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    static func delivery(_ row: Row) throws -> WebhookDelivery {
        WebhookDelivery(
            id: try SQLiteRows.uuid(row, "id"), webhookID: try SQLiteRows.uuid(row, "webhook_id"),
            eventID: row["event_id"], eventType: row["event_type"],
            status: try DeliveryStatus(parsing: row["status"]), attempts: row["attempts"],
            nextAttemptAt: row["next_attempt_at"], lastAttemptAt: row["last_attempt_at"],
            responseStatus: row["response_status"], responseBody: row["response_body"], error: row["error"],
            createdAt: row["created_at"], deliveredAt: row["delivered_at"])
    }
}
