public import Foundation

/// What a token may do: everything (`admin`), or act as one agent on its own leases (`agent`).
public enum TokenRole: String, UserParsableEnum {
    case admin, agent
    public static let fieldName = "role"
}

/// A bearer token as stored: never the secret, only its SHA-256 and a short prefix to recognise it by.
public struct APIToken: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var role: TokenRole
    /// The agent an agent token acts for.
    public var agentID: String?
    public var name: String?
    /// The first characters of the secret (`tc_admin_x7Qp`), safe to show.
    public var prefix: String
    public var createdAt: Date
    public var revokedAt: Date?

    public var isActive: Bool { revokedAt == nil }

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
