import Foundation
import Hummingbird
import TurboCore
import TurboWebhooks

/// `/api/v1/webhooks` and `/api/v1/deliveries`: subscriptions, their delivery logs, redelivery. Admin tokens only,
/// reads included: endpoint URLs often carry credentials and response bodies may too.
struct WebhookRoutes: Sendable {
    let service: WebhookService

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("webhooks") { _, _ in Reply(try await service.store.webhooks().map { WebhookDocument($0) }) }
        api.post("webhooks") { request, context in
            let body = try await request.decode(as: CreateWebhookRequest.self, context: context)
            let webhook = try await service.add(
                url: body.url, events: body.events ?? [], description: body.description,
                allowPrivate: body.allowPrivate ?? false)
            return EditedResponse(
                status: .created, headers: [.location: "/api/v1/webhooks/\(webhook.id.lowercasedString)"],
                response: Reply(WebhookDocument(webhook, showSecret: true)))
        }
        api.get("webhooks/:webhook") { _, context in
            Reply(WebhookDocument(try await service.store.webhook(try await Self.webhook(context, service))))
        }
        api.patch("webhooks/:webhook") { request, context in
            let body = try await request.decode(as: PatchWebhookRequest.self, context: context)
            let webhook = try await service.update(
                try await Self.webhook(context, service), url: body.url, events: body.events,
                description: body.description, enabled: body.enabled)
            return Reply(WebhookDocument(webhook))
        }
        api.delete("webhooks/:webhook") { _, context in
            try await service.store.deleteWebhook(try await Self.webhook(context, service))
            return HTTPResponse.Status.noContent
        }
        api.post("webhooks/:webhook/rotate-secret") { _, context in
            let webhook = try await service.rotateSecret(try await Self.webhook(context, service))
            return Reply(WebhookDocument(webhook, showSecret: true))
        }
        api.post("webhooks/:webhook/test") { _, context in
            let event = try await service.test(try await Self.webhook(context, service))
            return EditedResponse(status: .accepted, response: Reply(TestEventDocument(eventID: event)))
        }
        api.get("webhooks/:webhook/deliveries") { request, context in
            let limit = try APIController.integer(request, "limit", default: 50, range: 1...1_000)
            let deliveries = try await service.store.deliveries(
                webhook: try await Self.webhook(context, service), limit: limit)
            return Reply(deliveries.map { DeliveryDocument($0) })
        }
        api.get("deliveries/:delivery") { _, context in
            Reply(DeliveryDocument(try await service.store.delivery(try Self.delivery(context))))
        }
        api.post("deliveries/:delivery/redeliver") { _, context in
            let delivery = try await service.store.redeliver(try Self.delivery(context))
            return EditedResponse(status: .accepted, response: Reply(DeliveryDocument(delivery)))
        }
    }

    static func webhook(_ context: AppRequestContext, _ service: WebhookService) async throws -> UUID {
        try await service.resolve(try context.parameters.require("webhook"))
    }

    static func delivery(_ context: AppRequestContext) throws -> UUID {
        let text = try context.parameters.require("delivery")
        // The id, or the webhook-id a receiver saw (`msg_<id>`).
        let bare = text.hasPrefix("msg_") ? String(text.dropFirst(4)) : text
        guard let id = UUID(uuidString: bare) else {
            throw APIError(.badRequest, code: "malformed_request", message: "'\(text)' is not a delivery id")
        }
        return id
    }
}

/// `POST /webhooks`.
struct CreateWebhookRequest: Decodable {
    var url: String
    var events: [String]?
    var description: String?
    var allowPrivate: Bool?

    enum CodingKeys: String, CodingKey {
        case url, events, description, allowPrivate = "allow_private"
    }
}

/// `PATCH /webhooks/{id}`: absent fields stay; `"description": ""` clears it; `"events": []` means every event.
struct PatchWebhookRequest: Decodable {
    var url: String?
    var events: [String]?
    var description: String?
    var enabled: Bool?
}

/// `POST /webhooks/{id}/test`.
struct TestEventDocument: Encodable, Sendable {
    var eventID: Int64

    enum CodingKeys: String, CodingKey { case eventID = "event_id" }
}
