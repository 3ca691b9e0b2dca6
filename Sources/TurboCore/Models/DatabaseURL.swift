import Foundation

/// Where the store lives: `sqlite:PATH` or `postgres://user[:password]@host[:port]/db`.
public enum DatabaseURL: Hashable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresSettings)

    /// Connection settings of a PostgreSQL database.
    public struct PostgresSettings: Hashable, Sendable {
        /// Host name or address of the server.
        public var host: String
        /// TCP port, 1–65535; 5432 when the URL names none.
        public var port: Int
        /// The user to connect as, percent-decoded.
        public var user: String
        /// The password, percent-decoded; nil when the URL has none. ``DatabaseURL/description`` masks it.
        public var password: String?
        /// The database name: the URL's path without its leading slash.
        public var database: String

        /// Settings as given, with PostgreSQL's default port; nothing is checked.
        public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
        }
    }

    /// Parses a URL. Relative SQLite paths are resolved against `base` (the current directory by default).
    ///
    /// Accepted: `sqlite:PATH`, `sqlite://PATH`, `postgres://…`, `postgresql://…`.
    public init(parsing text: String, relativeTo base: String? = nil) throws(TurboError) {
        let trimmed = text.trimmingWhitespace()
        if trimmed.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw .invalidDatabaseURL(text, reason: "sqlite: needs a file path") }
            if !path.hasPrefix("/") {
                let directory = base ?? FileManager.default.currentDirectoryPath
                path =
                    URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true))
                    .standardizedFileURL.path
            }
            self = .sqlite(path: path)
            return
        }
        guard trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://"),
            let components = URLComponents(string: trimmed)
        else {
            throw .invalidDatabaseURL(
                text, reason: "expected sqlite:PATH or postgres://user[:password]@host[:port]/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidDatabaseURL(text, reason: "a PostgreSQL URL needs a host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw .invalidDatabaseURL(text, reason: "a PostgreSQL URL needs a user name")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw .invalidDatabaseURL(text, reason: "a PostgreSQL URL needs a database name after the host")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw .invalidDatabaseURL(text, reason: "port out of range") }
        self = .postgres(
            PostgresSettings(
                host: host, port: port, user: components.percentEncodedUser?.removingPercentEncoding ?? user,
                password: components.percentEncodedPassword?.removingPercentEncoding, database: database))
    }

    /// The URL with any password masked, safe to print.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let settings):
            "postgres://\(settings.user)\(settings.password == nil ? "" : ":***")@\(settings.host):\(settings.port)/"
                + settings.database
        }
    }
}
