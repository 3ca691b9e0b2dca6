import ArgumentParser
import Foundation
import Logging
import TurboApp
import TurboCore
import TurboHTTP
import TurboServices

extension Turbocode {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the coordinator: the REST API, MCP, live events over WebSocket, webhook delivery, /metrics.",
            discussion: """
                Serves /api/v1 (OpenAPI description at /api/v1/openapi.json), the WebSocket /api/v1/events/ws, \
                MCP over Streamable HTTP at /mcp (any valid token, admin or agent), /healthz and /metrics \
                (Prometheus) on 127.0.0.1:7420 by default. Every mutating call needs an admin \
                token ('Authorization: Bearer …'); bound to any other address, every call but /healthz needs a \
                token. On first start an admin token is created and written to .turbocode/admin-token (mode 0600). \
                Each token (or address, for anonymous reads) gets --rate-limit requests per second with bursts of \
                twice that; over it, 429 with Retry-After. Logs one line per request on stderr with its request id \
                (also sent back as X-Request-Id). Stops gracefully on SIGINT or SIGTERM: in-flight requests finish, \
                WebSocket clients get close code 1001. Also delivers webhooks ('turbocode webhook --help'), expires \
                agents' leases whose heartbeats stopped, and (in a repository) verifies submitted work and merges \
                approved work.
                """)
        @OptionGroup var global: GlobalOptions

        @OptionGroup var listen: ListenOptions

        @Option(help: "Requests per second per token or address; 0 turns the limit off.")
        var rateLimit: Double = 100

        @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error or critical.")
        var logLevel: String = "info"

        func validate() throws {
            guard rateLimit >= 0, rateLimit.isFinite else { throw ValidationError("--rate-limit must be 0 or more") }
            try ListenOptions.validate(logLevel: logLevel)
        }

        func run() async throws {
            var options = listen.serverOptions()
            options.rateLimit = rateLimit > 0 ? RateLimit(requestsPerSecond: rateLimit) : nil
            var logger = Logger(label: "turbocode.serve")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let serverLogger = logger
            let serverOptions = options
            let database = try TurboApp.databaseURL(option: global.database, repository: try global.repository())
            try await global.withStore { store, repository in
                if let written = try await Server.ensureAdminToken(repository: repository, store: store) {
                    Output.note("Created an admin token in \(written)")
                }
                try await Server.run(
                    store: store, database: database, repository: repository, options: serverOptions,
                    logger: serverLogger, version: Turbocode.configuration.version,
                    report: { serverLogger.notice("\($0)") }
                ) { bound in
                    Output.note("turbocode serving on http://\(serverOptions.host):\(bound)")
                    Output.note(
                        "dashboard: http://\(serverOptions.host):\(bound)/ (sign in with an admin token, such as "
                            + ".turbocode/admin-token's)")
                }
            }
        }
    }
}

/// Where `serve` and `up` listen.
struct ListenOptions: ParsableArguments {
    @Option(help: "The address to listen on.") var host = "127.0.0.1"

    @Option(help: "The port (default: $TURBOCODE_PORT, else 7420; 0 picks a free one).") var port: Int?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0–65535") }
        if port == nil, let text = ProcessInfo.processInfo.environment["TURBOCODE_PORT"], Int(text) == nil {
            throw ValidationError("TURBOCODE_PORT must be a port number")
        }
    }

    /// The server's options with this address and port.
    func serverOptions() -> Server.Options {
        var options = Server.Options()
        options.host = host
        options.port = port ?? ProcessInfo.processInfo.environment["TURBOCODE_PORT"].flatMap(Int.init) ?? 7420
        return options
    }

    static func validate(logLevel: String) throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }
}
