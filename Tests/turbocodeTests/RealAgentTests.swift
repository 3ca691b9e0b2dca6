import Foundation
import Logging
import Testing
import TurboApp
import TurboCore
import TurboServices

/// A real agent CLI under test: Claude Code (the binary PyPI's `claude-agent-sdk` bundles) or Aider (PyPI
/// `aider-chat`), with only the model replaced by a scripted server that the test owns
/// (`Tests/agents/scripted_anthropic.py`, `Tests/agents/scripted_openai.py`). The scripts decide from what a model
/// sees — the prompt, the tool schemas and the tool results — and nothing else.
enum RealAgent: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case claude, aider

    var testDescription: String { rawValue }

    /// The CLI's executable, from `TURBOCODE_TEST_CLAUDE` / `TURBOCODE_TEST_AIDER` (scripts/python-env.sh --paths).
    var executable: String? {
        let variable = self == .claude ? "TURBOCODE_TEST_CLAUDE" : "TURBOCODE_TEST_AIDER"
        return ProcessInfo.processInfo.environment[variable].flatMap {
            FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
        }
    }

    /// Every agent whose CLI is installed; all of them when the run requires them (a missing one then fails).
    static var enabled: [RealAgent] {
        ProcessInfo.processInfo.environment["TURBOCODE_REQUIRE_REAL_AGENTS"] == "1"
            ? allCases : allCases.filter { $0.executable != nil }
    }

    var script: String { self == .claude ? "scripted_anthropic.py" : "scripted_openai.py" }

    /// The subagent's `env:` pointing the CLI at the scripted model (no key when `key` is nil); `metadata` is the
    /// model's context size and price for Aider (litellm knows nothing of a scripted model).
    func environment(port: Int, key: String?, metadata: String) -> [String: String] {
        switch self {
        case .claude:
            var environment = [
                "ANTHROPIC_BASE_URL": "http://127.0.0.1:\(port)", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
                // Claude Code's own retries of a 429 (10 by default, with back-off) would only slow the test.
                "CLAUDE_CODE_MAX_RETRIES": "0",
            ]
            environment["ANTHROPIC_API_KEY"] = key
            return environment
        case .aider:
            var environment = [
                "OPENAI_API_BASE": "http://127.0.0.1:\(port)/v1", "AIDER_MODEL_METADATA_FILE": metadata,
                // litellm would fetch its price list from the network when it starts.
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            ]
            environment["OPENAI_API_KEY"] = key
            return environment
        }
    }

    /// The provider variables the coordinator itself must not pass on (the no-key scenario).
    var keyVariables: [String] {
        self == .claude ? ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"] : ["OPENAI_API_KEY"]
    }

    var model: String? { self == .aider ? "openai/scripted" : nil }
}

/// A scripted model server started for one test: prints `listening on PORT`, logs one JSON line per request.
final class ModelServer: Sendable {
    let background: Background
    let port: Int
    let log: URL

    init(_ agent: RealAgent, persona: String, directory: URL, extra: [String] = []) throws {
        let python = ProcessInfo.processInfo.environment["TURBOCODE_TEST_PYTHON"] ?? "/usr/bin/python3"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("agents").appendingPathComponent(agent.script)
        log = directory.appendingPathComponent("model-\(persona).jsonl")
        background = try Background(
            executable: URL(fileURLWithPath: python),
            [script.path, "--port", "0", "--persona", persona, "--log", log.path] + extra, directory: nil)
        let line = background.line(from: .stdout) { $0.hasPrefix("listening on ") }
        guard let line, let port = Int(line.dropFirst("listening on ".count)) else {
            throw RealAgentTests.Failure(
                "the scripted model did not start: \(background.output.stdoutText)\(background.output.stderrText)")
        }
        self.port = port
    }

    /// The requests the model answered, as logged.
    var requests: [[String: Any]] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Kills the server (it holds nothing worth a graceful end); not waited for.
    func stop() {
        if background.process.isRunning { kill(background.process.processIdentifier, SIGKILL) }
    }
}

