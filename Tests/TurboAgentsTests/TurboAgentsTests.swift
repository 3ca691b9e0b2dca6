import Foundation
import Testing

@testable import TurboAgents

/// Stream parsers on recorded transcripts.
struct ParserTests {
    static func transcript(_ name: String) throws -> [String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Transcripts/\(name).jsonl")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func parse(_ lines: [String], with parser: some AgentStreamParser) -> [AgentEvent] {
        var parser = parser
        return lines.flatMap { parser.consume($0) }
    }

    @Test func claudeSuccess() throws {
        let events = Self.parse(try Self.transcript("claude-success"), with: ClaudeStreamParser())
        #expect(events.first == .notice("system: hook_started"))
        #expect(
            events.contains(.started(sessionID: "3f1e6c1a-9d7b-4a47-8f39-2f1e0b6f4c11", model: "claude-sonnet-4-5")))
        let tools = events.compactMap { if case .toolCall(let name) = $0 { name } else { nil } }
        #expect(tools == ["mcp__turbocode__get_issue", "Edit", "mcp__turbocode__submit_issue_for_review"])
        #expect(events.filter { $0 == .toolResult(ok: false) }.count == 1)
        #expect(events.contains(.text("I'll add the checkout page and commit it.")))
        #expect(events.contains(.notice("not json: a stray line from a hook")))
        #expect(events.contains(.usage(inputTokens: 9_120, outputTokens: 1_210, costUSD: 0.0871)))
        #expect(events.contains(.permissionDenied(tool: "Edit", detail: "web/checkout.tsx")))
        #expect(events.last == .finished(success: true, detail: "Submitted SHOP-12 for review."))

