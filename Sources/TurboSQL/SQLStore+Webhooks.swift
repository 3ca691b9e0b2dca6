public import Foundation
public import TurboCore

extension SQLStore {
    /// Creates a subscription whose outbox starts after the newest event (it receives what commits from now on).
    public func createWebhook(_ new: NewWebhook) async throws -> Webhook {
        try await write { tx in
            // Events commit in id order under the event-log lock (`appendEvents`): while it is held, no transaction
            // still to commit has an id at or below the newest one read next, so the endpoint misses nothing that
            // follows. The lock is taken in its own statement, so the next one reads a snapshot taken after it.
            try await tx.lock(.eventLog)
            let now = try await tx.now()
            let cursor =
                try await tx.row("SELECT COALESCE(MAX(id), 0) AS newest FROM events")?.optionalInt64("newest") ?? 0
            let webhook = Webhook(
                id: UUID(), url: new.url, events: new.events, description: new.description, secret: new.secret,
                previousSecret: nil, previousSecretExpiresAt: nil, allowPrivate: new.allowPrivate, enabled: true,
                disabledReason: nil, cursor: cursor, failingSince: nil, createdAt: now, updatedAt: now)
            try await tx.execute(
                """
                INSERT INTO webhooks (id, url, events, description, secret, allow_private, cursor, created_at,
                    updated_at)
                VALUES (\(webhook.id), \(webhook.url), \(webhook.events), \(webhook.description), \(webhook.secret),
                    \(webhook.allowPrivate), \(cursor), \(now), \(now))
                """)
            return webhook
        }
    }

    /// Every subscription, oldest first.
    public func webhooks() async throws -> [Webhook] {
        try await read { tx in
            try await tx.rows("SELECT * FROM webhooks ORDER BY created_at, id").map(SQLRows.webhook)
        }
    }

    /// One subscription; an unknown id is ``TurboError/webhookNotFound(_:)``.
    public func webhook(_ id: UUID) async throws -> Webhook {
        try await read { tx in try await fetchWebhook(tx, id) }
    }

    /// Changes what is given; enabling again clears the failure record.
    public func updateWebhook(
        _ id: UUID, url: String?, events: [String]?, description: String?, enabled: Bool?
    ) async throws -> Webhook {
        try await write { tx in
            var webhook = try await fetchWebhook(tx, id, lock: true)
            webhook.apply(url: url, events: events, description: description, enabled: enabled)
            webhook.updatedAt = try await tx.now()
            try await tx.execute(
                """
                UPDATE webhooks SET url = \(webhook.url), events = \(webhook.events),
                    description = \(webhook.description), enabled = \(webhook.enabled),
                    disabled_reason = \(webhook.disabledReason), failing_since = \(webhook.failingSince),
                    updated_at = \(webhook.updatedAt)
                WHERE id = \(id)
                """)
            return webhook
        }
    }

    /// Removes a subscription with its delivery log.
    public func deleteWebhook(_ id: UUID) async throws {
        try await write { tx in
            // The deliveries go with it (ON DELETE CASCADE).
            guard try await tx.exists("DELETE FROM webhooks WHERE id = \(id) RETURNING 1") else {
                throw TurboError.webhookNotFound(id.lowercasedString)
            }
        }
    }

    /// Replaces the secret; the old one keeps signing (alongside) for `keepPrevious`.
    public func rotateWebhookSecret(_ id: UUID, secret: String, keepPrevious: Duration) async throws -> Webhook {
        try await write { tx in
            var webhook = try await fetchWebhook(tx, id, lock: true)
            let now = try await tx.now()
            webhook.previousSecret = webhook.secret
            webhook.previousSecretExpiresAt = now.addingTimeInterval(keepPrevious.timeInterval)
            webhook.secret = secret
            webhook.updatedAt = now
            try await tx.execute(
                """
                UPDATE webhooks SET secret = \(secret), previous_secret = \(webhook.previousSecret),
                    previous_secret_expires_at = \(webhook.previousSecretExpiresAt), updated_at = \(now)
                WHERE id = \(id)
                """)
            return webhook
        }
    }

