import ArgumentParser
import Foundation
import Logging
import TurboAgents
import TurboApp
import TurboCore
import TurboMCP

#if canImport(Glibc)
    import Glibc
#endif

extension Turbocode {
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the coordinator with its pool of agents: the server, the scheduler and the sub-agents.",
            discussion: """
                Reads the pool from turbocode.yaml ('subagents:', with 'limits:', 'leases:' and 'alerts:'), starts \
                everything 'turbocode serve' runs, and assigns eligible issues in queue order to idle agents: each \
                agent works in the issue's own worktree, with its own token and turboCode's MCP server injected for \
                that run only. Leases are renewed while an agent's process lives; a run that ends without \
                submitting is re-prompted (limits.max_nudges, default 2) and then given back. Logs of every run are \
                kept under .turbocode/logs/<ISSUE>/. Prints each assignment, submission and release, and a status \
                line every 15 seconds. Ctrl-C stops the agents, gives their issues back and keeps every worktree.

                Submitted work is verified (commits, a clean worktree, a clean merge onto the base, test_command) \
                and goes to review; approved work (review approve, or review.auto_merge) is merged into the base \
                branch by the merge queue, one issue at a time, after the tests pass on the merge.

                --until-idle exits 0 once no agent runs, nothing eligible can be taken, and nothing waits for \
                verification or the merge queue (for scripts and CI); ready issues that wait for a blocker in review \
                are named in the last status line.
                """)
        @OptionGroup var global: GlobalOptions

        @OptionGroup var listen: ListenOptions

        @Flag(help: "Exit once nothing is in flight and nothing eligible can be taken.") var untilIdle = false

        @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error or critical.")
        var logLevel: String = "warning"

        func validate() throws {
            try ListenOptions.validate(logLevel: logLevel)
        }

        func run() async throws {
            var options = listen.serverOptions()
            var logger = Logger(label: "turbocode.up")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
            let serverLogger = logger
            let repository = try global.repository()
            guard let repository else {
                throw TurboError.invalidInput("run 'turbocode up' inside a git repository with turbocode.yaml")
            }
            let pool = try OrchestratorConfig.load(from: repository.configFile)
            guard !pool.subagents.isEmpty else {
                throw TurboError.invalidInput(
                    "no agents: add a 'subagents:' list to \(repository.configFile), e.g.\n"
                        + "subagents:\n  - id: claude-1\n    driver: claude\n    capabilities: [backend]")
            }
            options.leaseSweep = pool.leases.sweep
            options.leaseTTL = pool.leases.ttl
            let serverOptions = options
            let database = try TurboApp.databaseURL(option: global.database, repository: repository)
            let untilIdle = untilIdle
            try await global.withStore { store, _ in
                try await Self.runPool(
                    store: store, repository: repository, pool: pool, database: database, options: serverOptions,
                    untilIdle: untilIdle, logger: serverLogger)
            }
        }

        static func runPool(
            store: any TurboStore, repository: Repository, pool: OrchestratorConfig, database: DatabaseURL,
            options serverOptions: Server.Options, untilIdle: Bool, logger serverLogger: Logger
        ) async throws {
            if let written = try await Server.ensureAdminToken(repository: repository, store: store) {
                Output.note("Created an admin token in \(written)")
            }
            let project = try await TurboApp.resolveProject(nil, repository: repository, store: store)
            let worktrees = try WorktreeService(store: store, repository: repository)
            let work = WorkService(worktrees: worktrees, ttl: pool.leases.ttl)
            let mcp = MCPHTTPEndpoint(
                tools: try TurboTools(store: store, repository: repository),
                version: Turbocode.configuration.version, loopbackOnly: Server.isLoopback(serverOptions.host),
                logger: serverLogger)
            let (addresses, addressContinuation) = AsyncStream<String>.makeStream(
                bufferingPolicy: .bufferingNewest(1))
            let review = ReviewServices(
                worktrees: worktrees, config: pool, logger: serverLogger,
                report: { Output.line("\(Self.clock()) \($0)") })
            let scheduler: @Sendable () async -> Void = {
                var iterator = addresses.makeAsyncIterator()
                guard let address = await iterator.next() else { return }
                await schedule(
                    work: work, pool: pool, project: project, address: address, review: review,
                    untilIdle: untilIdle, logger: serverLogger)
            }
            try await Server.run(
                store: store, database: database, repository: repository, options: serverOptions,
                logger: serverLogger, extraRoutes: [{ router in mcp.register(on: router) }],
                extraServices: [scheduler], review: review
            ) { bound in
                let address = "http://\(serverOptions.host):\(bound)"
                Output.note(
                    "turbocode up: \(pool.subagents.count) agent(s) on \(project.key), API and MCP at \(address)")
                addressContinuation.yield(address)
            }
        }

        /// The orchestrator and the terminal view, until shutdown.
        static func schedule(
            work: WorkService, pool: OrchestratorConfig, project: Project, address: String, review: ReviewServices,
            untilIdle: Bool, logger: Logger
        ) async {
            let orchestrator = Orchestrator(
                work: work, config: pool, project: project, serverURL: address, logger: logger,
                report: { Output.line("\(Self.clock()) \($0)") }, reviewIdle: { await review.isIdle() })
            let agents = pool.subagents.count
            let view = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(15))
                    if Task.isCancelled { return }
                    Output.line(Self.status(await orchestrator.snapshot(), agents: agents))
                }
            }
            defer { view.cancel() }
            let stopWhenIdle: @Sendable () -> Void = {
                _ = Task {
                    Output.line(Self.status(await orchestrator.snapshot(), agents: agents))
                    Output.line("\(Self.clock()) idle: nothing in flight, nothing eligible; stopping")
                    // The same graceful path as Ctrl-C.
                    kill(getpid(), SIGTERM)
                }
            }
            await orchestrator.run(idle: untilIdle ? stopWhenIdle : nil)
        }

        static func clock() -> String {
            Date().formatted(.dateTime.hour(.twoDigits(amPM: .omitted)).minute(.twoDigits).second(.twoDigits))
        }

        static func status(_ snapshot: Orchestrator.Snapshot, agents: Int) -> String {
            var line =
                "\(clock()) status: \(snapshot.running.count) running, \(snapshot.eligible) eligible"
                + (snapshot.unassignable > 0 ? " (\(snapshot.unassignable) no agent can take)" : "")
                + ", \(snapshot.submitted) submitted, \(snapshot.released) given back"
            for run in snapshot.running {
                let quiet = Int(Date().timeIntervalSince(run.lastActivity))
                line += "\n    \(run.issue) ← \(run.agent), last activity \(quiet) s ago"
            }
            if !snapshot.awaitingReview.isEmpty {
                line +=
                    "\n    waiting for \(snapshot.awaitingReview.joined(separator: ", ")) to pass review (blockers of ready issues)"
            }
            for (driver, until) in snapshot.pausedDrivers {
                line += "\n    \(driver.rawValue) paused until \(until.formatted(.iso8601))"
            }
            return line
        }
    }
}
