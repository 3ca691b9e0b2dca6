import Foundation
import Logging
import Testing
import TurboApp
import TurboCore
import TurboServices

/// `turbocode up --until-idle` end to end with fake agents impersonating Claude on a real repository.
@Suite(.timeLimit(.minutes(4)))
struct UpTests {
    /// A directory holding `name` (`claude` or `codex`) → fake-agent, for PATH.
    /// `up --port 0 --until-idle` in `cli`'s repository with the fake agent as `name` first on the PATH, run to its
    /// end.
    static func upUntilIdle(_ cli: CLI, as name: String = "claude") async throws -> Background {
        let up = try startUp(cli, ["--until-idle"], as: name)
        try await offCooperativePool { up.process.waitUntilExit() }
        return up
    }

    /// `turbocode up --port 0` with `arguments`, the fake agent on the PATH as `name`, a git identity and `environment`.
    static func startUp(
        _ cli: CLI, _ arguments: [String] = [], environment: [String: String] = [:], as name: String = "claude"
    ) throws -> Background {
        let bin = try agentBin(in: cli.directory.deletingLastPathComponent(), as: name)
        let path = "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
        return try Background(
            cli, ["up", "--port", "0"] + arguments,
            environment: ["PATH": path].merging(gitIdentity) { $1 }.merging(environment) { $1 })
    }

    /// `turbocode.yaml`'s pool of one Claude Code agent, `solo`, after `limits` when given.
    static func soloPool(limits: String? = nil) -> String {
        (limits.map { "limits:\n  \($0)\n" } ?? "") + "subagents:\n  - id: solo\n    driver: claude\n"
    }

    static func agentBin(in root: URL, as name: String = "claude") throws -> String {
        let bin = root.appendingPathComponent("bin-\(name)")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let fake = CLI.executable.deletingLastPathComponent().appendingPathComponent("fake-agent")
        try FileManager.default.createSymbolicLink(
            atPath: bin.appendingPathComponent(name).path, withDestinationPath: fake.path)
        return bin.path
    }

    static let gitIdentity = [
        "GIT_AUTHOR_NAME": "Fake Agent", "GIT_AUTHOR_EMAIL": "fake@agents.test", "GIT_COMMITTER_NAME": "Fake Agent",
        "GIT_COMMITTER_EMAIL": "fake@agents.test",
    ]