    /// Adds deliveries of `events` (already filtered) and moves the endpoint's cursor from `cursor` to `to`, in one
    /// transaction, only if the cursor is still `cursor` (so two coordinators never enqueue twice). Returns how many
    /// deliveries were added.
    public func enqueueDeliveries(webhook id: UUID, cursor: Int64, to: Int64, events: [Event]) async throws -> Int {
        try await write { tx in
            // Compare-and-set: of two coordinators that read the same cursor, only one moves it and enqueues.
            guard
                try await tx.exists(
                    "UPDATE webhooks SET cursor = \(to) WHERE id = \(id) AND cursor = \(cursor) RETURNING 1")
            else { return 0 }
            guard !events.isEmpty else { return 0 }
            let now = try await tx.now()
            // One statement per 500 events; an event already enqueued for this endpoint is skipped.
            for start in stride(from: 0, to: events.count, by: 500) {
                let values = events[start..<min(start + 500, events.count)].map { event -> SQL in
                    "(\(UUID()), \(id), \(event.id), \(event.type), 'pending', \(now), \(now))"
                }
                try await tx.execute(
                    """
                    INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, next_attempt_at,
                        created_at)
                    VALUES \(SQL.joined(values, separator: ", "))
                    ON CONFLICT DO NOTHING
                    """)
            }
            return events.count
        }
    }

    /// Claims up to `limit` enabled endpoints that have deliveries due and no live claim (by anyone), for `ttl`:
    /// while the claim lives, only `holder` sends to them, so coordinators sharing a database neither send twice nor
    /// overtake each other's first attempts. Returns the endpoints claimed.
    public func claimWebhooks(holder: String, for ttl: Duration, limit: Int) async throws -> [UUID] {
        try await write { tx in
            let now = try await tx.now()
            // Rows another coordinator is claiming right now are skipped, not waited for (PostgreSQL).
            let ids = try await tx.rows(
                """
                SELECT w.id FROM webhooks w
                WHERE w.enabled = \(true) AND (w.claimed_until IS NULL OR w.claimed_until <= \(now))
                    AND EXISTS (SELECT 1 FROM webhook_deliveries d
                        WHERE d.webhook_id = w.id AND d.status = 'pending' AND d.next_attempt_at <= \(now))
                ORDER BY w.created_at, w.id LIMIT \(max(0, limit))\(raw: tx.dialect.skipLocked)
                """
            ).map { try $0.uuid("id") }
            guard !ids.isEmpty else { return [] }
            try await tx.execute(
                """
                UPDATE webhooks SET claimed_by = \(holder), claimed_until = \(now.addingTimeInterval(ttl.timeInterval))
                WHERE id IN \(list: ids)
                """)
            return ids
        }
    }

    /// Extends `holder`'s claim on an endpoint; false when the claim is no longer `holder`'s.
    public func renewWebhookClaim(_ id: UUID, holder: String, for ttl: Duration) async throws -> Bool {
        try await write { tx in
            let now = try await tx.now()
            return try await tx.exists(
                """
                UPDATE webhooks SET claimed_until = \(now.addingTimeInterval(ttl.timeInterval))
                WHERE id = \(id) AND claimed_by = \(holder) AND claimed_until > \(now)
                RETURNING 1
                """)
        }
    }

    /// The live claims: endpoint → holder.
    public func webhookClaims() async throws -> [UUID: String] {
        try await read { tx in
            let now = try await tx.now()
            var claims: [UUID: String] = [:]
            for row in try await tx.rows(
                "SELECT id, claimed_by FROM webhooks WHERE claimed_by IS NOT NULL AND claimed_until > \(now)")
            {
                let id = try row.uuid("id")
                claims[id] = try row.string("claimed_by")
            }
            return claims
        }
    }

