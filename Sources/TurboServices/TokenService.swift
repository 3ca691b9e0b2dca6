import Crypto
import Foundation
public import TurboCore

/// Bearer tokens: made here, shown once, stored as SHA-256 only.
///
/// A token reads `tc_admin_<43 characters>` or `tc_agent_<43 characters>`: 32 random bytes in URL-safe base64.
public enum TokenService {
    /// A new token: the secret to show once, and its stored record.
    public static func create(
        role: TokenRole, agentID: String?, name: String?, store: any TurboStore
    ) async throws -> (secret: String, token: APIToken) {
        let agent = try agentID.map { text throws(TurboError) in try APIToken.validatedAgentID(text) }
        guard (role == .agent) == (agent != nil) else {
            throw TurboError.invalidInput(
                role == .agent ? "an agent token needs an agent id" : "only agent tokens name an agent")
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let body = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let secret = "tc_\(role.rawValue)_\(body)"
        let token = try await store.createToken(
            role: role, agentID: agent, name: name?.trimmingCharacters(in: .whitespaces), hash: hash(secret),
            prefix: String(secret.prefix(13)))
        return (secret, token)
    }

    /// The active token for a presented secret, or nil (unknown, malformed or revoked).
    public static func authenticate(_ secret: String, store: any TurboStore) async throws -> APIToken? {
        guard secret.hasPrefix("tc_"), secret.count < 200 else { return nil }
        return try await store.token(hash: hash(secret))
    }

    /// Lower-case hex SHA-256 of the secret.
    static func hash(_ secret: String) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(secret.utf8)) {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