/// `turbocode up --until-idle` with the real Claude Code and the real Aider on freshly `git init`ed repositories with
/// nothing prepared for the agent: a DAG of issues merged in dependency order by two agents, a model that runs the
/// tests before it submits, one that forgets to submit and is nudged, one whose first submission fails verification
/// and is fixed, a rate limit that pauses the driver until its reset, and no API key at all.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct RealAgentTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// What one `up` run left behind.
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The project's tests: every `NAME.txt` holds exactly the line `NAME`.
    static let testScript = """
        #!/bin/sh
        # Every NAME.txt holds exactly the line NAME.
        status=0
        count=0
        for f in *.txt; do
          [ -e "$f" ] || continue
          count=$((count + 1))
          name=$(basename "$f" .txt)
          if [ "$(cat "$f")" != "$name" ]; then
            echo "FAIL: $f must hold exactly the line '$name', found: $(head -c 80 "$f")"
            status=1
          fi
        done
        [ $status = 0 ] && echo "ok: $count file(s) checked"
        exit $status

        """

    /// A fresh repository (README and the test script committed), `turbocode init`, and a turbocode.yaml with the
    /// given agents pointed at the model server; then the issues, `(name, blockers)`, each asking for `name.txt`.
    static func prepare(
        _ cli: CLI, agent: RealAgent, ids: [String], port: Int, key: String? = "scripted",
        issues: [(String, [Int])], limits: String = ""
    ) throws {
        try Data("# A fresh project\n".utf8).write(to: cli.directory.appendingPathComponent("README.md"))
        try Data(testScript.utf8).write(to: cli.directory.appendingPathComponent("test.sh"))
        try UpTests.git(cli, ["add", "README.md", "test.sh"])
        try UpTests.git(cli, ["commit", "-q", "-m", "init"])
        #expect(try cli.run("init", "--key", "E2E").status == 0)
        let config = cli.directory.appendingPathComponent("turbocode.yaml")
        let worktrees = cli.directory.deletingLastPathComponent().appendingPathComponent("worktrees").path
        let text = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "root: ~/worktrees", with: "root: \(worktrees)")
        let metadata = cli.directory.deletingLastPathComponent().appendingPathComponent("model-metadata.json")
        try Data(
            #"{"openai/scripted": {"max_input_tokens": 128000, "max_output_tokens": 4096, "input_cost_per_token": 0.000003, "output_cost_per_token": 0.000015, "litellm_provider": "openai", "mode": "chat"}}"#
                .utf8
        ).write(to: metadata)
        let environment = agent.environment(port: port, key: key, metadata: metadata.path).sorted { $0.key < $1.key }
            .map { "      \($0.key): \"\($0.value)\"" }.joined(separator: "\n")
        let subagents = ids.map { id in
            "  - id: \(id)\n    driver: \(agent.rawValue)\n"
                + (agent.model.map { "    model: \($0)\n" } ?? "") + "    env:\n\(environment)"
        }.joined(separator: "\n")
        let yaml = """
            test_command: sh test.sh
            review:
              auto_merge: true
              verify_retries: 2
            limits:
              max_concurrent_subagents: \(ids.count)
              retry_backoff: 1s
              rate_limit_pause: 5s
              inactivity_timeout: 120s
            \(limits)
            subagents:
            \(subagents)
            """
        try (text + "\n" + yaml + "\n").write(to: config, atomically: true, encoding: .utf8)
        for (name, blockers) in issues {
            var arguments = [
                "issue", "add", "Add \(name).txt", "--ready", "-d",
                "Create the file `\(name).txt` containing the line `\(name)`.",
            ]
            arguments += blockers.flatMap { ["--blocked-by", "E2E-\($0)"] }
            let added = try cli.run(arguments)
            #expect(added.status == 0, "\(added.stderr)")
        }
    }

    /// `up --until-idle` with the agent's CLI on PATH, a HOME of its own (no login state from this machine) and
    /// `unset` removed from its environment.
    static func up(_ cli: CLI, agent: RealAgent, unset: [String] = []) async throws -> Run {
        let executable = try #require(agent.executable, "\(agent) is not installed: run scripts/python-env.sh")
        let root = cli.directory.deletingLastPathComponent()
        let bin = root.appendingPathComponent("bin-\(agent)")
        let home = root.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try? FileManager.default.createSymbolicLink(
            atPath: bin.appendingPathComponent(agent.rawValue).path, withDestinationPath: executable)
        let path = "\(bin.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
        let up = try Background(
            cli, ["up", "--port", "0", "--until-idle", "--wait-for-reset", "120"],
            environment: ["PATH": path, "HOME": home.path].merging(UpTests.gitIdentity) { $1 },
            unset: unset + ["CLAUDE_CONFIG_DIR"])
        try await offCooperativePool { up.process.waitUntilExit() }
        return Run(status: up.process.terminationStatus, stdout: up.output.stdoutText, stderr: up.output.stderrText)
    }

    static func store<T: Sendable>(_ cli: CLI, _ body: @Sendable (any TurboStore) async throws -> T) async throws -> T {
        try await TurboApp.withStore(try UpTests.database(cli), logger: Logger(label: "test"), body)
    }

    /// Every issue closed as merged; main moved only forward, holds every file, and its tests pass.
    static func expectAllMerged(_ cli: CLI, count: Int, run: Run) async throws {
        try await store(cli) { store in
            let all = try await store.issues(IssueFilter(statuses: IssueStatus.allCases))
            #expect(all.count == count)
            #expect(
                all.filter { $0.status != .closed || $0.closedReason != .merged }.map(\.key.description) == [],
                "every issue merged\n\(run.stdout)\n\(run.stderr)")
        }
        try await offCooperativePool {
            let reflog = try UpTests.git(cli, ["reflog", "show", "--format=%H", "main"]).split(separator: "\n")
            for (newer, older) in zip(reflog, reflog.dropFirst()) {
                try UpTests.git(cli, ["merge-base", "--is-ancestor", String(older), String(newer)])
            }
            // The tests on main's tree, exported (the checkout also holds turboCode's own untracked files).
            let export = cli.directory.deletingLastPathComponent().appendingPathComponent("main-export")
            try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/bin/sh")
            check.arguments = ["-c", "git -C \"$0\" archive main | tar -x && sh test.sh", cli.directory.path]
            check.currentDirectoryURL = export
            let output = try ProcessOutput()
            output.attach(check)
            try check.run()
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "main's tests pass: \(output.stdoutText)")
            #expect(output.stdoutText.contains("ok: \(count) file(s) checked"), "\(output.stdoutText)")
        }
    }

    /// The types of the events logged, in order, with their subjects.
    static func events(_ cli: CLI) async throws -> [Event] {
        try await store(cli) { try await $0.events(after: 0, limit: 10_000) }
    }

    /// The run folders of an issue's agent runs.
    static func runs(_ cli: CLI, issue: String) throws -> [URL] {
        let logs = cli.directory.appendingPathComponent(".turbocode/logs/\(issue)")
        return try FileManager.default.contentsOfDirectory(at: logs, includingPropertiesForKeys: nil)
            .filter { $0.hasDirectoryPath && !$0.lastPathComponent.hasPrefix("verify") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// One scenario: a fresh repository with `issues`, `agents` agents of `agent`'s CLI, a scripted model with
    /// `persona` (and `serverFlags`), one `up --until-idle`; then `check` with what it left.
    static func scenario(
        _ agent: RealAgent, persona: String, agents: Int = 1, issues: [(String, [Int])] = [("alpha", [])],
        key: String? = "scripted", unset: [String] = [], serverFlags: [String] = [],
        check: @Sendable (CLI, ModelServer, Run) async throws -> Void
    ) async throws {
        try await withRepository(
            .sqlite,
            async: { cli in
                let model = try ModelServer(
                    agent, persona: persona, directory: cli.directory.deletingLastPathComponent(), extra: serverFlags)
                defer { model.stop() }
                try await offCooperativePool {
                    try Self.prepare(
                        cli, agent: agent, ids: (1...agents).map { "\(agent)-\($0)" }, port: model.port, key: key,
                        issues: issues)
                }
                try await check(cli, model, try await Self.up(cli, agent: agent, unset: unset))
            })
    }

    // MARK: - Scenarios

    /// Five issues in a DAG (2 and 3 after 1, 4 after 2 and 3; 5 on its own), two agents of the same CLI: all merged,
    /// each after its blockers, main only fast-forwarded, nothing refused by the CLI's permissions.
    @Test(arguments: RealAgent.enabled)
    func aDagOfFiveIssuesWithTwoAgents(_ agent: RealAgent) async throws {
        let dag = [("alpha", []), ("beta", [1]), ("gamma", [1]), ("delta", [2, 3]), ("epsilon", [])]
        try await Self.scenario(agent, persona: "diligent", agents: 2, issues: dag) { cli, _, run in
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("exit status 0 (every eligible issue reached its end)"), "\(run.stdout)")
            try await Self.expectAllMerged(cli, count: 5, run: run)
            let events = try await Self.events(cli)
            let merged = events.filter { $0.type == "merge.succeeded" }.map(\.subject)
            #expect(Set(merged).count == 5, "\(merged)")
            func position(_ number: Int) -> Int { merged.firstIndex(of: "E2E-\(number)") ?? -1 }
            #expect(position(1) < position(2) && position(1) < position(3), "\(merged)")
            #expect(position(2) < position(4) && position(3) < position(4), "\(merged)")
            #expect(events.filter { $0.type == "agent.permission_denied" }.isEmpty, "\(run.stdout)")
            // Both agents worked.
            let starters = try await Self.store(cli) { store in
                var agents = Set<String>()
                for issue in try await store.issues(IssueFilter(statuses: [.closed])) {
                    for log in try await store.workLogs(of: .id(issue.id)) { agents.insert(log.startedBy) }
                }
                return agents
            }
            #expect(starters == ["ai:\(agent)-1", "ai:\(agent)-2"], "\(starters)")
        }
    }

    /// A model that runs the project's tests before it submits: the CLI lets it (the test command is allowed), the
    /// model sees them pass, and the work is merged. Usage and cost reach the work log.
    @Test(arguments: RealAgent.enabled)
    func theModelRunsTheTestsBeforeSubmitting(_ agent: RealAgent) async throws {
        try await Self.scenario(agent, persona: "diligent") { cli, _, run in
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            try await Self.expectAllMerged(cli, count: 1, run: run)
            // The tests ran in the agent's run and passed: Claude Code's transcript has the model's Bash call and its
            // output; Aider runs them itself after its edits (`--test-cmd … --auto-test`) and prints their output.
            let runs = try Self.runs(cli, issue: "E2E-1")
            let transcripts = try runs.map {
                try String(contentsOf: $0.appendingPathComponent("stdout.log"), encoding: .utf8)
            }.joined()
            let launch = try String(
                contentsOf: try #require(runs.first).appendingPathComponent("launch.txt"), encoding: .utf8)
            #expect(transcripts.contains("ok: 1 file(s) checked"), "\(transcripts)")
            switch agent {
            case .claude: #expect(transcripts.contains(#""command":"sh test.sh""#), "\(transcripts)")
            case .aider: #expect(launch.contains("--test-cmd\n  'sh test.sh'\n  --auto-test"), "\(launch)")
            }
            let events = try await Self.events(cli)
            #expect(events.filter { $0.type == "agent.permission_denied" }.isEmpty)
            let usage = try await Self.store(cli) { store in
                try await store.workLogs(of: try IssueRef(parsing: "E2E-1")).compactMap(\.inputTokens).reduce(0, +)
            }
            #expect(usage > 0, "tokens reached the work log")
            // The run's command line is kept beside its output, the token masked.
            #expect(launch.contains("argv:\n  \(agent.rawValue)\n") && !launch.contains("tc_agent_"), "\(launch)")
        }
    }

    /// A model that commits and ends its turn without submitting (Aider's: answers without editing): nudged with the
    /// whole prompt again, it does the work and submits; merged.
    @Test(arguments: RealAgent.enabled)
    func aForgetfulModelIsNudged(_ agent: RealAgent) async throws {
        try await Self.scenario(agent, persona: "forgetful") { cli, _, run in
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("E2E-1: \(agent)-1 ended without submitting; nudging (1/2)"), "\(run.stdout)")
            try await Self.expectAllMerged(cli, count: 1, run: run)
            #expect(try Self.runs(cli, issue: "E2E-1").count == 2, "one run, one nudge")
        }
    }

    /// A model whose first submission fails the coordinator's verification: the issue goes back to the same agent
    /// with the failing test's output, the model fixes it, and it is merged.
    @Test(arguments: RealAgent.enabled)
    func aFailedVerificationIsFixedByTheSameAgent(_ agent: RealAgent) async throws {
        try await Self.scenario(agent, persona: "careless") { cli, _, run in
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("E2E-1 failed verification at tests"), "\(run.stdout)")
            try await Self.expectAllMerged(cli, count: 1, run: run)
            let (passes, starters) = try await Self.store(cli) { store in
                let issue = try IssueRef(parsing: "E2E-1")
                let checks = try await store.checks(of: issue).filter { $0.kind == .verification }
                return (checks.map(\.passed), try await store.workLogs(of: issue).map(\.startedBy))
            }
            #expect(passes == [false, true])
            #expect(Set(starters) == ["ai:\(agent)-1"] && starters.count == 2, "\(starters)")
        }
    }

    /// The provider answers 429 at first: the driver is paused (with the reset the CLI reports, else
    /// `limits.rate_limit_pause`), resumed when it ends, and the work is done; `--until-idle` waits for it. Claude
    /// Code (its retries off) fails on the first 429; Aider's client retries twice by itself, so three 429s reach
    /// Aider, which prints the error (`Please try again in 2s`).
    @Test(arguments: RealAgent.enabled)
    func aRateLimitPausesTheDriverUntilItsReset(_ agent: RealAgent) async throws {
        let flags = agent == .aider ? ["--rate-limit", "3", "--retry-after", "2"] : ["--rate-limit", "1"]
        try await Self.scenario(agent, persona: "diligent", serverFlags: flags) { cli, _, run in
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("E2E-1 given back: \(agent) is rate limited"), "\(run.stdout)")
            #expect(run.stdout.contains("\(agent) resumed"), "\(run.stdout)")
            try await Self.expectAllMerged(cli, count: 1, run: run)
            let events = try await Self.events(cli)
            let paused = try #require(events.first { $0.type == "driver.paused" })
            #expect(paused.payload["kind"] == .string("rate_limited"))
            let until = try #require(paused.payload["until"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) })
            let resumed = try #require(events.first { $0.type == "driver.resumed" })
            #expect(resumed.createdAt >= until.addingTimeInterval(-1), "resumed at the reset, not before")
            let started = events.filter { $0.type == "worklog.started" }
            #expect(started.count == 2 && started[1].createdAt >= resumed.createdAt, "re-assigned after the resume")
        }
    }

    /// No API key: one launch, the driver paused for good with an alert saying what to set, the issue back in the
    /// queue, and `--until-idle` exits 4.
    @Test(arguments: RealAgent.enabled)
    func noAPIKeyIsOneLaunchAnAlertAndANonZeroExit(_ agent: RealAgent) async throws {
        try await Self.scenario(agent, persona: "diligent", key: nil, unset: agent.keyVariables) { cli, _, run in
            #expect(run.status == 4, "\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("held back: \(agent) unusable (authentication)"), "\(run.stdout)")
            #expect(try Self.runs(cli, issue: "E2E-1").count == 1, "launched once")
            let alerts = try await Self.events(cli).filter { $0.type == "alert.raised" }
            let alert = try #require(alerts.first { $0.payload["kind"] == .string("driver_unusable") }, "\(alerts)")
            let message = alert.payload["message"]?.stringValue ?? ""
            #expect(message.contains(agent == .claude ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY"), "\(message)")
            let status = try await Self.store(cli) { try await $0.issue(try IssueRef(parsing: "E2E-1")).status }
            #expect(status == .ready)
        }
    }
}
