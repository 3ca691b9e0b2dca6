import Foundation
import Testing
import TurboApp
import TurboCore
import TurboServices

/// Tokens: stored hashed, shown once, revocable, never in events.
@Suite(.timeLimit(.minutes(1)))
struct TokenConformanceTests {
    @Test(arguments: StoreKind.enabled)
    func tokensAuthenticateUntilRevoked(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let (admin, adminToken) = try await TokenService.create(
                role: .admin, agentID: nil, name: "ci", store: store)
            let (agent, agentToken) = try await TokenService.create(
                role: .agent, agentID: "Backend-1", name: nil, store: store)
            #expect(admin.hasPrefix("tc_admin_") && admin.count == 52 && agent.hasPrefix("tc_agent_"))
            #expect(adminToken.prefix == String(admin.prefix(13)) && agentToken.agentID == "backend-1")
            #expect(try await TokenService.authenticate(admin, store: store)?.id == adminToken.id)
            #expect(try await TokenService.authenticate(agent, store: store)?.role == .agent)
            #expect(try await TokenService.authenticate(admin + "x", store: store) == nil)
            #expect(try await TokenService.authenticate("Bearer nonsense", store: store) == nil)
            await #expect(throws: TurboError.self) {
                try await TokenService.create(role: .agent, agentID: nil, name: nil, store: store)
            }
            await #expect(throws: TurboError.self) {
                try await TokenService.create(role: .admin, agentID: "x", name: nil, store: store)
            }

            #expect(try await store.tokens().map(\.id) == [agentToken.id, adminToken.id])
            let revoked = try await store.revokeToken(agentToken.prefix)
            #expect(revoked.revokedAt != nil)
            #expect(try await TokenService.authenticate(agent, store: store) == nil)
            await #expect(throws: TurboError.self) { try await store.revokeToken(agentToken.prefix) }
            _ = try await store.revokeToken(adminToken.id.lowercasedString)

            // Events name the token, never its secret or hash.
            let events = try await store.events(after: 0, limit: 100).filter { $0.type.hasPrefix("token.") }
            #expect(events.map(\.type) == ["token.created", "token.created", "token.revoked", "token.revoked"])
            for event in events {
                let text = event.payload.jsonString
                #expect(!text.contains(admin) && !text.contains(agent) && !text.contains(String(admin.dropFirst(13))))
            }
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aTokenRevokedElsewhereIsRefusedWithinASecond(kind: StoreKind) async throws {
        try await withFreshStores(kind) { coordinator, cli in
            let (secret, token) = try await TokenService.create(role: .agent, agentID: "a", name: nil, store: cli)
            #expect(try await TokenService.authenticate(secret, store: coordinator)?.id == token.id)
            _ = try await cli.revokeToken(token.prefix)
            #expect(try await TokenService.authenticate(secret, store: cli) == nil)
            // The coordinator trusts what it read for at most a second (it may already have read it again).
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try await TokenService.authenticate(secret, store: coordinator) == nil)
        }
    }
}