        var report = RunReport(termination: .exited(0), logDirectory: URL(fileURLWithPath: "/tmp"))
        events.forEach { report.add($0) }
        #expect(report.toolCalls == 3 && report.inputTokens == 9_120 && report.costUSD == 0.0871)
        #expect(
            report.permissionDenials == ["Edit: web/checkout.tsx"] && report.rateLimit == nil
                && report.finished?.success == true)
    }

    @Test func claudeUsageLimitGivesTheResetTime() throws {
        let events = Self.parse(try Self.transcript("claude-usage-limit"), with: ClaudeStreamParser())
        let reset = Date(timeIntervalSince1970: 1_764_032_400)
        #expect(events.contains(.rateLimited(resetAt: reset, message: "Claude AI usage limit reached|1764032400")))
        #expect(events.last == .finished(success: false, detail: "Claude AI usage limit reached|1764032400"))
    }

    @Test func codexSuccess() throws {
        let events = Self.parse(try Self.transcript("codex-success"), with: CodexStreamParser())
        #expect(events.first == .started(sessionID: "0199a213-81c0-7800-8aa1-bbab2a035a53", model: nil))
        let tools = events.compactMap { if case .toolCall(let name) = $0 { name } else { nil } }
        #expect(
            tools == [
                "mcp__turbocode__get_issue", "shell", "shell", "apply_patch", "mcp__turbocode__submit_issue_for_review",
            ])
        #expect(events.filter { $0 == .toolResult(ok: false) }.count == 1)
        #expect(events.contains(.notice("model metadata for `gpt-5-codex` not found; defaulting to fallback")))
        #expect(events.contains(.usage(inputTokens: 24_763, outputTokens: 122, costUSD: nil)))
        #expect(events.last == .finished(success: true, detail: "Added the checkout page; the submission was refused."))
    }

    @Test func codexUsageLimit() throws {
        let events = Self.parse(try Self.transcript("codex-usage-limit"), with: CodexStreamParser())
        let message = "You've hit your usage limit. Upgrade to Pro or try again in 4 days 1 hour 5 minutes."
        #expect(events.contains(.notice("Reconnecting... 1/5")))
        #expect(
            events.suffix(2) == [
                .rateLimited(resetAt: nil, message: message), .finished(success: false, detail: message),
            ])
    }

    @Test func theCodexDriverInjectsMCPPerRun() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("codex-\(UUID().uuidString)")
        let worktree = root.appendingPathComponent("wt")
        try FileManager.default.createDirectory(at: worktree, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try Data("gitdir: /repo/.git/worktrees/shop-1\n".utf8).write(to: worktree.appendingPathComponent(".git"))
        let request = AgentRunRequest(
            worktree: worktree, prompt: "do it", model: "gpt-5-codex",
            mcp: MCPServerSpec(url: "http://127.0.0.1:7420/mcp", headers: ["Authorization": "Bearer x"]),
            runDirectory: root.appendingPathComponent("run"), issue: "SHOP-1", command: nil)
        let plan = try CodexDriver().plan(request)
        #expect(
            plan.arguments == [
                "codex", "exec", "--json", "-C", worktree.path, "--sandbox", "workspace-write", "-c",
                "mcp_servers.turbocode.url=\"http://127.0.0.1:7420/mcp\"", "-c",
                "mcp_servers.turbocode.bearer_token_env_var=\"TURBOCODE_TOKEN\"", "-c",
                "mcp_servers.turbocode.tool_timeout_sec=120", "--add-dir", "/repo/.git", "-m", "gpt-5-codex", "do it",
            ])
        #expect(!plan.arguments.joined().contains("Bearer"), "the token travels in the environment only")
    }

    @Test func theCommandDriverFillsItsTemplate() throws {
        let request = AgentRunRequest(
            worktree: URL(fileURLWithPath: "/w/shop-1"), prompt: "do it", model: nil,
            mcp: MCPServerSpec(url: "http://127.0.0.1:1/mcp", headers: ["Authorization": "Bearer x"]),
            runDirectory: URL(fileURLWithPath: "/r"), issue: "SHOP-1",
            command: ["my-agent", "--in", "{worktree}", "--task={issue}", "{prompt_file}", "{prompt}"])
        let plan = try CommandDriver().plan(request)
        #expect(plan.arguments == ["my-agent", "--in", "/w/shop-1", "--task=SHOP-1", "/r/prompt.md", "do it"])
        #expect(plan.files[URL(fileURLWithPath: "/r/prompt.md")] == Data("do it".utf8))
        let config = try #require(plan.files[URL(fileURLWithPath: "/r/mcp.json")])
        let servers = try JSONSerialization.jsonObject(with: config) as? [String: [String: [String: Any]]]
        #expect(servers?["mcpServers"]?["turbocode"]?["type"] as? String == "http")
        #expect(throws: DriverError.self) {
            var bare = request
            bare.command = nil
            _ = try CommandDriver().plan(bare)
        }
        let aider = try AiderDriver().plan(request)
        #expect(aider.arguments.starts(with: ["aider", "--message-file", "/r/prompt.md", "--yes-always"]))
        #expect(
            aider.files[URL(fileURLWithPath: "/r/prompt.md")] == Data("do it".utf8) && DriverKind.aider.submitsOnExit)
        let claude = try ClaudeDriver().plan(request)
        #expect(
            claude.arguments.starts(with: ["claude", "-p", "do it", "--output-format", "stream-json", "--verbose"]))
        #expect(claude.arguments.contains("--strict-mcp-config"))
    }
}

/// The supervisor on real processes: output and logs, the stop ladder, timeouts, leftovers in the group.
@Suite(.timeLimit(.minutes(1)))
struct SupervisorTests {
    static func shell(_ script: String) -> LaunchPlan { LaunchPlan(arguments: ["/bin/sh", "-c", script]) }

    static func start(_ script: String) throws -> (AgentProcess, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = try AgentProcess(
            plan: shell(script), directory: directory,
            environment: ["PATH": "/usr/bin:/bin", "MARK": "from-env"],
            logDirectory: directory.appendingPathComponent("logs"))
        return (process, directory)
    }

