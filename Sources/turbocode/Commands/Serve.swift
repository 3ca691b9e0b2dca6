import ArgumentParser
import Foundation
import Logging
import TurboApp
import TurboCore

extension Turbocode {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the coordinator's REST API (work in progress: WebSocket, metrics and rate limits follow).",
            discussion: """
                Serves /api/v1 and /healthz on 127.0.0.1:7420 by default. Every mutating call needs an admin token \
                ('Authorization: Bearer …'); bound to any other address, every call but /healthz needs a token. On \
                first start an admin token is created and written to .turbocode/admin-token (mode 0600). Stops \
                gracefully on SIGINT or SIGTERM.
                """)
        @OptionGroup var global: GlobalOptions

        @Option(help: "The address to listen on.") var host = "127.0.0.1"

        @Option(help: "The port (default: $TURBOCODE_PORT, else 7420; 0 picks a free one).") var port: Int?

        func validate() throws {
            if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0–65535") }
            if port == nil, let text = ProcessInfo.processInfo.environment["TURBOCODE_PORT"], Int(text) == nil {
                throw ValidationError("TURBOCODE_PORT must be a port number")
            }
        }

        func run() async throws {
            let port = port ?? ProcessInfo.processInfo.environment["TURBOCODE_PORT"].flatMap(Int.init) ?? 7420
            let host = host
            var logger = Logger(label: "turbocode.serve")
            logger.logLevel = .info
            let serverLogger = logger
            try await global.withStore { store, repository in
                if let written = try await Server.ensureAdminToken(repository: repository, store: store) {
                    Output.note("Created an admin token in \(written)")
                }
                try await Server.run(store: store, host: host, port: port, logger: serverLogger) { bound in
                    Output.note("turbocode serving on http://\(host):\(bound)")
                }
            }
        }
    }
}
