import ArgumentParser
import Foundation
import Logging
import Synchronization
import TurboAgents
import TurboApp
import TurboCore
import TurboServices

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
                kept under .turbocode/logs/<ISSUE>/. On a terminal it shows a full-screen view redrawn every second \
                (the agents and their issues, how long each has been quiet, the queue, paused drivers, the newest \
                lines); otherwise, or with --plain, it prints each assignment, submission and release, and a status \
                line every 15 seconds. Ctrl-C stops the agents, gives their issues back and keeps every worktree.

                Submitted work is verified (commits, a clean worktree, a clean merge onto the base, test_command) \
                and goes to review; approved work (review approve, or review.auto_merge) is merged into the base \
                branch by the merge queue, one issue at a time, after the tests pass on the merge.

                --until-idle stops once no agent runs, nothing eligible can be taken, and nothing waits for \
                verification or the merge queue (for scripts and CI), and prints a summary. A driver paused by a \
                rate or usage limit that resets within --wait-for-reset is waited for. Exit status: 0 when every \
                eligible issue reached its end (submitted for review; merged, with review.auto_merge); 3 when issues \
                were set aside after failed runs (or, with auto_merge, ended in review unmerged); 4 when eligible \
                work is held back (a paused driver whose limit resets later, a driver that cannot log in, or issues no agent \
                of the pool can take); \
                1 on an error.
                """)

        /// `--until-idle`'s exit status: issues set aside, or ended in review unmerged under auto-merge.
        static let exitSetAside: Int32 = 3
        /// `--until-idle`'s exit status: eligible work held back by a paused or unusable driver.
        static let exitHeldBack: Int32 = 4
        /// The status `--until-idle` ends with, set when it stops.
        static let idleExit = Atomic<Int32>(0)
        @OptionGroup var global: GlobalOptions

        @OptionGroup var listen: ListenOptions

        @Flag(help: "Exit once nothing is in flight and nothing eligible can be taken (status 0, 3 or 4: see above).")
        var untilIdle = false

        @Option(
            help: ArgumentHelp(
                "With --until-idle: how long to wait for a paused driver's limit to reset (seconds).",
                valueName: "seconds"))
        var waitForReset: Int = 600

        @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error or critical.")
        var logLevel: String = "warning"

        @Flag(
            help: ArgumentHelp(
                "Print the line log (assignments, submissions, a status line every 15 seconds) even on a terminal, "
                    + "where up otherwise shows a full-screen view redrawn every second."))
        var plain = false

        func validate() throws {
            try ListenOptions.validate(logLevel: logLevel)
            guard waitForReset >= 0 else { throw ValidationError("--wait-for-reset must be 0 or more seconds") }
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
            let waitForReset = TimeInterval(waitForReset)
            let screen =
                !plain && !global.json && UpScreen.terminalAttached
                ? UpScreen(title: "turboCode up", agents: pool.subagents) : nil
            try await global.withStore { store, _ in
                try await Self.runPool(
                    store: store, repository: repository, pool: pool, database: database, options: serverOptions,
                    untilIdle: untilIdle, waitForReset: waitForReset, logger: serverLogger, screen: screen)
            }
            let code = Self.idleExit.load(ordering: .acquiring)
            if code != 0 { throw ExitCode(code) }
        }

        static func runPool(
            store: any TurboStore, repository: Repository, pool: OrchestratorConfig, database: DatabaseURL,
            options serverOptions: Server.Options, untilIdle: Bool, waitForReset: TimeInterval = 600,
            logger serverLogger: Logger, screen: UpScreen? = nil
        ) async throws {
            if let written = try await Server.ensureAdminToken(repository: repository, store: store) {
                Output.note("Created an admin token in \(written)")
            }
            let project = try await ProjectSetup.resolve(nil, repository: repository, store: store)
            let agents = pool.subagents.count
            // On a terminal the screen takes the status and the lines; it is left before the summary is printed.
            screen?.start()
            defer { screen?.stop() }
            var plan = Server.Pool(
                config: pool, project: project, untilIdle: untilIdle, waitForReset: waitForReset,
                status: { snapshot in
                    if let screen {
                        screen.update(snapshot)
                    } else {
                        Output.line(Self.status(snapshot, agents: agents))
                    }
                },
                idle: { snapshot in
                    screen?.stop()
                    Output.line(Self.status(snapshot, agents: agents))
                    Output.line("\(Self.clock()) idle: nothing in flight, nothing eligible; stopping")
                    let (text, code) = await Self.summary(
                        snapshot, store: store, project: project, autoMerge: pool.review.approvesAutomatically)
                    Output.line(text)
                    Self.idleExit.store(code, ordering: .releasing)
                })
            if screen != nil { plan.statusInterval = .seconds(1) }
            try await Server.run(
                store: store, database: database, repository: repository, options: serverOptions,
                logger: serverLogger, version: Turbocode.configuration.version, pool: plan,
                report: { line in
                    let text = "\(Self.clock()) \(line)"
                    if let screen { screen.log(text) } else { Output.line(text) }
                }
            ) { bound in
                let address = "http://\(serverOptions.host):\(bound)"
                let text =
                    "turbocode up: \(pool.subagents.count) agent(s) on \(project.key), API and MCP at \(address); "
                    + "dashboard at \(address)/"
                if let screen {
                    screen.address("\(project.key) · \(pool.subagents.count) agent(s) · dashboard \(address)/")
                    screen.log(text)
                } else {
                    Output.note(text)
                }
            }
        }

        static func clock(_ date: Date = Date()) -> String { Orchestrator.clock(date) }

        /// The end of an `--until-idle` run: where the project's issues stand, what was set aside and what is held
        /// back, and the exit status that says so.
        static func summary(
            _ snapshot: Orchestrator.Snapshot, store: any TurboStore, project: Project, autoMerge: Bool
        ) async -> (String, Int32) {
            var counts: [IssueStatus: Int] = [:]
            for status in IssueStatus.allCases {
                counts[status] =
                    (try? await store.countIssues(IssueFilter(project: .id(project.id), statuses: [status])))
                    ?? 0
            }
            var lines = [
                "summary: \(snapshot.submitted) submitted, \(snapshot.released) given back; \(project.key) now has "
                    + IssueStatus.allCases.compactMap { status in
                        counts[status, default: 0] > 0 ? "\(counts[status, default: 0]) \(status.rawValue)" : nil
                    }.joined(separator: ", ")
            ]
            var code: Int32 = 0
            if !snapshot.setAside.isEmpty {
                lines.append(
                    "  set aside after failed runs (now open; see their comments): "
                        + snapshot.setAside.joined(separator: ", "))
                code = exitSetAside
            }
            if autoMerge, counts[.review, default: 0] > 0 {
                lines.append(
                    "  \(counts[.review, default: 0]) in review although auto_merge is on (verification or the merge "
                        + "failed past its retries): 'turbocode review list'")
                code = exitSetAside
            }
            if snapshot.heldBack > 0 {
                let pauses = snapshot.pausedDrivers.sorted { $0.key.rawValue < $1.key.rawValue }.map { driver, pause in
                    "\(driver.rawValue) "
                        + (pause.until.map { "paused until \(clock($0)) (\(pause.kind))" }
                            ?? "unusable (\(pause.kind)): \(pause.reason)")
                }
                lines.append(
                    "  \(snapshot.heldBack) eligible issue(s) held back: " + pauses.joined(separator: "; "))
                code = exitHeldBack
            }
            if snapshot.unassignable > snapshot.heldBack {
                lines.append(
                    "  \(snapshot.unassignable - snapshot.heldBack) eligible issue(s) no agent of the pool can take "
                        + "(capabilities, or limits.max_active_worktrees)")
                code = exitHeldBack
            }
            lines.append("exit status \(code)" + (code == 0 ? " (every eligible issue reached its end)" : ""))
            return (lines.joined(separator: "\n"), code)
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
            for (driver, pause) in snapshot.pausedDrivers.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                line +=
                    "\n    \(driver.rawValue) "
                    + (pause.until.map { "paused until \(clock($0)) (\(pause.kind)): \(pause.reason)" }
                        ?? "cannot work (\(pause.kind)): \(pause.reason)")
            }
            if snapshot.heldBack > 0 {
                line += "\n    \(snapshot.heldBack) eligible issue(s) held back by paused drivers"
            }
            return line
        }
    }
}
