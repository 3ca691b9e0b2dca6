import Foundation
public import TurboCore

extension SQLStore {
    /// Stores a token by the SHA-256 of its secret and writes `token.created` (without the secret).
    public func createToken(role: TokenRole, agentID: String?, name: String?, hash: String, prefix: String)
        async throws -> APIToken
    {
        try await write { tx in
            let now = try await tx.now()
            let token = APIToken(
                id: UUID(), role: role, agentID: agentID, name: name, prefix: prefix, createdAt: now, revokedAt: nil)
            try await tx.execute(
                """
                INSERT INTO tokens (id, role, agent_id, name, token_hash, prefix, created_at)
                VALUES (\(token.id), \(role.rawValue), \(agentID), \(name), \(hash), \(prefix), \(now))
                """)
            try await tx.appendEvents([.token(.tokenCreated, token)])
            return token
        }
    }

    /// Every token, newest first, revoked ones included.
    public func tokens() async throws -> [APIToken] {
        try await read { tx in
            try await tx.rows(
                "SELECT * FROM tokens ORDER BY created_at DESC, \(raw: tx.dialect.insertionOrder("tokens", postgres: "id")) DESC"
            )
            .map(SQLRows.token)
        }
    }

    /// Revokes a token named by id or by its prefix; writes `token.revoked`.
    public func revokeToken(_ idOrPrefix: String) async throws -> APIToken {
        // After the commit (or its failure): a token read meanwhile is not cached (the generation moved on).
        defer { tokenCache.revoked() }
        return try await write { tx in
            let id = UUID(uuidString: idOrPrefix)
            let matches = try await tx.rows(
                """
                SELECT * FROM tokens
                WHERE (id = \(id) OR prefix = \(idOrPrefix)) AND revoked_at IS NULL\(raw: tx.dialect.lockRows)
                """
            ).map(SQLRows.token)
            guard matches.count == 1, var token = matches.first else {
                throw matches.isEmpty
                    ? TurboError.invalidInput("no active token '\(idOrPrefix)'")
                    : TurboError.invalidInput("'\(idOrPrefix)' names several tokens; use the id")
            }
            let now = try await tx.now()
            token.revokedAt = now
            try await tx.execute("UPDATE tokens SET revoked_at = \(now) WHERE id = \(token.id)")
            try await tx.appendEvents([.token(.tokenRevoked, token)])
            return token
        }
    }

    /// The active token whose secret hashes to `hash`, if any. Active tokens are cached (``TokenCache``): one revoked
    /// through this store is refused at once, one revoked elsewhere within ``TokenCache/lifetime``.
    public func token(hash: String) async throws -> APIToken? {
        if let token = tokenCache.token(hash: hash) { return token }
        let generation = tokenCache.generation
        let token = try await read { tx in
            try await tx.row("SELECT * FROM tokens WHERE token_hash = \(hash) AND revoked_at IS NULL")
                .map(SQLRows.token)
        }
        if let token { tokenCache.remember(token, hash: hash, generation: generation) }
        return token
    }

}

extension SQLRows {
    /// A row of `tokens`.
    public static func token(_ row: any SQLRow) throws -> APIToken {
        APIToken(
            id: try row.uuid("id"), role: try TokenRole(parsing: try row.string("role")),
            agentID: try row.optionalString("agent_id"), name: try row.optionalString("name"),
            prefix: try row.string("prefix"), createdAt: try row.date("created_at"),
            revokedAt: try row.optionalDate("revoked_at"))
    }
}
