import Foundation
import Hummingbird
public import Logging
public import TurboCore
import TurboHTTP

/// `turbocode serve`: the REST API on one Hummingbird server, shut down gracefully on SIGINT/SIGTERM.
public enum Server {
    /// Whether `host` only accepts connections from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.")
    }

    /// Makes sure an admin token exists: when none is active, creates one and writes it to `.turbocode/admin-token`
    /// (mode 0600) for the CLI to read. Returns the file's path when it wrote one.
    public static func ensureAdminToken(repository: Repository?, store: any TurboStore) async throws -> String? {
        guard try await !store.tokens().contains(where: { $0.role == .admin && $0.isActive }) else { return nil }
        guard let repository else {
            throw TurboError.invalidInput(
                "no admin token exists and there is no repository to write one to; run 'turbocode token create --admin'"
            )
        }
        let (secret, _) = try await TokenService.create(role: .admin, agentID: nil, name: "serve", store: store)
        try ProjectSetup.prepareStateDirectory(repository)
        let path = (repository.stateDirectory as NSString).appendingPathComponent("admin-token")
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw TurboError.invalidInput("cannot write \(path)") }
        return path
    }

    /// Serves until a signal asks it to stop; in-flight requests finish first.
    public static func run(
        store: any TurboStore, host: String, port: Int, logger: Logger, onReady: @escaping @Sendable (Int) -> Void
    ) async throws {
        let router = buildRouter(
            store: store, authenticate: { secret in try await TokenService.authenticate(secret, store: store) },
            requireTokenForReads: !isLoopback(host))
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "turbocode"),
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? port) }, logger: logger)
        try await app.runService()
    }
}
