import Foundation
import Logging
import PostgresNIO
public import TurboCore

extension PostgresStore {
    public func createToken(role: TokenRole, agentID: String?, name: String?, hash: String, prefix: String)
        async throws -> APIToken
    {
        try await transaction { conn in
            let now = try await conn.now(logger)
            let token = APIToken(
                id: UUID(), role: role, agentID: agentID, name: name, prefix: prefix, createdAt: now, revokedAt: nil)
            try await conn.query(
                """
                INSERT INTO tokens (id, role, agent_id, name, token_hash, prefix, created_at)
                VALUES (\(token.id), \(role.rawValue), \(agentID), \(name), \(hash), \(prefix), \(now))
                """, logger: logger)
            try await appendEvents(conn, [.token(.tokenCreated, token)], now: now)
            return token
        }
    }

    public func tokens() async throws -> [APIToken] {
        try await Self.translating {
            try await client.query("SELECT * FROM tokens ORDER BY created_at DESC, id", logger: logger).collect()
                .map(Self.token)
        }
    }

    public func revokeToken(_ idOrPrefix: String) async throws -> APIToken {
        try await transaction { conn in
            let id = UUID(uuidString: idOrPrefix)
            let matches = try await conn.query(
                """
                SELECT * FROM tokens WHERE (id = \(id) OR prefix = \(idOrPrefix)) AND revoked_at IS NULL FOR UPDATE
                """, logger: logger
            ).collect().map(Self.token)
            guard matches.count == 1, var token = matches.first else {
                throw matches.isEmpty
                    ? TurboError.invalidInput("no active token '\(idOrPrefix)'")
                    : TurboError.invalidInput("'\(idOrPrefix)' names several tokens; use the id")
            }
            let now = try await conn.now(logger)
            token.revokedAt = now
            try await conn.query("UPDATE tokens SET revoked_at = \(now) WHERE id = \(token.id)", logger: logger)
            try await appendEvents(conn, [.token(.tokenRevoked, token)], now: now)
            return token
        }
    }

    public func token(hash: String) async throws -> APIToken? {
        try await Self.translating {
            try await client.query(
                "SELECT * FROM tokens WHERE token_hash = \(hash) AND revoked_at IS NULL", logger: logger
            ).collect().first.map(Self.token)
        }
    }

    static func token(_ row: PostgresRow) throws -> APIToken {
        let cells = row.makeRandomAccess()
        return APIToken(
            id: try cells["id"].decode(UUID.self), role: try TokenRole(parsing: try cells["role"].decode(String.self)),
            agentID: try cells["agent_id"].decode(String?.self), name: try cells["name"].decode(String?.self),
            prefix: try cells["prefix"].decode(String.self), createdAt: try cells["created_at"].decode(Date.self),
            revokedAt: try cells["revoked_at"].decode(Date?.self))
    }
}
