import ArgumentParser
import Foundation
import Logging
import TurboApp
import TurboCore
import TurboServices

#if canImport(Glibc)
    import Glibc
#endif

extension Turbocode {
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch the whole loop on a scratch repository with fake agents: schedule, verify, merge.",
            discussion: """
                Makes a scratch git repository with a small project, a test script and a dozen issues with \
                dependencies and capabilities, then runs what 'turbocode up --until-idle' runs with fake-agent \
                standing in for Claude Code: agents work in their own worktrees, turboCode verifies each \
                submission with the tests (one issue fails its first attempt on purpose and goes back to its \
                agent), approves automatically (review.auto_merge) and merges one issue at a time into main. It \
                ends with 'turbocode stats' for the run and where the repository is. No model, key or network is \
                needed; fake-agent is built with turbocode (swift build).
                """)

        @Option(help: "How many agents work at once (1–8).") var agents = 3
        @Flag(help: "Keep the scratch repository (default: removed at the end).") var keep = false
        @Flag(
            help: "Keep a server up after the demo and print the dashboard's address (implies --keep; Ctrl-C stops it)."
        )
        var dashboard = false
        @Option(help: "The dashboard's port with --dashboard (0 picks a free one).") var port = 7420
        @Option(
            help: ArgumentHelp(
                "Where to make the scratch repository (default: a new temporary directory).", valueName: "path"))
        var directory: String?

        func validate() throws {
            guard (1...8).contains(agents) else { throw ValidationError("--agents must be 1–8") }
        }

        func run() async throws {
            let fake = try Self.fakeAgent()
            let root = URL(
                fileURLWithPath: directory
                    ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                        "turbocode-demo-\(UUID().uuidString.prefix(8).lowercased())"
                    ).path)
            if FileManager.default.fileExists(atPath: root.appendingPathComponent("shop").path) {
                throw ValidationError("\(root.path)/shop exists already; pick another --directory")
            }
            let repo = root.appendingPathComponent("shop")
            let bin = root.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
            // fake-agent answers to `claude`; the agents find it first on PATH (this process's children only).
            try FileManager.default.createSymbolicLink(
                atPath: bin.appendingPathComponent("claude").path, withDestinationPath: fake)
            setenv("PATH", "\(bin.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")", 1)
            for (key, value) in [
                "GIT_AUTHOR_NAME": "Demo Agent", "GIT_AUTHOR_EMAIL": "agent@demo.turbocode",
                "GIT_COMMITTER_NAME": "Demo Agent", "GIT_COMMITTER_EMAIL": "agent@demo.turbocode",
            ] where ProcessInfo.processInfo.environment[key] == nil {
                setenv(key, value, 1)
            }

            Output.line("Making a scratch repository in \(repo.path)")
            try Self.makeProject(at: repo, worktrees: root.appendingPathComponent("worktrees").path, agents: agents)
            let repository = try Repository.locate(from: repo.path)
            let pool = try OrchestratorConfig.load(from: repository.configFile)
            var logger = Logger(label: "turbocode.demo")
            logger.logLevel = .warning
            var options = Server.Options()
            options.port = 0
            options.leaseSweep = pool.leases.sweep
            options.leaseTTL = pool.leases.ttl
            let serverOptions = options
            let serverLogger = logger
            let started = Date()
            let stats = try await TurboApp.withStore(repository.defaultDatabase, logger: logger) { store in
                _ = try await ProjectSetup.initialize(
                    repository: repository, key: "SHOP", name: "Web shop", store: store)
                try await Self.addIssues(store)
                Output.line(
                    "12 issues, \(pool.subagents.count) fake agent(s), tests: \(pool.testCommand ?? "-"), "
                        + "review.auto_merge: true\n")
                try await Up.runPool(
                    store: store, repository: repository, pool: pool, database: repository.defaultDatabase,
                    options: serverOptions, untilIdle: true, logger: serverLogger)
                let project = try await ProjectSetup.resolve(nil, repository: repository, store: store)
                return try await StatsService.compute(store: store, project: .id(project.id), since: started)
            }
            Output.line("\n$ turbocode stats\n" + StatsService.text(stats))
            let log = try Self.git(["log", "--oneline", "--first-parent", "main"], in: repo.path)
            Output.line(
                "\nmain now (newest first):\n"
                    + log.split(separator: "\n").prefix(14).map { "  \($0)" }.joined(separator: "\n"))
            guard stats.merged == 12 else {
                Output.error("only \(stats.merged) of 12 issues were merged")
                throw ExitCode(1)
            }
            if keep || dashboard {
                Output.line(
                    "\nThe repository is \(repo.path). Look around:\n  cd \(repo.path)\n  turbocode issue list\n"
                        + "  turbocode events --limit 40\n  turbocode review show SHOP-7\n  sh tests/run.sh")
            } else {
                try? FileManager.default.removeItem(at: root)
                Output.line("\nThe repository was \(repo.path) (removed; run with --keep to look around).")
            }
            Output.line(
                "\nThese agents were fake-agent, standing in for Claude Code. With the real one: put `claude` on PATH "
                    + "with a credential (ANTHROPIC_API_KEY, or `claude /login`), set `driver: claude` for your "
                    + "subagents in turbocode.yaml, and run `turbocode up` in your repository (README: On your own "
                    + "repository; docs/agents.md).")
            if dashboard { try await serveDashboard(repository: repository, logger: logger) }
        }

        /// The finished run's server (API, MCP and dashboard, no agents) until Ctrl-C, with an admin token to sign in.
        func serveDashboard(repository: Repository, logger: Logger) async throws {
            var options = Server.Options()
            options.port = port
            let serverOptions = options
            try await TurboApp.withStore(repository.defaultDatabase, logger: logger) { store in
                _ = try await Server.ensureAdminToken(repository: repository, store: store)
                let tokenFile = (repository.stateDirectory as NSString).appendingPathComponent("admin-token")
                try await Server.run(
                    store: store, database: repository.defaultDatabase, repository: repository,
                    options: serverOptions, logger: logger, version: Turbocode.configuration.version,
                    report: { _ in }
                ) { bound in
                    Output.line(
                        "\nDashboard: http://\(serverOptions.host):\(bound)/ — sign in with the admin token in "
                            + "\(tokenFile). Ctrl-C stops it.")
                }
            }
        }

        /// fake-agent beside this executable.
        static func fakeAgent() throws -> String {
            let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            let candidates = [
                own.deletingLastPathComponent().appendingPathComponent("fake-agent").path,
                Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("fake-agent").path,
            ].compactMap { $0 }
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw TurboError.invalidInput(
                    "fake-agent is not next to turbocode (\(candidates.first ?? "?")); build it with 'swift build'")
            }
            return found
        }

        static func makeProject(at repo: URL, worktrees: String, agents: Int) throws {
            try git(["init", "-q", "-b", "main"], in: repo.path)
            let files: [String: String] = [
                "README.md": "# Web shop\n\nA small shop that turboCode's demo agents extend.\n",
                "shop/catalog.txt": "tea\ncoffee\ncocoa\n",
                "tests/run.sh": """
                #!/bin/sh
                # The project's tests: every document has a title, and no line starts with BROKEN.
                set -e
                if grep -rn '^BROKEN' --exclude-dir=.git .; then
                    echo "FAIL: a line starting with BROKEN is left in the tree"
                    exit 1
                fi
                for file in $(find . -name '*.md' -not -path './.git/*'); do
                    head -1 "$file" | grep -q '^# ' || { echo "FAIL: $file has no title"; exit 1; }
                done
                echo "ok: $(find . -name '*.md' -not -path './.git/*' | wc -l | tr -d ' ') documents"

                """,
                ".gitignore": ".turbocode/\n",
            ]
            for (path, text) in files {
                let url = repo.appendingPathComponent(path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
            let specialists = [
                ("backend-1", "backend", "[backend, database]"), ("web-1", "web", "[web]"),
            ]
            var pool = ""
            for index in 0..<agents {
                if index < specialists.count, agents > 2 {
                    let (id, specialization, capabilities) = specialists[index]
                    pool += """
                          - id: \(id)
                            specialization: \(specialization)
                            capabilities: \(capabilities)
                            driver: claude

                        """
                } else {
                    pool += """
                          - id: generalist-\(index + 1)
                            capabilities: [backend, database, web, docs]
                            driver: claude

                        """
                }
            }
            let config = """
                # turboCode's demo: fake agents standing in for Claude Code.
                project:
                  key: SHOP
                  name: Web shop
                base_branch: main
                worktrees:
                  root: \(worktrees)
                test_command: "sh tests/run.sh"
                review:
                  auto_merge: true
                limits:
                  max_concurrent_subagents: \(agents)
                  max_active_worktrees: 12
                  retry_backoff: 1s
                  inactivity_timeout: 2m
                subagents:
                \(pool)
                """
            try Data(config.utf8).write(to: repo.appendingPathComponent("turbocode.yaml"))
            try git(["add", "-A"], in: repo.path)
            try git(["commit", "-q", "-m", "A small web shop"], in: repo.path)
        }

        /// About a dozen issues: a dependency DAG, capabilities, overlapping paths, one agent that dies mid-way and
        /// one first attempt that fails the tests.
        static func addIssues(_ store: any TurboStore) async throws {
            let issues: [(String, [String], [String], [Int], String)] = [
                ("Database schema", ["database"], ["db/**"], [], "Tables for users and orders."),
                ("Users API", ["backend"], ["api/users/**"], [1], "CRUD for users."),
                ("Orders API", ["backend"], ["api/orders/**"], [1], "CRUD for orders."),
                ("Web shell", ["web"], ["web/**"], [], "Layout and navigation."),
                ("Users page", ["web"], ["web/users/**"], [2, 4], "List and edit users."),
                ("Orders page", ["web"], ["web/orders/**"], [3, 4], "List orders with totals."),
                ("Docs", ["docs"], ["docs/**"], [], "How to run the shop.\nfake-agent: break-tests-once"),
                ("Readme badge", [], [], [], "A build badge.\nfake-agent: crash-after-commit-once"),
                ("Migration A", ["backend"], ["db/migrations/**"], [], "Add an index."),
                ("Migration B", ["backend"], ["db/migrations/**"], [], "Add a column."),
                ("End-to-end tests", ["web"], ["e2e/**"], [5, 6], "Browser tests of both pages."),
                ("Release", [], [], [11, 7, 8], "Tag 1.0."),
            ]
            let project = ProjectRef.key(try ProjectKey("SHOP"))
            var keys: [IssueKey] = []
            for (title, capabilities, paths, blockers, description) in issues {
                let issue = try await store.createIssue(
                    NewIssue(
                        project: project, title: title, description: description, status: .ready,
                        capabilities: capabilities, paths: paths, createdBy: "user:demo",
                        blockedBy: blockers.map { .key(keys[$0 - 1]) }))
                keys.append(issue.key)
            }
        }

        @discardableResult
        static func git(_ arguments: [String], in directory: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", directory] + arguments
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("demo-git-\(UUID().uuidString)")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: output) }
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw TurboError.invalidInput("git \(arguments.joined(separator: " ")) failed in \(directory)")
            }
            return try String(contentsOf: output, encoding: .utf8)
        }
    }
}
