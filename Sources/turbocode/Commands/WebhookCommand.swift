import ArgumentParser
import Foundation
import TurboApp
import TurboCore
import TurboServices
import TurboWebhooks

extension Turbocode {
    struct WebhookCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "webhook",
            abstract: "Webhook subscriptions: events POSTed to your endpoints, signed, retried, logged.",
            discussion: """
                'turbocode serve' delivers every event committed after a subscription exists to every matching \
                endpoint, at least once, signed per Standard Webhooks (webhook-id, webhook-timestamp, \
                webhook-signature). Failed attempts are retried after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and \
                10 h; 410 Gone, or failing for 5 days, disables the endpoint. Only public addresses are allowed \
                unless the subscription is added with --allow-private. See docs/webhooks.md.
                """,
            subcommands: [
                Add.self, List.self, Show.self, Update.self, Remove.self, RotateSecret.self, Deliveries.self,
                Redeliver.self, Test.self,
            ])

        static func withService<T: Sendable>(
            _ global: GlobalOptions, _ body: @Sendable (WebhookService) async throws -> T
        ) async throws -> T {
            try await global.withStore { store, _ in try await body(WebhookService(store: store)) }
        }

        static func line(_ webhook: Webhook) -> String {
            let events = webhook.events.isEmpty ? "*" : webhook.events.joined(separator: ",")
            let state = webhook.enabled ? "enabled" : "disabled (\(webhook.disabledReason ?? "by hand"))"
            return "\(webhook.id.lowercasedString)  \(webhook.url)  \(events)  \(state)"
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Subscribe an endpoint; prints its id and its secret (shown only now).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The endpoint (http or https).") var url: String
            @Option(name: .customLong("event"), help: "An event type or pattern (issue.*); repeat; default: all.")
            var events: [String] = []
            @Option(help: "What the endpoint is for.") var description: String?
            @Flag(help: "Allow loopback and private addresses (a local receiver).") var allowPrivate = false

            func run() async throws {
                let webhook = try await WebhookCommand.withService(global) { service in
                    try await service.add(
                        url: url, events: events, description: description, allowPrivate: allowPrivate)
                }
                try global.emit(
                    WebhookDocument(webhook, showSecret: true),
                    text: "\(webhook.id.lowercasedString)\nsecret: \(webhook.secret) (shown only now)")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every subscription.")
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let webhooks = try await WebhookCommand.withService(global) { try await $0.store.webhooks() }
                try global.emit(
                    webhooks.map { WebhookDocument($0) },
                    text: webhooks.isEmpty ? "No webhooks." : webhooks.map(WebhookCommand.line).joined(separator: "\n"))
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "One subscription.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The webhook id (or 6+ leading characters).") var id: String

            func run() async throws {
                let webhook = try await WebhookCommand.withService(global) { service in
                    try await service.store.webhook(try await service.resolve(id))
                }
                try global.emit(WebhookDocument(webhook), text: WebhookCommand.line(webhook))
            }
        }

        struct Update: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Change a subscription, or enable/disable it.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The webhook id (or 6+ leading characters).") var id: String
            @Option(help: "A new endpoint.") var url: String?
            @Option(name: .customLong("event"), help: "Replace the event patterns (repeat).") var events: [String] = []
            @Option(help: "A new description ('' clears it).") var description: String?
            @Flag(inversion: .prefixedEnableDisable, help: "Enable (clears the failure record) or disable.")
            var enable: Bool?

            func run() async throws {
                let webhook = try await WebhookCommand.withService(global) { service in
                    try await service.update(
                        try await service.resolve(id), url: url, events: events.isEmpty ? nil : events,
                        description: description, enabled: enable)
                }
                try global.emit(WebhookDocument(webhook), text: WebhookCommand.line(webhook))
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a subscription and its delivery log.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The webhook id (or 6+ leading characters).") var id: String

            func run() async throws {
                let removed = try await WebhookCommand.withService(global) { service in
                    let webhook = try await service.resolve(id)
                    try await service.store.deleteWebhook(webhook)
                    return webhook
                }
                try global.emit(["removed": removed.lowercasedString], text: "Removed \(removed.lowercasedString)")
            }
        }

        struct RotateSecret: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "rotate-secret",
                abstract: "A new secret (printed once); the old one keeps signing alongside it for 24 hours.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The webhook id (or 6+ leading characters).") var id: String

            func run() async throws {
                let webhook = try await WebhookCommand.withService(global) { service in
                    try await service.rotateSecret(try await service.resolve(id))
                }
                try global.emit(
                    WebhookDocument(webhook, showSecret: true),
                    text: "secret: \(webhook.secret) (shown only now; the old one stays valid for 24 hours)")
            }
        }

        struct Deliveries: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "An endpoint's deliveries, newest first: status, attempts, response, error, next retry.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The webhook id (or 6+ leading characters).") var id: String
            @Option(help: "At most this many (1–1000).") var limit = 50

            func validate() throws {
                guard (1...1_000).contains(limit) else { throw ValidationError("--limit must be 1–1000") }
            }

            func run() async throws {
                let deliveries = try await WebhookCommand.withService(global) { service in
                    try await service.store.deliveries(webhook: try await service.resolve(id), limit: limit)
                }
                try global.emit(
                    deliveries.map { DeliveryDocument($0) },
                    text: deliveries.isEmpty
                        ? "No deliveries."
                        : Format.table(
                            ["DELIVERY", "EVENT", "TYPE", "STATUS", "ATTEMPTS", "HTTP", "NEXT", "ERROR"],
                            deliveries.map { delivery in
                                [
                                    delivery.id.lowercasedString, String(delivery.eventID), delivery.eventType,
                                    delivery.status.rawValue, String(delivery.attempts),
                                    delivery.responseStatus.map(String.init) ?? "-",
                                    delivery.nextAttemptAt.map(Format.date) ?? "-", delivery.error ?? "",
                                ]
                            }))
            }
        }

        struct Redeliver: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Send a delivery again (same webhook-id), at the next pass of the running server.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The delivery id.") var delivery: String

            func run() async throws {
                guard let id = UUID(uuidString: delivery) else {
                    throw ValidationError("'\(delivery)' is not a delivery id")
                }
                let queued = try await WebhookCommand.withService(global) { try await $0.store.redeliver(id) }
                try global.emit(DeliveryDocument(queued), text: "Queued \(queued.id.lowercasedString) again")
            }
        }

        struct Test: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Send a webhook.test event to one endpoint (delivered by the running server).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The webhook id (or 6+ leading characters).") var id: String

            func run() async throws {
                let event = try await WebhookCommand.withService(global) { service in
                    try await service.test(try await service.resolve(id))
                }
                try global.emit(["event_id": event], text: "Wrote webhook.test event \(event)")
            }
        }
    }
}
