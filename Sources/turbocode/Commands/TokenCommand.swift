import ArgumentParser
import Foundation
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct TokenCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token", abstract: "Bearer tokens for the server's API: create, list, revoke.",
            discussion: """
                A token is shown once, when it is created; the database keeps only its SHA-256 and a short prefix. \
                Admin tokens may do everything; agent tokens act for one agent, on its own leases.
                """,
            subcommands: [Create.self, List.self, Revoke.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a token and print it once.")
            @OptionGroup var global: GlobalOptions
            @Flag(help: "An admin token.") var admin = false
            @Option(help: "An agent token for this agent id (e.g. backend-1).") var agent: String?
            @Option(help: "A note to recognise it by.") var name: String?

            func validate() throws {
                guard admin != (agent != nil) else {
                    throw ValidationError("give exactly one of --admin or --agent ID")
                }
            }

            func run() async throws {
                let (secret, token) = try await global.withStore { store, _ in
                    try await TokenService.create(
                        role: admin ? .admin : .agent, agentID: agent, name: name, store: store)
                }
                if global.json {
                    try Output.json(TokenDocument(token, secret: secret))
                } else {
                    Output.line(secret)
                    Output.note(
                        "This is the only time the token is shown; store it now (id \(token.id.lowercasedString))")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every token, newest first (never the secrets).")
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let tokens = try await global.withStore { store, _ in try await store.tokens() }
                try global.emit(
                    tokens.map { TokenDocument($0, secret: nil) },
                    text: tokens.isEmpty
                        ? "No tokens."
                        : Format.table(
                            ["PREFIX", "ROLE", "AGENT", "NAME", "CREATED", "STATE"],
                            tokens.map {
                                [
                                    $0.prefix + "…", $0.role.rawValue, $0.agentID ?? "-", $0.name ?? "-",
                                    Format.date($0.createdAt),
                                    $0.revokedAt.map { "revoked \(Format.date($0))" } ?? "active",
                                ]
                            }))
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Revoke a token by its id or prefix.",
                discussion: """
                    A running coordinator refuses the token within a second: it trusts a token it has read from the \
                    database for that long.
                    """)
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The token's id or the prefix shown by 'token list'.") var token: String

            func run() async throws {
                let name = token.hasSuffix("…") ? String(token.dropLast()) : token
                let revoked = try await global.withStore { store, _ in try await store.revokeToken(name) }
                try global.emit(TokenDocument(revoked, secret: nil), text: "Revoked \(revoked.prefix)…")
            }
        }
    }
}

/// `token … --json`: the secret appears only at creation.
struct TokenDocument: Encodable {
    var token: APIToken
    var secret: String?

    init(_ token: APIToken, secret: String?) {
        self.token = token
        self.secret = secret
    }

    enum CodingKeys: String, CodingKey {
        case id, role, agent, name, prefix, token, createdAt = "created_at", revokedAt = "revoked_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(token.id.lowercasedString, forKey: .id)
        try c.encode(token.role.rawValue, forKey: .role)
        try c.encode(token.agentID, forKey: .agent)
        try c.encode(token.name, forKey: .name)
        try c.encode(token.prefix, forKey: .prefix)
        try c.encodeIfPresent(secret, forKey: .token)
        try c.encode(token.createdAt, forKey: .createdAt)
        try c.encode(token.revokedAt, forKey: .revokedAt)
    }
}
