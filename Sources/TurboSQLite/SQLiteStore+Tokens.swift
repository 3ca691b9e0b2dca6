import Foundation
import GRDB
public import TurboCore

extension SQLiteStore {
    public func createToken(role: TokenRole, agentID: String?, name: String?, hash: String, prefix: String)
        async throws -> APIToken
    {
        try await write { db in
            let token = APIToken(
                id: UUID(), role: role, agentID: agentID, name: name, prefix: prefix, createdAt: Date.storageNow(),
                revokedAt: nil)
            try db.execute(
                sql: """
                    INSERT INTO tokens (id, role, agent_id, name, token_hash, prefix, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [token.id.lowercasedString, role.rawValue, agentID, name, hash, prefix, token.createdAt])
            try appendEvents(db, [.token(.tokenCreated, token)])
            return token
        }
    }

    public func tokens() async throws -> [APIToken] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY created_at DESC, rowid DESC").map(Self.token)
        }
    }

    public func revokeToken(_ idOrPrefix: String) async throws -> APIToken {
        try await write { db in
            let matches = try Row.fetchAll(
                db, sql: "SELECT * FROM tokens WHERE (id = ? OR prefix = ?) AND revoked_at IS NULL",
                arguments: [idOrPrefix.lowercased(), idOrPrefix]
            ).map(Self.token)
            guard matches.count == 1, var token = matches.first else {
                throw matches.isEmpty
                    ? TurboError.invalidInput("no active token '\(idOrPrefix)'")
                    : TurboError.invalidInput("'\(idOrPrefix)' names several tokens; use the id")
            }
            token.revokedAt = Date.storageNow()
            try db.execute(
                sql: "UPDATE tokens SET revoked_at = ? WHERE id = ?",
                arguments: [token.revokedAt, token.id.lowercasedString])
            try appendEvents(db, [.token(.tokenRevoked, token)])
            return token
        }
    }

    public func token(hash: String) async throws -> APIToken? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM tokens WHERE token_hash = ? AND revoked_at IS NULL", arguments: [hash]
            ).map(Self.token)
        }
    }

    static func token(_ row: Row) throws -> APIToken {
        APIToken(
            id: try SQLiteRows.uuid(row, "id"), role: try TokenRole(parsing: row["role"]), agentID: row["agent_id"],
            name: row["name"], prefix: row["prefix"], createdAt: row["created_at"], revokedAt: row["revoked_at"])
    }
}
