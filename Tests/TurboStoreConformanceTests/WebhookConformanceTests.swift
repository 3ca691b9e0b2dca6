import Foundation
import Testing
import TurboCore

/// Webhook subscriptions and the delivery outbox, on both stores.
@Suite(.timeLimit(.minutes(1)))
struct WebhookConformanceTests {
    static func newWebhook(_ url: String = "https://hooks.example.com/x") -> NewWebhook {
        NewWebhook(
            url: url, events: ["issue.*"], description: "ci", secret: "whsec_" + String(repeating: "A", count: 44),
            allowPrivate: false)
    }

    @Test(arguments: StoreKind.enabled)
    func theOutboxMovesWithItsCursorAndAttemptsAreLogged(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeIssue(store, "before")
            let before = try await lastEventID(store)
            let hook = try await store.createWebhook(Self.newWebhook())
            #expect(hook.cursor == before && hook.enabled && hook.events == ["issue.*"])
            #expect(try await store.webhooks().map(\.id) == [hook.id])
            try await makeIssue(store, "after")
            try await makeIssue(store, "later")
            let events = try await store.events(after: hook.cursor, limit: 10)
            #expect(
                try await store.enqueueDeliveries(
                    webhook: hook.id, cursor: hook.cursor, to: events.last!.id, events: events) == events.count)
            // A second coordinator with the old cursor adds nothing.
            #expect(
                try await store.enqueueDeliveries(
                    webhook: hook.id, cursor: hook.cursor, to: events.last!.id, events: events) == 0)
            #expect(try await store.webhook(hook.id).cursor == events.last!.id)

            let due = try await store.dueDeliveries(webhook: hook.id, limit: 10)
            try #require(due.count == 2)
            #expect(due.map(\.eventID) == events.map(\.id) && due.allSatisfy { $0.status == .pending })
            let retry = Date().addingTimeInterval(3_600)
            let failed = try await store.recordDeliveryAttempt(
                due[0].id,
                DeliveryAttempt(
                    succeeded: false, responseStatus: 503, responseBody: "busy", error: "HTTP 503",
                    nextAttemptAt: retry, disableReason: nil))
            #expect(failed.status == .pending && failed.attempts == 1 && failed.responseStatus == 503)
            #expect(
                try await store.dueDeliveries(webhook: hook.id, limit: 10).map(\.id) == Array(due.dropFirst().map(\.id))
            )
            #expect(try await store.webhook(hook.id).failingSince != nil)
            let succeeded = try await store.recordDeliveryAttempt(
                due[1].id,
                DeliveryAttempt(
                    succeeded: true, responseStatus: 204, responseBody: "", error: nil, nextAttemptAt: nil,
                    disableReason: nil))
            #expect(succeeded.status == .succeeded && succeeded.deliveredAt != nil)
            #expect(try await store.webhook(hook.id).failingSince == nil)
            let again = try await store.redeliver(due[1].id)
            let dueAgain = try await store.dueDeliveries(webhook: hook.id, limit: 10).map(\.id)
            #expect(again.status == .pending && dueAgain.contains(due[1].id))

            // Disabling happens once, with one event.
            for _ in 0..<2 {
                _ = try await store.recordDeliveryAttempt(
                    due[0].id,
                    DeliveryAttempt(
                        succeeded: false, responseStatus: 410, responseBody: nil, error: "410 Gone", nextAttemptAt: nil,
                        disableReason: "410 Gone"))
            }
            let disabled = try await store.webhook(hook.id)
            #expect(!disabled.enabled && disabled.disabledReason == "410 Gone")
            #expect(try await eventTypes(store).filter { $0 == "webhook.disabled" }.count == 1)
            #expect(
                try await store.dueDeliveries(webhook: hook.id, limit: 10).isEmpty,
                "a disabled endpoint has nothing due")
            let enabled = try await store.updateWebhook(
                hook.id, url: nil, events: ["*"], description: nil, enabled: true)
            #expect(enabled.enabled && enabled.disabledReason == nil && enabled.events == ["*"])
            #expect(try await store.deliveries(webhook: hook.id, limit: 10).count == 2)

            let rotated = try await store.rotateWebhookSecret(
                hook.id, secret: "whsec_" + String(repeating: "B", count: 44), keepPrevious: .seconds(60))
            #expect(rotated.previousSecret == hook.secret && rotated.signingSecrets(at: Date()).count == 2)
            let test = try await store.appendEvent(.webhookTest(rotated))
            let newest = try await lastEventID(store)
            #expect(test == newest)

            try await store.deleteWebhook(hook.id)
            await #expect(throws: TurboError.webhookNotFound(hook.id.lowercasedString)) {
                try await store.webhook(hook.id)
            }
            #expect(try await store.dueDeliveries(webhook: hook.id, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func anEndpointIsClaimedByOneCoordinatorAtATime(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            let idle = try await store.createWebhook(Self.newWebhook("https://idle.example.com/x"))
            let hook = try await store.createWebhook(Self.newWebhook())
            #expect(try await store.claimWebhooks(holder: "a", for: .seconds(60), limit: 10).isEmpty, "nothing due")
            try await makeIssue(store, "one")
            let events = try await store.events(after: hook.cursor, limit: 10)
            _ = try await store.enqueueDeliveries(
                webhook: hook.id, cursor: hook.cursor, to: events.last!.id, events: events)
            _ = try await store.enqueueDeliveries(
                webhook: idle.id, cursor: idle.cursor, to: events.last!.id, events: [])

            // Only the endpoint with work due is claimed, and only once while the claim lives.
            #expect(try await store.claimWebhooks(holder: "a", for: .seconds(60), limit: 10) == [hook.id])
            #expect(try await store.claimWebhooks(holder: "b", for: .seconds(60), limit: 10).isEmpty)
            #expect(try await store.claimWebhooks(holder: "a", for: .seconds(60), limit: 10).isEmpty)
            #expect(try await store.webhookClaims() == [hook.id: "a"])
            #expect(try await store.renewWebhookClaim(hook.id, holder: "a", for: .seconds(60)))
            #expect(try await !store.renewWebhookClaim(hook.id, holder: "b", for: .seconds(60)))
            try await store.releaseWebhookClaim(hook.id, holder: "b")  // not b's: nothing happens
            #expect(try await store.claimWebhooks(holder: "b", for: .seconds(60), limit: 10).isEmpty)
            try await store.releaseWebhookClaim(hook.id, holder: "a")
            #expect(try await store.claimWebhooks(holder: "b", for: .milliseconds(1), limit: 10) == [hook.id])

            // A claim that lapsed (its holder died) can be taken over, and its holder can no longer renew it.
            try await Task.sleep(for: .milliseconds(20))
            #expect(try await store.claimWebhooks(holder: "c", for: .seconds(60), limit: 10) == [hook.id])
            #expect(try await !store.renewWebhookClaim(hook.id, holder: "b", for: .seconds(60)))

            // Twelve claimers at once: exactly one gets the endpoint.
            try await store.releaseWebhookClaim(hook.id, holder: "c")
            let winners = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for n in 0..<12 {
                    group.addTask { try await store.claimWebhooks(holder: "racer-\(n)", for: .seconds(60), limit: 5) }
                }
                return try await group.reduce(into: [UUID]()) { $0 += $1 }
            }
            #expect(winners == [hook.id])
        }
    }

    @Test(arguments: StoreKind.enabled)
    func finishedDeliveriesArePrunedAndPendingOnesStay(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            let hook = try await store.createWebhook(Self.newWebhook())
            for title in ["a", "b", "c"] { try await makeIssue(store, title) }
            let events = try await store.events(after: hook.cursor, limit: 10)
            _ = try await store.enqueueDeliveries(
                webhook: hook.id, cursor: hook.cursor, to: events.last!.id, events: events)
            let due = try await store.dueDeliveries(webhook: hook.id, limit: 10)
            try #require(due.count == 3)
            _ = try await store.recordDeliveryAttempt(
                due[0].id,
                DeliveryAttempt(
                    succeeded: true, responseStatus: 200, responseBody: "", error: nil, nextAttemptAt: nil,
                    disableReason: nil))
            _ = try await store.recordDeliveryAttempt(
                due[1].id,
                DeliveryAttempt(
                    succeeded: false, responseStatus: 500, responseBody: "", error: "HTTP 500", nextAttemptAt: nil,
                    disableReason: nil))
            // Nothing younger than the cutoff goes.
            #expect(try await store.pruneDeliveries(finishedBefore: Date().addingTimeInterval(-7 * 86_400)) == 0)
            #expect(try await store.deliveries(webhook: hook.id, limit: 10).count == 3)
            // Past the cutoff, the succeeded and the failed one go; the pending one stays.
            #expect(try await store.pruneDeliveries(finishedBefore: Date().addingTimeInterval(60)) == 2)
            #expect(try await store.deliveries(webhook: hook.id, limit: 10).map(\.id) == [due[2].id])
        }
    }
}