    /// Whether `pid` is a live process (zombies count as gone).
    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z" && state != "X"
    }

    @Test func linesAreParsedAndKeptAndTheRunStartsInItsDirectory() async throws {
        let (process, directory) = try Self.start("echo one; pwd; echo \"$MARK\" >&2; echo two; exit 3")
        defer { try? FileManager.default.removeItem(at: directory) }
        let seen = Seen()
        let report = await process.supervise(
            parser: TextStreamParser(), limits: RunLimits(wallClock: .seconds(30), inactivity: .seconds(30))
        ) { await seen.add($0) }
        #expect(report.termination == .exited(3))
        let real = directory.resolvingSymlinksInPath().path
        #expect(await seen.events == [.text("one"), .text(real), .text("two")])
        let stdout = try String(contentsOf: report.logDirectory.appendingPathComponent("stdout.log"), encoding: .utf8)
        let stderr = try String(contentsOf: report.logDirectory.appendingPathComponent("stderr.log"), encoding: .utf8)
        #expect(stdout == "one\n\(real)\ntwo\n" && stderr == "from-env\n")
    }

    @Test func aRunsFilesAreWrittenForItsOwnerOnly() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("run/mcp.json")
        let prompt = directory.appendingPathComponent("run/prompt.md")
        // A file left by an earlier run, readable by all and longer than the new one: replaced whole, made private.
        try FileManager.default.createDirectory(
            at: config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(String(repeating: "old ", count: 100).utf8).write(to: config)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: config.path)
        // The prompt's path is a link to a file elsewhere: the link is replaced, its target left alone.
        let elsewhere = directory.appendingPathComponent("elsewhere.txt")
        try Data("theirs".utf8).write(to: elsewhere)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: elsewhere.path)
        try FileManager.default.createSymbolicLink(at: prompt, withDestinationURL: elsewhere)
        let spec = MCPServerSpec(url: "http://127.0.0.1:7420/mcp", headers: ["Authorization": "Bearer tc_agent_x"])
        let process = try AgentProcess(
            plan: LaunchPlan(
                arguments: ["/bin/sh", "-c", "cat run/prompt.md"],
                files: [config: try spec.standardConfig(), prompt: Data("the prompt".utf8)]),
            directory: directory, environment: ["PATH": "/usr/bin:/bin"],
            logDirectory: directory.appendingPathComponent("logs"))
        for file in [config, prompt] {
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file.lastPathComponent)")
        }
        #expect(try String(contentsOf: elsewhere, encoding: .utf8) == "theirs")
        #expect(try FileManager.default.attributesOfItem(atPath: elsewhere.path)[.posixPermissions] as? Int == 0o644)
        #expect(
            try FileManager.default.attributesOfItem(atPath: prompt.path)[.type] as? FileAttributeType == .typeRegular)
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any]
        let server = (written?["mcpServers"] as? [String: Any])?["turbocode"] as? [String: Any]
        #expect(server?["url"] as? String == "http://127.0.0.1:7420/mcp" && server?["type"] as? String == "http")
        #expect((server?["headers"] as? [String: String])?["Authorization"] == "Bearer tc_agent_x")
        let seen = Seen()
        let report = await process.supervise(
            parser: TextStreamParser(), limits: RunLimits(wallClock: .seconds(30), inactivity: .seconds(30))
        ) { await seen.add($0) }
        #expect(report.termination == .exited(0))
        #expect(await seen.events == [.text("the prompt")])
    }

    @Test func anAgentIgnoringSIGINTIsStoppedBySIGTERM() async throws {
        let (process, directory) = try Self.start("trap '' INT; echo ready; while true; do sleep 1; done")
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = await process.supervise(
            parser: TextStreamParser(),
            limits: RunLimits(wallClock: .seconds(30), inactivity: .seconds(30), grace: .milliseconds(300))
        ) { event in
            if event == .text("ready") { process.stop("lease lost") }
        }
        #expect(report.termination == .stopped("lease lost"))
        #expect(!Self.alive(process.pid))
    }

    @Test func cancellingTheSupervisorStopsTheAgentAndWaitsForIt() async throws {
        let (process, directory) = try Self.start("trap '' INT; echo ready; while true; do sleep 1; done")
        defer { try? FileManager.default.removeItem(at: directory) }
        let seen = Seen()
        let supervising = Task {
            await process.supervise(
                parser: TextStreamParser(),
                limits: RunLimits(wallClock: .seconds(30), inactivity: .seconds(30), grace: .milliseconds(300))
            ) { await seen.add($0) }
        }
        for _ in 0..<200 where await seen.events.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        supervising.cancel()
        let report = await supervising.value
        #expect(report.termination == .stopped("the coordinator is shutting down"))
        #expect(!Self.alive(process.pid), "gone before supervise returned")
    }

    @Test func aSilentAgentHitsTheInactivityTimeout() async throws {
        let (process, directory) = try Self.start("echo started; sleep 60")
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = await process.supervise(
            parser: TextStreamParser(),
            limits: RunLimits(wallClock: .seconds(30), inactivity: .milliseconds(500), grace: .milliseconds(300))
        ) { _ in }
        #expect(report.termination == .inactive)
    }

    @Test func aBusyAgentHitsTheWallClock() async throws {
        let (process, directory) = try Self.start("while true; do echo tick; sleep 0.1; done")
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = await process.supervise(
            parser: TextStreamParser(),
            limits: RunLimits(wallClock: .milliseconds(700), inactivity: .seconds(30), grace: .milliseconds(300))
        ) { _ in }
        #expect(report.termination == .wallClock)
    }

    @Test func childrenLeftInTheGroupAreKilledWhenTheAgentExits() async throws {
        let (process, directory) = try Self.start("sleep 300 & echo $!; exit 0")
        defer { try? FileManager.default.removeItem(at: directory) }
        let seen = Seen()
        let report = await process.supervise(
            parser: TextStreamParser(), limits: RunLimits(wallClock: .seconds(30), inactivity: .seconds(30))
        ) { await seen.add($0) }
        #expect(report.termination == .exited(0))
        guard case .text(let text) = await seen.events.first, let child = Int32(text) else {
            Issue.record("no child pid")
            return
        }
        for _ in 0..<100 where Self.alive(child) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!Self.alive(child), "the leftover child was killed")
    }

    @Test func linesSplitAtNewlineOnlyAndHaveNoLengthLimit() async throws {
        // U+2028 and U+0085 pass unescaped in JSON strings (Node, serde_json): they must not split an event.
        let (process, directory) = try Self.start(
            "printf 'a\\342\\200\\250b\\302\\205c\\n'; head -c 200000 /dev/zero | tr '\\0' x; echo")
        defer { try? FileManager.default.removeItem(at: directory) }
        let seen = Seen()
        let report = await process.supervise(
            parser: TextStreamParser(), limits: RunLimits(wallClock: .seconds(30), inactivity: .seconds(30))
        ) { await seen.add($0) }
        #expect(report.termination == .exited(0))
        let events = await seen.events
        #expect(events.count == 2)
        #expect(events.first == .text("a\u{2028}b\u{85}c"))
        #expect(events.last == .text(String(repeating: "x", count: 200_000)))
    }

    @Test func aChildStillWritingDoesNotKeepAnExitedAgentRunning() async throws {
        let (process, directory) = try Self.start("(while true; do echo tick; sleep 0.05; done) & echo started")
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = await process.supervise(
            parser: TextStreamParser(),
            limits: RunLimits(wallClock: .seconds(20), inactivity: .seconds(20), grace: .milliseconds(300))
        ) { _ in }
        // Not .wallClock: the run ended with the agent, and the writer was killed with its group.
        #expect(report.termination == .exited(0))
    }

    @Test func aMissingProgramIsAnErrorNotACrash() throws {
        let directory = FileManager.default.temporaryDirectory
        #expect(throws: DriverError.self) {
            _ = try AgentProcess(
                plan: LaunchPlan(arguments: ["definitely-not-a-program-\(UUID())"]), directory: directory,
                environment: ["PATH": "/usr/bin:/bin"], logDirectory: directory.appendingPathComponent("x-\(UUID())"))
        }
    }
}

actor Seen {
    var events: [AgentEvent] = []
    func add(_ event: AgentEvent) { events.append(event) }
}
