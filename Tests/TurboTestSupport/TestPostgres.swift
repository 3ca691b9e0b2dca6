import Foundation
public import Logging
public import TurboCore
import TurboPostgres

/// The PostgreSQL server the tests use: the one `scripts/with-postgres.sh` starts and names in
/// `TURBOCODE_TEST_POSTGRES_URL`. Each test gets a database of its own, dropped afterwards.
public enum TestPostgres {
    /// The server's settings, when one is configured.
    public static var admin: DatabaseURL.PostgresSettings? {
        guard let text = ProcessInfo.processInfo.environment["TURBOCODE_TEST_POSTGRES_URL"],
            case .postgres(let settings) = try? DatabaseURL(parsing: text)
        else { return nil }
        return settings
    }

    /// Whether the PostgreSQL variants of tests run: when a server is configured, or required by
    /// `TURBOCODE_REQUIRE_POSTGRES=1` (then a missing server fails them instead of skipping them).
    public static var enabled: Bool {
        admin != nil || ProcessInfo.processInfo.environment["TURBOCODE_REQUIRE_POSTGRES"] == "1"
    }

    /// A logger for test stores: warnings and worse.
    public static let logger: Logger = {
        var logger = Logger(label: "turbocode.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with the settings of a new, empty database on the test server, dropped afterwards (also when
    /// `body` throws).
    public static func withTemporaryDatabase<T: Sendable>(
        _ body: @Sendable (DatabaseURL.PostgresSettings) async throws -> T
    ) async throws -> T {
        guard let admin else {
            throw TurboError.invalidInput(
                "TURBOCODE_TEST_POSTGRES_URL is not set: run the tests through scripts/test.sh")
        }
        return try await PostgresAdmin.withTemporaryDatabase(admin: admin, logger: logger, body)
    }

    /// The `postgres://` URL of `settings`, as the CLI takes it.
    public static func url(_ settings: DatabaseURL.PostgresSettings) -> String {
        "postgres://\(settings.user)@\(settings.host):\(settings.port)/\(settings.database)"
    }
}