    /// Gives up `holder`'s claim on an endpoint (nothing happens when it is not `holder`'s).
    public func releaseWebhookClaim(_ id: UUID, holder: String) async throws {
        try await write { tx in
            try await tx.execute(
                """
                UPDATE webhooks SET claimed_by = NULL, claimed_until = NULL
                WHERE id = \(id) AND claimed_by = \(holder)
                """)
        }
    }

    /// One enabled endpoint's pending deliveries due now, oldest event first.
    public func dueDeliveries(webhook id: UUID, limit: Int) async throws -> [WebhookDelivery] {
        try await read { tx in
            let now = try await tx.now()
            return try await tx.rows(
                """
                SELECT d.* FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                WHERE d.webhook_id = \(id) AND d.status = 'pending' AND d.next_attempt_at <= \(now)
                    AND w.enabled = \(true)
                ORDER BY d.event_id LIMIT \(max(0, limit))
                """
            ).map(SQLRows.delivery)
        }
    }

    /// Deletes finished deliveries (succeeded or failed for good) whose last attempt was before `cutoff`; pending
    /// ones stay whatever their age. Returns how many went.
    public func pruneDeliveries(finishedBefore cutoff: Date) async throws -> Int {
        try await write { tx in
            try await tx.rows(
                """
                DELETE FROM webhook_deliveries
                WHERE status IN ('succeeded', 'failed') AND COALESCE(last_attempt_at, created_at) < \(cutoff)
                RETURNING 1 AS deleted
                """
            ).count
        }
    }

    /// One delivery; an unknown id is ``TurboError/webhookNotFound(_:)``.
    public func delivery(_ id: UUID) async throws -> WebhookDelivery {
        try await read { tx in try await fetchDelivery(tx, id) }
    }

    /// Records an attempt: the delivery's status, counts and log; the endpoint's failure record; disabling it
    /// (with `webhook.disabled`) when the attempt says so.
    public func recordDeliveryAttempt(_ id: UUID, _ attempt: DeliveryAttempt) async throws -> WebhookDelivery {
        try await write { tx in
            // The endpoint's row is locked before the delivery's, the order in which deleting the endpoint (and
            // with it, by cascade, its deliveries) takes them: the two cannot deadlock.
            guard
                let webhookID = try await tx.row("SELECT webhook_id FROM webhook_deliveries WHERE id = \(id)")?
                    .uuid("webhook_id")
            else { throw TurboError.webhookNotFound(id.lowercasedString) }
            _ = try await tx.rows("SELECT id FROM webhooks WHERE id = \(webhookID)\(raw: tx.dialect.lockRows)")
            var delivery = try await fetchDelivery(tx, id, lock: true)
            let now = try await tx.now()
            delivery.record(attempt, at: now)
            try await tx.execute(
                """
                UPDATE webhook_deliveries SET status = \(delivery.status.rawValue), attempts = \(delivery.attempts),
                    next_attempt_at = \(delivery.nextAttemptAt), last_attempt_at = \(now),
                    response_status = \(delivery.responseStatus), response_body = \(delivery.responseBody),
                    error = \(delivery.error), delivered_at = \(delivery.deliveredAt)
                WHERE id = \(id)
                """)
            if attempt.succeeded {
                try await tx.execute("UPDATE webhooks SET failing_since = NULL WHERE id = \(webhookID)")
            } else {
                try await tx.execute(
                    "UPDATE webhooks SET failing_since = COALESCE(failing_since, \(now)) WHERE id = \(webhookID)")
            }
            if let reason = attempt.disableReason {
                // Once: an endpoint already disabled (by hand or before) keeps its reason and writes no event.
                let disabled = try await tx.rows(
                    """
                    UPDATE webhooks SET enabled = \(false), disabled_reason = \(reason), updated_at = \(now)
                    WHERE id = \(webhookID) AND enabled = \(true)
                    RETURNING *
                    """
                ).map(SQLRows.webhook)
                if !disabled.isEmpty {
                    try await tx.appendEvents(disabled.map { EventDraft.webhookDisabled($0, reason: reason) })
                }
            }
            return delivery
        }
    }

