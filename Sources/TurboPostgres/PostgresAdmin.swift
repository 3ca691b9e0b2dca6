import Foundation
public import Logging
import PostgresNIO
public import TurboCore

/// Database-level chores: temporary databases for tests and benchmarks.
public enum PostgresAdmin {
    /// Creates a database with a unique name on the server of `admin`, runs `body` with settings pointing at it,
    /// then drops it (also when `body` throws).
    public static func withTemporaryDatabase<T: Sendable>(
        admin: DatabaseURL.PostgresSettings, logger: Logger,
        _ body: @Sendable (DatabaseURL.PostgresSettings) async throws -> T
    ) async throws -> T {
        let name = "turbocode_tmp_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await execute(admin, logger: logger, "CREATE DATABASE \(name)")
        var settings = admin
        settings.database = name
        do {
            let result = try await body(settings)
            try await execute(admin, logger: logger, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            return result
        } catch {
            try? await execute(admin, logger: logger, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Runs one statement that cannot take bind parameters (DDL on databases) on a short-lived client.
    private static func execute(
        _ settings: DatabaseURL.PostgresSettings, logger: Logger, _ statement: String
    ) async throws {
        let client = PostgresStore.makeClient(settings, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }
}
