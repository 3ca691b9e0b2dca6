public import Foundation

/// What a token may do: everything (`admin`), or act as one agent on its own leases (`agent`).
public enum TokenRole: String, UserParsableEnum {
    case admin, agent
    /// Errors name the field `role`.
    public static let fieldName = "role"
}

/// A bearer token as stored: never the secret, only its SHA-256 and a short prefix to recognise it by.
public struct APIToken: Hashable, Sendable, Identifiable {
    /// The token's UUID, lower-case in JSON and events; revoking accepts it (or the prefix).
    public var id: UUID
    /// What the token may do.
    public var role: TokenRole
    /// The agent an agent token acts for.
    public var agentID: String?
    /// A note to recognise the token by; nil when none was given.
    public var name: String?
    /// The first characters of the secret (`tc_admin_x7Qp`), safe to show.
    public var prefix: String
    /// When the token was created.
    public var createdAt: Date
    /// When it was revoked; nil while it is active.
    public var revokedAt: Date?

    /// Whether the token still authenticates: it has not been revoked.
    public var isActive: Bool { revokedAt == nil }

    /// A token as a store reads or creates it.
    public init(
        id: UUID, role: TokenRole, agentID: String?, name: String?, prefix: String, createdAt: Date, revokedAt: Date?
    ) {
        self.id = id
        self.role = role
        self.agentID = agentID
        self.name = name
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Checks an agent id: 1–50 characters of lower-case letters, digits, `.`, `_`, `-`, starting alphanumeric.
    public static func validatedAgentID(_ raw: String) throws(TurboError) -> String {
        let id = raw.trimmingWhitespace().lowercased()
        guard let first = id.first, first.isASCII, first.isLetter || first.isNumber, id.count <= 50,
            id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else {
            throw .invalidInput("invalid agent id '\(raw)': use 1–50 letters, digits, '.', '_' or '-'")
        }
        return id
    }
}
