import ArgumentParser
import Foundation
import Logging
import TurboAgents
import TurboApp
import TurboCore
import TurboGit
import TurboServices

extension Turbocode {
    struct AgentCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agent",
            abstract: "Run one agent of the pool on this machine against a coordinator elsewhere.",
            subcommands: [Run.self])

        struct Run: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Work the coordinator's queue with one agent from this machine's clone of the repository.",
                discussion: """
                    Claims eligible issues for the agent's capabilities from the coordinator ('turbocode up' or \
                    'turbocode serve' elsewhere) over REST, works each in a worktree of the local clone on the \
                    issue's branch, and runs the agent there with the coordinator's MCP server. Every commit the \
                    agent makes is pushed at once to the coordinator's repository — the clone's remote named by \
                    --remote (default origin) must be that repository (a path or an ssh URL) — so the branch is \
                    there when the agent submits. Pushes are never forced: a worker that lost its lease cannot \
                    overwrite the next holder's commits. Issues whose worktree is on the coordinator's machine are \
                    left to it.

                    The agent's driver, model, capabilities and limits come from the clone's turbocode.yaml entry \
                    with the same id, when there is one; the options override them. The token is an agent token \
                    for this id ('turbocode token create --agent ID' on the coordinator). Leases are renewed while \
                    the agent's process lives; runs that end without submitting are nudged, then given back. \
                    Ctrl-C stops the agents and gives their issues back; worktrees stay.
                    """)

            @Option(help: "The agent's id (its token must be an agent token for it).") var id: String
            @Option(help: "The coordinator's URL (default: $TURBOCODE_URL).") var coordinator: String?
            @Option(help: "The agent token (default: $TURBOCODE_TOKEN).") var token: String?
            @Option(
                help: ArgumentHelp(
                    "This machine's clone of the repository (default: the current directory).", valueName: "path"))
            var repo: String?
            @Option(help: "The clone's remote that is the coordinator's repository.") var remote = "origin"
            @Option(help: "The driver: \(DriverKind.allCases.map(\.rawValue).joined(separator: ", ")).")
            var driver: String?
            @Option(help: "The model to ask the driver for.") var model: String?
            @Option(
                name: .customLong("capability"),
                help: ArgumentHelp("A capability of the agent (repeat, or separate with commas).", valueName: "name"))
            var capabilities: [String] = []
            @Option(help: "Issues worked at once.") var maxConcurrentIssues: Int?
            @Option(
                help: ArgumentHelp(
                    "Where worktrees go (default: worktrees.root of the clone's turbocode.yaml, else ~/worktrees).",
                    valueName: "path"))
            var worktrees: String?
            @Option(help: "Seconds between claims while idle.") var poll: Int = 5
            @Option(help: "Seconds between lease heartbeats (keep well under the coordinator's lease ttl).")
            var heartbeat: Int?
            @Flag(help: "Exit once nothing runs and a claim finds nothing.") var untilIdle = false
            @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error or critical.")
            var logLevel: String = "warning"

            func validate() throws {
                try ListenOptions.validate(logLevel: logLevel)
                _ = try APIToken.validatedAgentID(id)
                if let driver, DriverKind(rawValue: driver) == nil {
                    throw ValidationError(
                        "unknown driver '\(driver)'; one of \(DriverKind.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                if let maxConcurrentIssues, !(1...50).contains(maxConcurrentIssues) {
                    throw ValidationError("--max-concurrent-issues must be 1–50")
                }
                guard (1...3_600).contains(poll) else { throw ValidationError("--poll must be 1–3600 seconds") }
                if let heartbeat, !(1...3_600).contains(heartbeat) {
                    throw ValidationError("--heartbeat must be 1–3600 seconds")
                }
            }

            func run() async throws {
                let environment = ProcessInfo.processInfo.environment
                guard let coordinator = (coordinator ?? environment["TURBOCODE_URL"])?.trimmingSuffix("/"),
                    !coordinator.isEmpty
                else { throw ValidationError("no coordinator: pass --coordinator URL or set TURBOCODE_URL") }
                guard let token = token ?? environment["TURBOCODE_TOKEN"], !token.isEmpty else {
                    throw ValidationError("no token: pass --token or set TURBOCODE_TOKEN (an agent token for \(id))")
                }
                let start = repo ?? FileManager.default.currentDirectoryPath
                let repository = try Repository.locate(from: start)
                let file = try OrchestratorConfig.load(from: repository.configFile)
                var agent =
                    file.subagents.first { $0.id == id }
                    ?? OrchestratorConfig.Subagent(id: id, driver: driver.flatMap(DriverKind.init) ?? .claude)
                if let driver = driver.flatMap(DriverKind.init) { agent.driver = driver }
                if let model { agent.model = model }
                let listed = capabilities.flatMap { $0.split(separator: ",") }.map {
                    $0.trimmingCharacters(in: .whitespaces)
                }.filter { !$0.isEmpty }
                if !listed.isEmpty { agent.capabilities = listed }
                if let maxConcurrentIssues { agent.maxConcurrentIssues = maxConcurrentIssues }
                if agent.driver == .command, agent.command?.isEmpty ?? true {
                    throw ValidationError(
                        "the command driver needs the agent's 'command:' in \(repository.configFile) (subagents, id \(id))"
                    )
                }
                let project = try ProjectConfig.load(from: repository.configFile)
                let section = project?.worktrees
                var logger = Logger(label: "turbocode.agent")
                logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
                let settings = RemoteWorker.Settings(
                    agent: agent, limits: file.limits,
                    heartbeat: heartbeat.map { .seconds($0) } ?? file.leases.heartbeat, poll: .seconds(poll),
                    untilIdle: untilIdle, repository: repository, remote: remote,
                    worktreesRoot: worktrees ?? section?.root ?? "~/worktrees",
                    provisioning: ProvisioningPlan(
                        copy: section?.copy ?? [], setup: section?.setup ?? [], teardown: [],
                        timeout: .seconds(section?.timeout ?? 600)),
                    testCommand: file.testCommand, allowedCommands: file.allowedCommands(for: agent))
                let worker = try RemoteWorker(
                    settings: settings, coordinator: coordinator, token: token, logger: logger,
                    report: { Output.line("\(Orchestrator.clock()) \($0)") })
                Output.note(
                    "turbocode agent: \(agent.id) (\(agent.driver.rawValue)) working \(coordinator)'s queue from "
                        + "\(repository.root), pushing to '\(remote)'")
                // Ctrl-C and SIGTERM: stop the agents, give their issues back.
                try await worker.runUntilStopped()
                let (submitted, givenBack) = (await worker.submitted, await worker.givenBack)
                Output.line("\(Up.clock()) \(agent.id): \(submitted) submitted, \(givenBack) given back")
            }
        }
    }
}
