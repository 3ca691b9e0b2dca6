public import Foundation
import Logging
import PostgresNIO
public import TurboCore

extension PostgresStore {
    public func createWebhook(_ new: NewWebhook) async throws -> Webhook {
        try await transaction { conn in
            // Events commit in id order under this lock (`appendEvents`): while it is held, no transaction still to
            // commit has an id at or below the newest one read next, so the endpoint misses nothing that follows.
            // The lock is taken in its own statement, so the next one reads a snapshot taken after it.
            try await conn.query("SELECT pg_advisory_xact_lock(\(PostgresLocks.eventLog))", logger: logger)
            let now = try await conn.now(logger)
            let cursor =
                try await conn.first("SELECT COALESCE(MAX(id), 0)::int8 FROM events", as: Int64.self, logger) ?? 0
            let webhook = Webhook(
                id: UUID(), url: new.url, events: new.events, description: new.description, secret: new.secret,
                previousSecret: nil, previousSecretExpiresAt: nil, allowPrivate: new.allowPrivate, enabled: true,
                disabledReason: nil, cursor: cursor, failingSince: nil, createdAt: now, updatedAt: now)
            try await conn.query(
                """
                INSERT INTO webhooks (id, url, events, description, secret, allow_private, cursor, created_at,
                    updated_at)
                VALUES (\(webhook.id), \(webhook.url), \(webhook.events), \(webhook.description), \(webhook.secret),
                    \(webhook.allowPrivate), \(cursor), \(now), \(now))
                """, logger: logger)
            return webhook
        }
    }

    public func webhooks() async throws -> [Webhook] {
        try await Self.translating {
            try await client.query("SELECT * FROM webhooks ORDER BY created_at, id", logger: logger).collect()
                .map(Self.webhook)
        }
    }

    public func webhook(_ id: UUID) async throws -> Webhook {
        try await connection { conn in try await fetchWebhook(conn, id) }
    }

    public func updateWebhook(
        _ id: UUID, url: String?, events: [String]?, description: String?, enabled: Bool?
    ) async throws -> Webhook {
        try await transaction { conn in
            var webhook = try await fetchWebhook(conn, id, lock: true)
            webhook.apply(url: url, events: events, description: description, enabled: enabled)
            webhook.updatedAt = try await conn.now(logger)
            try await conn.query(
                """
                UPDATE webhooks SET url = \(webhook.url), events = \(webhook.events),
                    description = \(webhook.description), enabled = \(webhook.enabled),
                    disabled_reason = \(webhook.disabledReason), failing_since = \(webhook.failingSince),
                    updated_at = \(webhook.updatedAt)
                WHERE id = \(id)
                """, logger: logger)
            return webhook
        }
    }

    public func deleteWebhook(_ id: UUID) async throws {
        try await transaction { conn in
            // The deliveries go with it (ON DELETE CASCADE).
            guard try await conn.exists("DELETE FROM webhooks WHERE id = \(id) RETURNING 1", logger) else {
                throw TurboError.webhookNotFound(id.lowercasedString)
            }
        }
    }

    public func rotateWebhookSecret(_ id: UUID, secret: String, keepPrevious: Duration) async throws -> Webhook {
        try await transaction { conn in
            var webhook = try await fetchWebhook(conn, id, lock: true)
            let now = try await conn.now(logger)
            webhook.previousSecret = webhook.secret
            webhook.previousSecretExpiresAt = now.addingTimeInterval(keepPrevious.timeInterval)
            webhook.secret = secret
            webhook.updatedAt = now
            try await conn.query(
                """
                UPDATE webhooks SET secret = \(secret), previous_secret = \(webhook.previousSecret),
                    previous_secret_expires_at = \(webhook.previousSecretExpiresAt), updated_at = \(now)
                WHERE id = \(id)
                """, logger: logger)
            return webhook
        }
    }

