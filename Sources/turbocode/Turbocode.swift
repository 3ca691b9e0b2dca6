import ArgumentParser
import Foundation
import TurboCore

/// `turbocode`: the command-line face of turboCode. Commands parse, call `TurboApp`, and print.
@main
struct Turbocode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "turbocode",
        abstract: "Coordinate several AI coding agents working in parallel on one repository.",
        discussion: """
            turboCode keeps projects and issues (keys like TURBO-12), their dependencies and a priority work queue \
            in one database: SQLite in .turbocode/ by default, or PostgreSQL with --database postgres://…

            Start with 'turbocode init' inside a git repository, then 'turbocode issue add', 'turbocode dep add' \
            and 'turbocode queue'. Every command takes --json for scripts.

            Exit codes: 0 success, 1 refused operation (reason on stderr), 2 usage error.
            """,
        version: "0.1.0",
        subcommands: [
            Init.self, ProjectCommand.self, IssueCommand.self, DepCommand.self, Queue.self, WorktreeCommand.self,
            Conflicts.self, Events.self, TokenCommand.self, WebhookCommand.self, Serve.self, Up.self, Agents.self,
            WorkCommand.self, AgentCommand.self, ReviewCommand.self, Inbox.self, StatsCommand.self, Demo.self, Mcp.self,
            Api.self,
        ]
    )

    /// Parses and runs, mapping failures to the documented exit codes: 1 for a refused operation, 2 for usage.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as TurboError {
            Output.error(error.description)
            Foundation.exit(error.isUsageError ? 2 : 1)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            } else if code == .validationFailure {
                Output.error(fullMessage(for: error))
                Foundation.exit(2)
            } else if let exit = error as? ExitCode {
                Foundation.exit(exit.rawValue)
            } else {
                Output.error(fullMessage(for: error))
                Foundation.exit(1)
            }
        }
    }
}

extension TurboError {
    /// Errors in what the user typed (a malformed key, reference, value or URL), as opposed to a refused operation.
    var isUsageError: Bool {
        switch self {
        case .invalidIssueReference, .invalidProjectKey, .invalidValue, .invalidDatabaseURL: true
        default: false
        }
    }
}
