import Foundation
public import Logging
import PostgresNIO
public import TurboCore

/// Wakes an event tail whenever a commit on the database wrote events: `LISTEN turbocode_events` on a connection of
/// its own, reconnecting after failures. Notifications only say "look now"; the tail still pages the log by id, so
/// a notification lost while reconnecting costs latency, never an event.
public enum PostgresEventWakeups {
    /// Listens until cancelled, calling `wake` for every notification and after every (re)connect.
    public static func listen(
        _ settings: DatabaseURL.PostgresSettings, logger: Logger, wake: @escaping @Sendable () -> Void
    ) async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try PostgresStore.connectionConfiguration(settings), id: 1, logger: logger)
                do {
                    try await connection.listen(on: PostgresLocks.eventChannel) { notifications in
                        backoff = .milliseconds(100)
                        wake()
                        for try await _ in notifications { wake() }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "event notifications interrupted; polling until reconnected",
                    metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }
}
