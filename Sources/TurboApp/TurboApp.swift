public import Foundation
public import Logging
public import TurboCore
import TurboPostgres
import TurboSQLite
public import TurboServices

/// The composition root: picks the store from the database URL and hands it to the caller.
public enum TurboApp {
    /// The environment variable that selects the database when `--database` is not given.
    public static let databaseEnvironmentVariable = "TURBOCODE_DATABASE_URL"

    /// The database to use: `--database`, else `TURBOCODE_DATABASE_URL`, else the repository's default SQLite file.
    public static func databaseURL(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        repository: Repository?
    ) throws(TurboError) -> DatabaseURL {
        if let option, !option.isEmpty { return try DatabaseURL(parsing: option) }
        if let fromEnvironment = environment[databaseEnvironmentVariable], !fromEnvironment.isEmpty {
            return try DatabaseURL(parsing: fromEnvironment)
        }
        guard let repository else {
            throw .invalidInput(
                "not inside a git repository: use --repo PATH, or name a database with --database or "
                    + databaseEnvironmentVariable)
        }
        return repository.defaultDatabase
    }

    /// Opens the store for `url`, runs `body`, then closes the store's connections.
    public static func withStore<T: Sendable>(
        _ url: DatabaseURL, logger: Logger, _ body: @Sendable (any TurboStore) async throws -> T
    ) async throws -> T {
        switch url {
        case .sqlite(let path):
            let store = try SQLiteStore(path: path)
            do {
                let result = try await body(store)
                try await store.close()
                return result
            } catch {
                try? await store.close()
                throw error
            }
        case .postgres(let settings):
            return try await PostgresStore.withStore(settings, logger: logger) { store in try await body(store) }
        }
    }
}