    /// A first commit, `init`, the worktree root inside the test's directory, and `extra` appended to turbocode.yaml.
    static func prepare(_ cli: CLI, extra: String) throws {
        try Data("# Web shop\n".utf8).write(to: cli.directory.appendingPathComponent("README.md"))
        try git(cli, ["add", "README.md"])
        try git(cli, ["commit", "-q", "-m", "init"])
        #expect(try cli.run("init", "--key", "SHOP").status == 0)
        let config = cli.directory.appendingPathComponent("turbocode.yaml")
        let worktrees = cli.directory.deletingLastPathComponent().appendingPathComponent("worktrees").path
        let text = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "root: ~/worktrees", with: "root: \(worktrees)")
        try (text + "\n" + extra).write(to: config, atomically: true, encoding: .utf8)
    }

    @discardableResult
    static func git(_ cli: CLI, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = cli.directory
        process.environment = ProcessInfo.processInfo.environment.merging(gitIdentity) { $1 }
        let output = try ProcessOutput()
        output.attach(process)
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "git \(arguments): \(output.stderrText)")
        return output.stdoutText
    }

    static func database(_ cli: CLI) throws -> DatabaseURL {
        try cli.database.map { try DatabaseURL(parsing: $0) }
            ?? .sqlite(path: cli.directory.appendingPathComponent(".turbocode/turbocode.db").path)
    }

    /// The whole loop: 12 issues with a dependency DAG, capabilities and overlapping paths, 3 agents of different
    /// specializations, verification with the project's tests, `auto_merge`, and one `up --until-idle`: every issue
    /// is merged into main in dependency order, and main's tests pass.
    @Test(arguments: Backend.enabled)
    func twelveIssuesThreeAgentsUntilIdle(_ backend: Backend) async throws {
        try await withRepository(
            backend,
            async: { cli in
                try await offCooperativePool {
                    try Self.prepare(
                        cli,
                        extra: """
                            test_command: "if grep -rn BROKEN --exclude-dir=.git .; then exit 1; fi"
                            review:
                              auto_merge: true
                            limits:
                              max_concurrent_subagents: 3
                              max_active_worktrees: 12
                              retry_backoff: 1s
                              inactivity_timeout: 60s
                            subagents:
                              - id: backend-1
                                specialization: backend
                                capabilities: [backend, database]
                                driver: claude
                              - id: web-1
                                specialization: web
                                capabilities: [web]
                                driver: claude
                              - id: generalist
                                capabilities: [backend, web, docs]
                                driver: claude
                            """)
                    // key: (title, capabilities, paths, blockers, description)
                    let issues: [(String, [String], [String], [Int], String)] = [
                        ("Database schema", ["database"], ["db/**"], [], ""),
                        ("Users API", ["backend"], ["api/users/**"], [1], ""),
                        ("Orders API", ["backend"], ["api/orders/**"], [1], ""),
                        ("Web shell", ["web"], ["web/**"], [], ""),
                        ("Users page", ["web"], ["web/users/**"], [2, 4], ""),
                        ("Orders page", ["web"], ["web/orders/**"], [3, 4], ""),
                        ("Docs", ["docs"], [], [], "fake-agent: break-tests-once"),
                        ("Readme badge", [], [], [], "fake-agent: crash-after-commit-once"),
                        ("Migration A", ["backend"], ["db/migrations/**"], [], ""),
                        ("Migration B", ["backend"], ["db/migrations/**"], [], ""),
                        ("End-to-end tests", ["web"], ["e2e/**"], [5, 6], ""),
                        ("Release", [], [], [11, 7, 8], ""),
                    ]
                    for (title, capabilities, paths, blockers, description) in issues {
                        var arguments = ["issue", "add", title, "--ready"]
                        arguments += capabilities.flatMap { ["--capability", $0] } + paths.flatMap { ["--path", $0] }
                        arguments += blockers.flatMap { ["--blocked-by", "SHOP-\($0)"] }
                        if !description.isEmpty { arguments += ["-d", description] }
                        let added = try cli.run(arguments)
                        #expect(added.status == 0, "\(added.stderr)")
                    }
                    // turboCode's own files stay out of main's history (the merge queue fast-forwards this checkout).
                    try Data(".turbocode/\nturbocode.yaml\n".utf8).write(
                        to: cli.directory.appendingPathComponent(".gitignore"))
                    try Self.git(cli, ["add", ".gitignore"])
                    try Self.git(cli, ["commit", "-q", "-m", "ignore turboCode's files"])
                }
                let before = try Self.git(cli, ["rev-parse", "main"]).trimmingCharacters(in: .whitespacesAndNewlines)
                let up = try await Self.upUntilIdle(cli)
                let stdout = up.output.stdoutText
                #expect(up.process.terminationStatus == 0, "\(up.output.stderrText)")
                try await TurboApp.withStore(try Self.database(cli), logger: .init(label: "test")) { store in
                    let all = try await store.issues(IssueFilter())
                    #expect(all.count == 12)
                    #expect(
                        all.filter { $0.status != .closed || $0.closedReason != .merged }.map(\.key.description) == [],
                        "every issue was merged\n\(stdout)")
                    try await Self.checkEventLog(store: store, issues: all)
                    // Merged in dependency order: each after all its blockers.
                    let merges = try await store.checks(since: nil).filter { $0.kind == .merge && $0.passed }
                    let order = merges.map(\.issueKey)
                    #expect(Set(order).count == 12)
                    for issue in all {
                        let position = try #require(order.firstIndex(of: issue.key))
                        for blocker in issue.blockedBy {
                            #expect(
                                try #require(order.firstIndex(of: blocker)) < position, "\(blocker) before \(issue.key)"
                            )
                        }
                    }
                    // SHOP-7 failed verification once (its tests), went back to its agent, and passed.
                    let docs = try await store.checks(of: try IssueRef(parsing: "SHOP-7")).filter {
                        $0.kind == .verification
                    }
                    #expect(docs.map(\.passed) == [false, true], "\(docs.map(\.summary))")
                }
                #expect(stdout.contains("SHOP-8 given back (the agent killed by signal 9)"), "\(stdout)")
                #expect(stdout.contains("SHOP-7 failed verification at tests"), "\(stdout)")
                #expect(stdout.contains("idle: nothing in flight"))

                try await offCooperativePool {
                    // main has every issue's commit exactly once (the crashed run's commit was kept, not made
                    // again), moved only forward, and its tests pass.
                    let subjects = try Self.git(cli, ["log", "--format=%s", "\(before)..main"])
                    for number in 1...12 {
                        #expect(
                            subjects.split(separator: "\n").filter { $0.hasPrefix("SHOP-\(number):") }.count
                                == (number == 7 ? 2 : 1), "SHOP-\(number) in main:\n\(subjects)")
                    }
                    let reflog = try Self.git(cli, ["reflog", "show", "--format=%H", "main"]).split(separator: "\n")
                    for (newer, older) in zip(reflog, reflog.dropFirst()) {
                        try Self.git(cli, ["merge-base", "--is-ancestor", String(older), String(newer)])
                    }
                    // The test command on main's tree (the checkout also holds .turbocode/, whose logs quote it).
                    let export = cli.directory.deletingLastPathComponent().appendingPathComponent("main-export")
                    try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
                    let green = Process()
                    green.executableURL = URL(fileURLWithPath: "/bin/sh")
                    green.arguments = [
                        "-c", "git -C \"$0\" archive main | tar -x && if grep -rn BROKEN .; then exit 1; fi",
                        cli.directory.path,
                    ]
                    green.currentDirectoryURL = export
                    try green.run()
                    green.waitUntilExit()
                    #expect(green.terminationStatus == 0, "main's tests pass")
                    #expect(FileManager.default.fileExists(atPath: export.appendingPathComponent("db").path))
                    let left = try Self.git(cli, ["branch", "--list", "SHOP-*"])
                    #expect(left.isEmpty, "merged branches are deleted: \(left)\n\(stdout)")
                }
            })
    }

    @Test func hangsForgottenSubmissionsAndRateLimits() async throws {
        try await withRepository(
            .sqlite,
            async: { cli in
                try await offCooperativePool {
                    try Self.prepare(
                        cli,
                        extra: """
                            limits:
                              inactivity_timeout: 4s
                              max_failed_runs: 1
                              max_nudges: 1
                            alerts:
                              agent_inactive: 1s
                              uncommitted_changes: 1s
                            subagents:
                              - id: solo
                                max_concurrent_issues: 3
                                driver: claude
                            """)
                    for (title, scenario) in [
                        ("Hangs", "hang-dirty"), ("Forgets", "no-submit"), ("Limited", "rate-limit"),
                    ] {
                        let added = try cli.run("issue", "add", title, "--ready", "-d", "fake-agent: \(scenario)")
                        #expect(added.status == 0, "\(added.stderr)")
                    }
                }
                let up = try await Self.upUntilIdle(cli)
                let stdout = up.output.stdoutText
                // SHOP-3 waits for claude's limit to reset in 15 minutes, longer than --wait-for-reset: held back.
                #expect(up.process.terminationStatus == 4, "\(up.output.stderrText)")
                #expect(
                    stdout.contains(
                        "SHOP-1 set aside after 1 failed runs: the agent no output within the inactivity timeout"),
                    "\(stdout)")
                #expect(stdout.contains("SHOP-2: solo ended without submitting; nudging (1/1)"))
                #expect(stdout.contains("SHOP-2 submitted by solo"))
                #expect(stdout.contains("claude reported a limit (Claude AI usage limit reached|"))
                #expect(stdout.contains("SHOP-3 given back: claude is rate limited"))
                #expect(stdout.contains("set aside after failed runs (now open; see their comments): SHOP-1"))
                #expect(stdout.contains("1 eligible issue(s) held back: claude paused until"))
                #expect(stdout.contains("exit status 4"))
                let agents = try await offCooperativePool { try cli.run("agents", "--json") }
                let pool = try agents.json() as? [[String: Any]]
                #expect(pool?.map { $0["id"] as? String } == ["solo"] && pool?.first?["status"] as? String == "idle")
                try await TurboApp.withStore(try Self.database(cli), logger: .init(label: "test")) { store in
                    let statuses = try await store.issues(IssueFilter()).map { "\($0.key) \($0.status.rawValue)" }
                    #expect(statuses == ["SHOP-1 open", "SHOP-2 review", "SHOP-3 ready"])
                    let comments = try await store.comments(of: try IssueRef(parsing: "SHOP-1"))
                    #expect(comments.last?.body.contains("stopped retrying after 1 failed runs") == true)
                    #expect(try await store.activeWorkLogs().isEmpty, "no work log left open")
                    let alerts = try await store.events(after: 0, limit: 1_000).filter { $0.type == "alert.raised" }
                    #expect(
                        alerts.contains { $0.subject == "SHOP-1" && $0.payload["kind"] == .string("agent_inactive") },
                        "\(alerts)")
                    // The file the hanging agent left uncommitted, seen by the monitor's own task.
                    #expect(
                        alerts.contains {
                            $0.subject == "SHOP-1" && $0.payload["kind"] == .string("uncommitted_changes")
                                && $0.payload["message"]?.stringValue?.hasPrefix("1 uncommitted file(s)") == true
                        }, "\(alerts)")
                }
            })
    }

    /// Ctrl-C (here SIGTERM, the same path): the agents are stopped, their issues given back, worktrees kept.
    @Test func stoppingUpGivesTheIssuesBackAndKeepsTheWorktrees() async throws {
        try await withRepository(
            .sqlite,
            async: { cli in
                try await offCooperativePool {
                    try Self.prepare(
                        cli,
                        extra: Self.soloPool())
                    #expect(
                        try cli.run("issue", "add", "Long job", "--ready", "-d", "fake-agent: ignore-sigint").status
                            == 0)
                }
                let pidFile = cli.directory.deletingLastPathComponent().appendingPathComponent("agent.pid").path
                let up = try Self.startUp(cli, environment: ["FAKE_AGENT_CHILD_PID_FILE": pidFile])
                let assigned = try await offCooperativePool { up.line(from: .stdout) { $0.contains("SHOP-1 → solo") } }
                #expect(assigned != nil, "\(up.output.stderrText)")
                // The agent is up and ignoring SIGINT; give it a moment to read its issue.
                let logs = cli.directory.appendingPathComponent(".turbocode/logs/SHOP-1")
                for _ in 0..<200 {
                    let runs = (try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? []
                    let out = runs.first.flatMap {
                        try? String(contentsOf: logs.appendingPathComponent("\($0)/stdout.log"), encoding: .utf8)
                    }
                    if out?.contains("scenario ignore-sigint") == true { break }
                    try await Task.sleep(for: .milliseconds(25))
                }
                let (status, stderr) = try await offCooperativePool { up.terminate() }
                #expect(status == 0, "\(stderr)")
                #expect(up.output.stdoutText.contains("SHOP-1 given back: the coordinator is shutting down"))
                try await offCooperativePool {
                    let issue = try cli.run("issue", "list", "--json").json() as? [[String: Any]]
                    #expect(issue?.first?["status"] as? String == "ready")
                    let worktrees = try cli.run("worktree", "list", "--json").json() as? [[String: Any]]
                    #expect(worktrees?.count == 1, "the worktree is kept")
                    let agents = try cli.run("agents", "--json").json() as? [[String: Any]]
                    #expect(agents?.first?["status"] as? String == "idle")
                }
                // No fake-agent is left running.
                let ps = Process()
                ps.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                // (The prompt names this test's worktree, so agents of tests running alongside do not count.)
                ps.arguments = [
                    "pgrep", "-f", cli.directory.deletingLastPathComponent().appendingPathComponent("worktrees").path,
                ]
                ps.standardOutput = FileHandle.nullDevice
                try ps.run()
                ps.waitUntilExit()
                #expect(ps.terminationStatus == 1, "no agent process survives")
            })
    }

    /// Dispatch on events: with the fallback tick at an hour, an issue made ready by another process after the first
    /// scheduling pass is still assigned — the event woke the scheduler.
    @Test func anIssueMadeReadyElsewhereWakesTheScheduler() async throws {
        try await withRepository(
            .sqlite,
            async: { cli in
                try await offCooperativePool {
                    try Self.prepare(
                        cli,
                        extra: Self.soloPool(limits: "scheduling_fallback: 1h"))
                }
                let up = try Self.startUp(cli)
                let listening = try await offCooperativePool { up.line(from: .stderr) { $0.contains("http://") } }
                #expect(listening != nil, "\(up.output.stderrText)")
                // Let the first pass (nothing to do) run, so only a wake-up can assign the new issue.
                try await Task.sleep(for: .milliseconds(500))
                let added = try await offCooperativePool {
                    try cli.run("issue", "add", "Arrives later", "--ready").status
                }
                #expect(added == 0)
                let assigned = try await offCooperativePool { up.line(from: .stdout) { $0.contains("SHOP-1 → solo") } }
                #expect(assigned != nil, "\(up.output.stdoutText)\n\(up.output.stderrText)")
                let (status, stderr) = try await offCooperativePool { up.terminate() }
                #expect(status == 0, "\(stderr)")
            })
    }

    /// `limits.max_active_worktrees`: with one allowed, the first issue's worktree (kept while its work waits for
    /// review) holds the second issue back; `up --until-idle` says so and exits 4. The worktrees are counted for
    /// each assignment and listed only at the limit.
    @Test func theWorktreeLimitHoldsWorkBack() async throws {
        try await withRepository(
            .sqlite,
            async: { cli in
                try await offCooperativePool {
                    try Self.prepare(
                        cli,
                        extra: Self.soloPool(limits: "max_active_worktrees: 1"))
                    for title in ["First", "Second"] {
                        #expect(try cli.run("issue", "add", title, "--ready").status == 0)
                    }
                }
                let up = try await Self.upUntilIdle(cli)
                let out = up.output.stdoutText
                #expect(up.process.terminationStatus == 4, "\(out)\n\(up.output.stderrText)")
                #expect(out.contains("SHOP-1 submitted by solo"), "\(out)")
                #expect(out.contains("limit reached: 1 active worktrees"), "\(out)")
                #expect(!out.contains("SHOP-2 → solo"), "\(out)")
                let shown = try await offCooperativePool { try cli.run("issue", "show", "SHOP-2", "--json") }
                #expect((try shown.json() as? [String: Any])?["status"] as? String == "ready", "\(shown.stdout)")
            })
    }

    /// An agent that goes on after its submission (as a real CLI's turn does) is not stopped by the scheduling pass
    /// the submission wakes: its final result comes in, with the usage it reports.
    @Test func anAgentFinishesItsTurnAfterSubmitting() async throws {
        try await withRepository(
            .sqlite,
            async: { cli in
                try await offCooperativePool {
                    try Self.prepare(
                        cli,
                        extra: Self.soloPool())
                    let added = try cli.run(
                        "issue", "add", "Lingers", "--ready", "-d", "fake-agent: linger-after-submit")
                    #expect(added.status == 0, "\(added.stderr)")
                }
                let up = try await Self.upUntilIdle(cli)
                #expect(up.process.terminationStatus == 0, "\(up.output.stderrText)")
                #expect(up.output.stdoutText.contains("SHOP-1 submitted by solo"), "\(up.output.stdoutText)")
                let stats = try await offCooperativePool { try cli.run("stats", "--json").stdout }
                let usage =
                    (try JSONSerialization.jsonObject(with: Data(stats.utf8)) as? [String: Any])?["usage"]
                    as? [String: Any]
                #expect(usage?["issues"] as? Int == 1 && (usage?["input_tokens"] as? Int ?? 0) > 0, "\(usage ?? [:])")
            })
    }

    /// Codex agents: MCP injected with `-c`, the token from the environment, `exec --json` parsed.
    @Test func codexAgentsWorkTheQueue() async throws {
        try await withRepository(
            .sqlite,
            async: { cli in
                try await offCooperativePool {
                    try Self.prepare(
                        cli,
                        extra: """
                            subagents:
                              - id: codex-1
                                driver: codex
                                max_concurrent_issues: 2
                                model: gpt-5-codex
                            """)
                    for title in ["One", "Two"] { #expect(try cli.run("issue", "add", title, "--ready").status == 0) }
                }
                let up = try await Self.upUntilIdle(cli, as: "codex")
                let stdout = up.output.stdoutText
                #expect(up.process.terminationStatus == 0, "\(up.output.stderrText)")
                #expect(
                    stdout.contains("SHOP-1 submitted by codex-1") && stdout.contains("SHOP-2 submitted by codex-1"),
                    "\(stdout)")
                let logs = cli.directory.appendingPathComponent(".turbocode/logs/SHOP-1")
                // The run that submitted: the last one (a run that ended early under load is nudged into another;
                // run directories are named `<time>-<counter>`).
                let runs = try FileManager.default.contentsOfDirectory(atPath: logs.path).sorted { a, b in
                    func parts(_ name: String) -> (String, Int) {
                        let dash = name.lastIndex(of: "-") ?? name.endIndex
                        return (String(name[..<dash]), Int(name[dash...].dropFirst()) ?? 0)
                    }
                    return parts(a) < parts(b)
                }
                let run = try #require(runs.last)
                let transcript = try String(
                    contentsOf: logs.appendingPathComponent(run).appendingPathComponent("stdout.log"), encoding: .utf8)
                let errors =
                    (try? String(
                        contentsOf: logs.appendingPathComponent(run).appendingPathComponent("stderr.log"),
                        encoding: .utf8)) ?? ""
                #expect(
                    transcript.hasPrefix(#"{"thread_id":"#) && transcript.contains(#""type":"turn.completed""#),
                    "runs \(runs)\n\(transcript)\nstderr.log: \(errors)\n\(stdout)")
            })
    }

    /// From the event log: never two live leases on one issue, no issue started before its blockers were closed,
    /// no two issues with overlapping paths in progress at once.
    static func checkEventLog(store: any TurboStore, issues: [TurboCore.Issue]) async throws {
        var events: [Event] = []
        while true {
            let page = try await store.events(after: events.last?.id ?? 0, limit: 1_000)
            events += page
            if page.count < 1_000 { break }
        }
        var live: [String: Bool] = [:]
        var running: [String: ClosedRange<Int64>] = [:]
        var startedAt: [String: Int64] = [:]
        var closedAt: [String: Int64] = [:]
        for event in events {
            switch event.type {
            case "lease.acquired":
                #expect(live[event.subject] != true, "\(event.subject) got a second live lease at event \(event.id)")
                live[event.subject] = true
            case "lease.released":
                live[event.subject] = false
                if let start = startedAt.removeValue(forKey: event.subject) {
                    running[event.subject + "#\(event.id)"] = start...event.id
                }
            case "issue.started":
                startedAt[event.subject] = event.id
                let issue = issues.first { $0.key.description == event.subject }
                for blocker in issue?.blockedBy ?? [] {
                    let closed = closedAt[blocker.description] ?? .max
                    #expect(closed < event.id, "\(event.subject) started before \(blocker) closed")
                }
            case "issue.closed":
                closedAt[event.subject] = event.id
            default: break
            }
        }
        #expect(live.values.allSatisfy { !$0 }, "no lease left live")
        let byKey = Dictionary(uniqueKeysWithValues: issues.map { ($0.key.description, $0) })
        let intervals = running.map { (key: String($0.key.split(separator: "#")[0]), range: $0.value) }
        for a in intervals {
            for b in intervals where a.key < b.key && a.range.overlaps(b.range) {
                let (left, right) = (byKey[a.key]?.paths ?? [], byKey[b.key]?.paths ?? [])
                let overlap = left.contains { l in right.contains { r in PathGlob.overlaps(l, r) } }
                #expect(!overlap, "\(a.key) and \(b.key) overlap in paths and ran at the same time")
            }
        }
    }
}
