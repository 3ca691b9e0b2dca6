import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TurboCore
import TurboHTTP

/// `/api/v1/webhooks` and `/api/v1/deliveries`: the subscription life cycle, the delivery log, redelivery, the SSRF
/// guard on the way in, and admin-only access (reads included).
@Suite(.timeLimit(.minutes(1)))
struct WebhookAPITests {
    @Test func subscriptionsRoundTripAndOnlyAdminsSeeThem() async throws {
        try await APITests.withApp { client, store in
            let admin = APITests.adminHeaders
            // Refused on the way in: a private address without allow_private, an unknown pattern, a bad scheme.
            for (body, code) in [
                (["url": "http://169.254.169.254/latest"], "invalid"),
                (["url": "https://hooks.example.com/x", "events": ["nonsense.*"]], "invalid"),
                (["url": "ftp://hooks.example.com/x"], "invalid"),
            ] as [([String: Any], String)] {
                let response = try await client.execute(
                    uri: "/api/v1/webhooks", method: .post, headers: admin, body: try APITests.json(body))
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(try APITests.errorCode(response) == code, "\(body)")
            }
            #expect(try await store.webhooks().isEmpty, "nothing half-written")

            let created = try await client.execute(
                uri: "/api/v1/webhooks", method: .post, headers: admin,
                body: try APITests.json([
                    "url": "http://127.0.0.1:9/hook", "events": ["issue.*"], "description": "local",
                    "allow_private": true,
                ]))
            #expect(created.status == .created)
            let document = try #require(try APITests.decode(created) as? [String: Any])
            let id = try #require(document["id"] as? String)
            #expect(created.headers[.location] == "/api/v1/webhooks/\(id)")
            #expect(
                (document["secret"] as? String)?.hasPrefix("whsec_") == true
                    && document["allow_private"] as? Bool == true)

            // Reads need an admin token (even on loopback) and never show the secret.
            #expect(try await client.execute(uri: "/api/v1/webhooks", method: .get).status == .unauthorized)
            let asAgent = try await client.execute(
                uri: "/api/v1/webhooks", method: .get, headers: [.authorization: "Bearer \(APITests.agent)"])
            #expect(asAgent.status == .forbidden)
            let listed = try #require(
                try APITests.decode(try await client.execute(uri: "/api/v1/webhooks", method: .get, headers: admin))
                    as? [[String: Any]])
            #expect(listed.map { $0["id"] as? String } == [id] && listed[0]["secret"] == nil)
            let byPrefix = try await client.execute(
                uri: "/api/v1/webhooks/\(id.prefix(8))", method: .get, headers: admin)
            let prefixDocument = try APITests.decode(byPrefix) as? [String: Any]
            #expect(byPrefix.status == .ok && prefixDocument?["id"] as? String == id)

            let patched = try await client.execute(
                uri: "/api/v1/webhooks/\(id)", method: .patch, headers: admin,
                body: try APITests.json(["events": ["issue.closed"], "enabled": false, "description": ""]))
            let patchedDocument = try #require(try APITests.decode(patched) as? [String: Any])
            #expect(patched.status == .ok && patchedDocument["events"] as? [String] == ["issue.closed"])
            #expect(patchedDocument["enabled"] as? Bool == false && patchedDocument["description"] is NSNull)

            let rotated = try await client.execute(
                uri: "/api/v1/webhooks/\(id)/rotate-secret", method: .post, headers: admin)
            let rotatedDocument = try #require(try APITests.decode(rotated) as? [String: Any])
            #expect(rotatedDocument["secret"] as? String != document["secret"] as? String)
            #expect(!(rotatedDocument["previous_secret_expires_at"] is NSNull))

            let tested = try await client.execute(uri: "/api/v1/webhooks/\(id)/test", method: .post, headers: admin)
            let testEvent = try #require((try APITests.decode(tested) as? [String: Any])?["event_id"] as? Int)
            #expect(tested.status == .accepted)
            #expect(try await store.events(after: Int64(testEvent) - 1, limit: 1).first?.type == "webhook.test")

            let deleted = try await client.execute(uri: "/api/v1/webhooks/\(id)", method: .delete, headers: admin)
            #expect(deleted.status == .noContent)
            let gone = try await client.execute(uri: "/api/v1/webhooks/\(id)", method: .get, headers: admin)
            let goneCode = try APITests.errorCode(gone)
            #expect(gone.status == .notFound && goneCode == "not_found")
        }
    }

    @Test func theDeliveryLogAndRedelivery() async throws {
        try await APITests.withApp { client, store in
            let admin = APITests.adminHeaders
            _ = try await store.createProject(NewProject(key: try ProjectKey("WH"), name: "Hooks"))
            let hook = try await store.createWebhook(
                NewWebhook(
                    url: "https://hooks.example.com/x", events: [], description: nil,
                    secret: "whsec_" + String(repeating: "A", count: 44), allowPrivate: false))
            _ = try await store.createIssue(NewIssue(project: .key(try ProjectKey("WH")), title: "One"))
            let events = try await store.events(after: hook.cursor, limit: 10)
            _ = try await store.enqueueDeliveries(
                webhook: hook.id, cursor: hook.cursor, to: events.last!.id, events: events)
            let delivery = try #require(try await store.dueDeliveries(webhook: hook.id, limit: 1).first)
            _ = try await store.recordDeliveryAttempt(
                delivery.id,
                DeliveryAttempt(
                    succeeded: false, responseStatus: 500, responseBody: "oops", error: "HTTP 500", nextAttemptAt: nil,
                    disableReason: nil))

            let log = try await client.execute(
                uri: "/api/v1/webhooks/\(hook.id.lowercasedString)/deliveries?limit=10", method: .get, headers: admin)
            let entries = try #require(try APITests.decode(log) as? [[String: Any]])
            #expect(entries.count == 1 && entries[0]["status"] as? String == "failed")
            #expect(entries[0]["response_status"] as? Int == 500 && entries[0]["response_body"] as? String == "oops")
            #expect(entries[0]["webhook_message_id"] as? String == "msg_\(delivery.id.lowercasedString)")
            let badLimit = try await client.execute(
                uri: "/api/v1/webhooks/\(hook.id.lowercasedString)/deliveries?limit=0", method: .get, headers: admin)
            #expect(badLimit.status == .badRequest)

            // By the webhook-id a receiver saw: queued again, due now, same id.
            let again = try await client.execute(
                uri: "/api/v1/deliveries/msg_\(delivery.id.lowercasedString)/redeliver", method: .post,
                headers: admin)
            let againDocument = try #require(try APITests.decode(again) as? [String: Any])
            #expect(again.status == .accepted && againDocument["status"] as? String == "pending")
            #expect(try await store.dueDeliveries(webhook: hook.id, limit: 10).map(\.id) == [delivery.id])
            let one = try await client.execute(
                uri: "/api/v1/deliveries/\(delivery.id.lowercasedString)", method: .get, headers: admin)
            #expect(one.status == .ok)

            let unknown = try await client.execute(
                uri: "/api/v1/deliveries/\(UUID().uuidString)/redeliver", method: .post, headers: admin)
            #expect(unknown.status == .notFound)
            let malformed = try await client.execute(
                uri: "/api/v1/deliveries/not-an-id/redeliver", method: .post, headers: admin)
            #expect(malformed.status == .badRequest)
        }
    }
}