    public func enqueueDeliveries(webhook id: UUID, cursor: Int64, to: Int64, events: [Event]) async throws -> Int {
        try await transaction { conn in
            // Compare-and-set: of two coordinators that read the same cursor, only one moves it and enqueues.
            guard
                try await conn.exists(
                    "UPDATE webhooks SET cursor = \(to) WHERE id = \(id) AND cursor = \(cursor) RETURNING 1", logger)
            else { return 0 }
            guard !events.isEmpty else { return 0 }
            let now = try await conn.now(logger)
            // One round trip for all of them; an event already enqueued for this endpoint is skipped.
            try await conn.query(
                """
                INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, next_attempt_at,
                    created_at)
                SELECT gen_random_uuid(), \(id), e.event_id, e.event_type, 'pending', \(now), \(now)
                FROM unnest(\(events.map(\.id))::int8[], \(events.map(\.type))::text[]) AS e(event_id, event_type)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            return events.count
        }
    }

    public func claimWebhooks(holder: String, for ttl: Duration, limit: Int) async throws -> [UUID] {
        let limit = max(0, limit)
        return try await Self.translating {
            // Rows another coordinator is claiming right now are skipped, not waited for.
            try await client.query(
                """
                UPDATE webhooks SET claimed_by = \(holder), claimed_until = now() + make_interval(secs => \(ttl.timeInterval))
                WHERE id IN (
                    SELECT w.id FROM webhooks w
                    WHERE w.enabled AND (w.claimed_until IS NULL OR w.claimed_until <= now())
                        AND EXISTS (SELECT 1 FROM webhook_deliveries d
                            WHERE d.webhook_id = w.id AND d.status = 'pending' AND d.next_attempt_at <= now())
                    ORDER BY w.created_at, w.id LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, logger: logger
            ).collect().map { try $0.decode(UUID.self) }
        }
    }

    public func renewWebhookClaim(_ id: UUID, holder: String, for ttl: Duration) async throws -> Bool {
        try await Self.translating {
            try await client.query(
                """
                UPDATE webhooks SET claimed_until = now() + make_interval(secs => \(ttl.timeInterval))
                WHERE id = \(id) AND claimed_by = \(holder) AND claimed_until > now()
                RETURNING 1
                """, logger: logger
            ).collect().count == 1
        }
    }

    public func webhookClaims() async throws -> [UUID: String] {
        try await Self.translating {
            var claims: [UUID: String] = [:]
            for try await (id, holder) in try await client.query(
                "SELECT id, claimed_by FROM webhooks WHERE claimed_by IS NOT NULL AND claimed_until > now()",
                logger: logger
            ).decode((UUID, String).self) {
                claims[id] = holder
            }
            return claims
        }
    }

    public func releaseWebhookClaim(_ id: UUID, holder: String) async throws {
        try await Self.translating {
            _ = try await client.query(
                "UPDATE webhooks SET claimed_by = NULL, claimed_until = NULL WHERE id = \(id) AND claimed_by = \(holder)",
                logger: logger)
        }
    }

    public func dueDeliveries(webhook id: UUID, limit: Int) async throws -> [WebhookDelivery] {
        let limit = max(0, limit)
        return try await Self.translating {
            try await client.query(
                """
                SELECT d.* FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                WHERE d.webhook_id = \(id) AND d.status = 'pending' AND d.next_attempt_at <= now() AND w.enabled
                ORDER BY d.event_id LIMIT \(limit)
                """, logger: logger
            ).collect().map(Self.delivery)
        }
    }

    public func pruneDeliveries(finishedBefore cutoff: Date) async throws -> Int {
        try await Self.translating {
            try await client.query(
                """
                DELETE FROM webhook_deliveries
                WHERE status IN ('succeeded', 'failed') AND COALESCE(last_attempt_at, created_at) < \(cutoff)
                RETURNING 1
                """, logger: logger
            ).collect().count
        }
    }

    public func delivery(_ id: UUID) async throws -> WebhookDelivery {
        try await connection { conn in try await fetchDelivery(conn, id) }
    }

    public func recordDeliveryAttempt(_ id: UUID, _ attempt: DeliveryAttempt) async throws -> WebhookDelivery {
        try await transaction { conn in
            // The endpoint's row is locked before the delivery's, the order in which deleting the endpoint (and
            // with it, by cascade, its deliveries) takes them: the two cannot deadlock.
            guard
                let webhookID = try await conn.first(
                    "SELECT webhook_id FROM webhook_deliveries WHERE id = \(id)", as: UUID.self, logger)
            else { throw TurboError.webhookNotFound(id.lowercasedString) }
            try await conn.query("SELECT 1 FROM webhooks WHERE id = \(webhookID) FOR NO KEY UPDATE", logger: logger)
            var delivery = try await fetchDelivery(conn, id, lock: true)
            let now = try await conn.now(logger)
            delivery.record(attempt, at: now)
            try await conn.query(
                """
                UPDATE webhook_deliveries SET status = \(delivery.status.rawValue), attempts = \(delivery.attempts),
                    next_attempt_at = \(delivery.nextAttemptAt), last_attempt_at = \(now),
                    response_status = \(delivery.responseStatus), response_body = \(delivery.responseBody),
                    error = \(delivery.error), delivered_at = \(delivery.deliveredAt)
                WHERE id = \(id)
                """, logger: logger)
            if attempt.succeeded {
                try await conn.query("UPDATE webhooks SET failing_since = NULL WHERE id = \(webhookID)", logger: logger)
            } else {
                try await conn.query(
                    "UPDATE webhooks SET failing_since = COALESCE(failing_since, \(now)) WHERE id = \(webhookID)",
                    logger: logger)
            }
            if let reason = attempt.disableReason {
                let disabled = try await conn.query(
                    """
                    UPDATE webhooks SET enabled = false, disabled_reason = \(reason), updated_at = \(now)
                    WHERE id = \(webhookID) AND enabled
                    RETURNING *
                    """, logger: logger
                ).collect().map(Self.webhook)
                try await appendEvents(conn, disabled.map { EventDraft.webhookDisabled($0, reason: reason) }, now: now)
            }
            return delivery
        }
    }

    public func deliveries(webhook id: UUID, limit: Int) async throws -> [WebhookDelivery] {
        let limit = max(0, limit)
        return try await connection { conn in
            _ = try await fetchWebhook(conn, id)
            return try await conn.query(
                "SELECT * FROM webhook_deliveries WHERE webhook_id = \(id) ORDER BY event_id DESC LIMIT \(limit)",
                logger: logger
            ).collect().map(Self.delivery)
        }
    }

    public func redeliver(_ id: UUID) async throws -> WebhookDelivery {
        try await transaction { conn in
            var delivery = try await fetchDelivery(conn, id, lock: true)
            let now = try await conn.now(logger)
            delivery.status = .pending
            delivery.nextAttemptAt = now
            try await conn.query(
                "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = \(now) WHERE id = \(id)",
                logger: logger)
            return delivery
        }
    }

    public func appendEvent(_ draft: EventDraft) async throws -> Int64 {
        try await transaction { conn in
            let now = try await conn.now(logger)
            try await appendEvents(conn, [draft], now: now)
            // `appendEvents` holds the event-log lock until commit, and every event insert takes it first: no other
            // transaction has drawn a newer id, so the newest one is this event's.
            return try await conn.first("SELECT MAX(id)::int8 FROM events", as: Int64.self, logger) ?? 0
        }
    }

    /// One endpoint; with `lock`, its row stays locked until the transaction ends.
    func fetchWebhook(_ conn: PostgresConnection, _ id: UUID, lock: Bool = false) async throws -> Webhook {
        let suffix = lock ? " FOR NO KEY UPDATE" : ""
        guard
            let row = try await conn.query(
                "SELECT * FROM webhooks WHERE id = \(id)\(unescaped: suffix)", logger: logger
            ).collect().first
        else { throw TurboError.webhookNotFound(id.lowercasedString) }
        return try Self.webhook(row)
    }

    /// One delivery; with `lock`, its row stays locked until the transaction ends.
    func fetchDelivery(_ conn: PostgresConnection, _ id: UUID, lock: Bool = false) async throws -> WebhookDelivery {
        let suffix = lock ? " FOR NO KEY UPDATE" : ""
        guard
            let row = try await conn.query(
                "SELECT * FROM webhook_deliveries WHERE id = \(id)\(unescaped: suffix)", logger: logger
            ).collect().first
        else { throw TurboError.webhookNotFound(id.lowercasedString) }
        return try Self.delivery(row)
    }

    static func webhook(_ row: PostgresRow) throws -> Webhook {
        let cells = row.makeRandomAccess()
        return Webhook(
            id: try cells["id"].decode(UUID.self), url: try cells["url"].decode(String.self),
            events: try cells["events"].decode([String].self),
            description: try cells["description"].decode(String?.self),
            secret: try cells["secret"].decode(String.self),
            previousSecret: try cells["previous_secret"].decode(String?.self),
            previousSecretExpiresAt: try cells["previous_secret_expires_at"].decode(Date?.self),
            allowPrivate: try cells["allow_private"].decode(Bool.self), enabled: try cells["enabled"].decode(Bool.self),
            disabledReason: try cells["disabled_reason"].decode(String?.self),
            cursor: try cells["cursor"].decode(Int64.self),
            failingSince: try cells["failing_since"].decode(Date?.self),
            createdAt: try cells["created_at"].decode(Date.self), updatedAt: try cells["updated_at"].decode(Date.self))
    }

    static func delivery(_ row: PostgresRow) throws -> WebhookDelivery {
        let cells = row.makeRandomAccess()
        return WebhookDelivery(
            id: try cells["id"].decode(UUID.self), webhookID: try cells["webhook_id"].decode(UUID.self),
            eventID: try cells["event_id"].decode(Int64.self), eventType: try cells["event_type"].decode(String.self),
            status: try DeliveryStatus(parsing: try cells["status"].decode(String.self)),
            attempts: try cells["attempts"].decode(Int.self),
            nextAttemptAt: try cells["next_attempt_at"].decode(Date?.self),
            lastAttemptAt: try cells["last_attempt_at"].decode(Date?.self),
            responseStatus: try cells["response_status"].decode(Int?.self),
            responseBody: try cells["response_body"].decode(String?.self),
            error: try cells["error"].decode(String?.self),
            createdAt: try cells["created_at"].decode(Date.self),
            deliveredAt: try cells["delivered_at"].decode(Date?.self))
    }
}
