import ArgumentParser
import Foundation
import Logging
import TurboApp
import TurboCore
import TurboMCP
import TurboServices

extension Turbocode {
    struct Mcp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mcp",
            abstract: "Serve turboCode's tools to an agent over MCP on stdin/stdout.",
            discussion: """
                Uses the same database as the other commands (the repository's, --database, or \
                $TURBOCODE_DATABASE_URL) and exits when the client hangs up. Logs go to stderr only: stdout is the \
                protocol. The work tools act for the agent of $TURBOCODE_TOKEN (an agent token), else for --agent, \
                else for you as the local user (then start_work_on_issue's started_by names the agent).

                  claude mcp add turbocode -- turbocode mcp --agent claude
                  codex mcp add turbocode -- turbocode mcp --agent codex
                  gemini mcp add turbocode turbocode mcp --agent gemini

                A running 'turbocode serve' offers the same tools over Streamable HTTP at /mcp.
                """)
        @OptionGroup var global: GlobalOptions

        @Option(help: "Act as this agent (an agent id such as backend-1).") var agent: String?

        @Option(help: "Log level on stderr.") var logLevel: String = "warning"

        func validate() throws {
            if let agent { _ = try APIToken.validatedAgentID(agent) }
            guard Logger.Level(rawValue: logLevel) != nil else {
                throw ValidationError(
                    "--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            var logger = Logger(label: "turbocode.mcp")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
            let mcpLogger = logger
            let agent = try agent.map { try APIToken.validatedAgentID($0) }
            let secret = ProcessInfo.processInfo.environment["TURBOCODE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            try await global.withStore { store, repository in
                let caller: Caller
                if let secret {
                    guard let token = try await TokenService.authenticate(secret, store: store) else {
                        throw TurboError.invalidInput("TURBOCODE_TOKEN is not a valid token for this database")
                    }
                    caller = Caller(token: token)
                } else if let agent {
                    caller = .agent(agent)
                } else {
                    caller = .person(ProcessInfo.processInfo.environment["USER"] ?? "local")
                }
                let tools = try TurboTools(store: store, repository: repository)
                try await TurboMCPServer.runStdio(
                    tools: tools, caller: caller, version: Turbocode.configuration.version, logger: mcpLogger)
            }
        }
    }
}
