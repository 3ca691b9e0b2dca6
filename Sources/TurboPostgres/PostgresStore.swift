import Foundation
public import Logging
public import PostgresNIO
public import TurboCore
public import TurboSQL

/// The shared store: the use cases of ``SQLStore`` on PostgreSQL (``PostgresEngine``), for several coordinators and
/// machines. Same schema and semantics as the SQLite store.
public typealias PostgresStore = SQLStore<PostgresEngine>

extension SQLStore where Engine == PostgresEngine {
    /// Wraps a running client and migrates the database. The client's `run()` must already be running.
    public init(client: PostgresClient, logger: Logger) async throws {
        _ = try await PostgresEngine.translating { try await PostgresMigrations.migrate(client, logger: logger) }
        self.init(engine: PostgresEngine(client: client, logger: logger))
    }

    /// A client for the given settings (no TLS on loopback, `prefer` elsewhere).
    public static func makeClient(_ settings: DatabaseURL.PostgresSettings, logger: Logger) -> PostgresClient {
        let isLoopback = ["127.0.0.1", "localhost", "::1"].contains(settings.host)
        var config = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database,
            tls: isLoopback ? .disable : .prefer(.makeClientConfiguration()))
        config.options.maximumConnections = 16
        config.options.connectTimeout = .seconds(5)
        return PostgresClient(configuration: config, backgroundLogger: logger)
    }

    /// Runs `body` with a store on a fresh client, then shuts the client down.
    public static func withStore<T: Sendable>(
        _ settings: DatabaseURL.PostgresSettings, logger: Logger, _ body: @Sendable (PostgresStore) async throws -> T
    ) async throws -> T {
        try await probe(settings, logger: logger)
        let client = makeClient(settings, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let store = try await PostgresStore(client: client, logger: logger)
            return try await body(store)
        }
    }

    /// Opens and closes one connection, so that a wrong address or credentials fail at once with the server's
    /// reason instead of the pool retrying in the background.
    public static func probe(_ settings: DatabaseURL.PostgresSettings, logger: Logger) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(settings), id: 0, logger: logger)
        } catch {
            let reason =
                (error as? PSQLError)?.serverInfo?[.message] ?? (error as? PSQLError)?.underlying.map { "\($0)" }
                ?? "\(error)"
            throw TurboError.storage(
                "cannot connect to PostgreSQL at \(settings.host):\(settings.port) as \(settings.user): \(reason)")
        }
        try? await connection.close()
    }

    /// The settings of a single connection outside the pool (no TLS on loopback, `prefer` elsewhere).
    static func connectionConfiguration(_ settings: DatabaseURL.PostgresSettings) throws
        -> PostgresConnection.Configuration
    {
        let isLoopback = ["127.0.0.1", "localhost", "::1"].contains(settings.host)
        var config = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database,
            tls: isLoopback ? .disable : .prefer(try .init(configuration: .makeClientConfiguration())))
        config.options.connectTimeout = .seconds(5)
        return config
    }

    /// The names of the applied migrations, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await engine.read { tx in
            try await tx.rows("SELECT name FROM turbocode_migrations ORDER BY applied_at, name").map {
                try $0.string("name")
            }
        }
    }
}