    /// An endpoint's deliveries, newest first.
    public func deliveries(webhook id: UUID, limit: Int) async throws -> [WebhookDelivery] {
        try await read { tx in
            _ = try await fetchWebhook(tx, id)
            return try await tx.rows(
                """
                SELECT * FROM webhook_deliveries WHERE webhook_id = \(id)
                ORDER BY event_id DESC LIMIT \(max(0, limit))
                """
            ).map(SQLRows.delivery)
        }
    }

    /// Makes a delivery pending and due now again (its id, the `webhook-id`, stays).
    public func redeliver(_ id: UUID) async throws -> WebhookDelivery {
        try await write { tx in
            var delivery = try await fetchDelivery(tx, id, lock: true)
            let now = try await tx.now()
            delivery.status = .pending
            delivery.nextAttemptAt = now
            try await tx.execute(
                "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = \(now) WHERE id = \(id)")
            return delivery
        }
    }

    /// Writes an event outside any other change (`webhook.test`).
    public func appendEvent(_ draft: EventDraft) async throws -> Int64 {
        try await write { tx in
            try await tx.appendEvents([draft])
            try await tx.writeEvents()
            // Events are appended under the event-log lock held until commit (serialized writers on SQLite): no
            // other transaction has drawn a newer id, so the newest one is this event's.
            return try await tx.row("SELECT MAX(id) AS id FROM events")?.optionalInt64("id") ?? 0
        }
    }

    /// One endpoint; with `lock`, its row stays locked until the transaction ends (PostgreSQL).
    func fetchWebhook(_ tx: any SQLTransaction, _ id: UUID, lock: Bool = false) async throws -> Webhook {
        let suffix = lock ? tx.dialect.lockRows : ""
        guard let row = try await tx.row("SELECT * FROM webhooks WHERE id = \(id)\(raw: suffix)") else {
            throw TurboError.webhookNotFound(id.lowercasedString)
        }
        return try SQLRows.webhook(row)
    }

    /// One delivery; with `lock`, its row stays locked until the transaction ends (PostgreSQL).
    func fetchDelivery(_ tx: any SQLTransaction, _ id: UUID, lock: Bool = false) async throws -> WebhookDelivery {
        let suffix = lock ? tx.dialect.lockRows : ""
        guard let row = try await tx.row("SELECT * FROM webhook_deliveries WHERE id = \(id)\(raw: suffix)") else {
            throw TurboError.webhookNotFound(id.lowercasedString)
        }
        return try SQLRows.delivery(row)
    }
}

extension SQLRows {
    /// A row of `webhooks`.
    public static func webhook(_ row: any SQLRow) throws -> Webhook {
        Webhook(
            id: try row.uuid("id"), url: try row.string("url"), events: try row.strings("events"),
            description: try row.optionalString("description"), secret: try row.string("secret"),
            previousSecret: try row.optionalString("previous_secret"),
            previousSecretExpiresAt: try row.optionalDate("previous_secret_expires_at"),
            allowPrivate: try row.bool("allow_private"), enabled: try row.bool("enabled"),
            disabledReason: try row.optionalString("disabled_reason"), cursor: try row.int64("cursor"),
            failingSince: try row.optionalDate("failing_since"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }

    /// A row of `webhook_deliveries`.
    public static func delivery(_ row: any SQLRow) throws -> WebhookDelivery {
        WebhookDelivery(
            id: try row.uuid("id"), webhookID: try row.uuid("webhook_id"), eventID: try row.int64("event_id"),
            eventType: try row.string("event_type"), status: try DeliveryStatus(parsing: try row.string("status")),
            attempts: try row.int("attempts"), nextAttemptAt: try row.optionalDate("next_attempt_at"),
            lastAttemptAt: try row.optionalDate("last_attempt_at"),
            responseStatus: try row.optionalInt("response_status"),
            responseBody: try row.optionalString("response_body"), error: try row.optionalString("error"),
            createdAt: try row.date("created_at"), deliveredAt: try row.optionalDate("delivered_at"))
    }
}
