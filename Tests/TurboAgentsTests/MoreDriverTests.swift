import Foundation
import Testing

@testable import TurboAgents

/// The Gemini, Cursor, Amp, opencode and Copilot drivers: launch plans, and their parsers on recorded transcripts.
struct MoreDriverTests {
    static let url = "http://127.0.0.1:7420/mcp"
    static let mcp = MCPServerSpec(url: MoreDriverTests.url, headers: ["Authorization": "Bearer secret-token"])

    /// A request whose worktree and run directory are in a fresh temporary directory (`root`, to remove after).
    static func request(model: String?) throws -> (request: AgentRunRequest, root: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("drivers-\(UUID().uuidString)")
        let worktree = root.appendingPathComponent("wt")
        try FileManager.default.createDirectory(at: worktree, withIntermediateDirectories: true)
        let request = AgentRunRequest(
            worktree: worktree, prompt: "do it", model: model, mcp: mcp,
            runDirectory: root.appendingPathComponent("run"), issue: "SHOP-1", command: nil)
        return (request, root)
    }

    /// The file the plan writes at `path`, as a JSON object.
    static func json(_ plan: LaunchPlan, at path: String) throws -> [String: Any] {
        let data = try #require(plan.files.first(where: { $0.key.path == path })?.value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// `document[key][name]`: one MCP server entry.
    static func server(_ document: [String: Any], under key: String) -> [String: Any]? {
        (document[key] as? [String: Any])?["turbocode"] as? [String: Any]
    }

    /// The argument after `flag`.
    static func value(after flag: String, in arguments: [String]) -> String? {
        guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    static func tools(_ events: [AgentEvent]) -> [String] {
        events.compactMap { if case .toolCall(let name) = $0 { name } else { nil } }
    }

    static func report(_ events: [AgentEvent]) -> RunReport {
        var report = RunReport(termination: .exited(0), logDirectory: URL(fileURLWithPath: "/tmp"))
        events.forEach { report.add($0) }
        return report
    }

    // MARK: Gemini

    @Test func theGeminiDriverInjectsMCPThroughSystemSettings() throws {
        let (request, root) = try Self.request(model: "gemini-2.5-pro")
        defer { try? FileManager.default.removeItem(at: root) }
        let plan = try GeminiDriver().plan(request)
        #expect(plan.arguments.starts(with: ["gemini", "-p", "do it", "--output-format", "stream-json"]))
        #expect(plan.arguments.contains("--skip-trust"))
        #expect(Self.value(after: "--allowed-mcp-server-names", in: plan.arguments) == "turbocode")
        #expect(Self.value(after: "-m", in: plan.arguments) == "gemini-2.5-pro")
        let path = try #require(plan.environment["GEMINI_CLI_SYSTEM_SETTINGS_PATH"])
        #expect(path.hasPrefix(request.runDirectory.path), "outside the worktree")
        let server = try #require(Self.server(try Self.json(plan, at: path), under: "mcpServers"))
        #expect(server["httpUrl"] as? String == Self.url && server["trust"] as? Bool == true)
        #expect((server["headers"] as? [String: String])?["Authorization"] == "Bearer secret-token")
        #expect(plan.files[request.mcpConfigFile] != nil)
        #expect(!plan.arguments.joined().contains("Bearer"), "the token is in the settings file only")
        var bare = request
        bare.model = nil
        #expect(try !GeminiDriver().plan(bare).arguments.contains("-m"))
    }

    @Test func geminiSuccess() throws {
        let events = ParserTests.parse(try ParserTests.transcript("gemini-success"), with: GeminiStreamParser())
        #expect(
            events.first == .started(sessionID: "c0ffee00-1b2c-4d5e-8f90-0a1b2c3d4e5f", model: "gemini-2.5-pro"))
        #expect(
            Self.tools(events) == [
                "mcp_turbocode_get_issue", "run_shell_command", "mcp_turbocode_submit_issue_for_review",
            ])
        #expect(events.filter { $0 == .toolResult(ok: false) }.count == 1)
        #expect(events.filter { $0 == .toolResult(ok: true) }.count == 2)
        #expect(events.contains(.text("I'll read the issue first.")))
        #expect(events.contains(.notice("Loaded cached credentials.")))
        #expect(events.contains(.notice("Retrying after a 503 from the Gemini API (attempt 1/3)")))
        #expect(
            events.suffix(2) == [
                .usage(inputTokens: 11_890, outputTokens: 950, costUSD: nil),
                .finished(success: true, detail: "Submitted SHOP-12 for review."),
            ])
    }

    // MARK: Cursor

    @Test func theCursorDriverWritesTheWorkspaceMCPConfig() throws {
        let (request, root) = try Self.request(model: "sonnet-4.5")
        defer { try? FileManager.default.removeItem(at: root) }
        let cursor = request.worktree.appendingPathComponent(".cursor")
        try FileManager.default.createDirectory(at: cursor, withIntermediateDirectories: true)
        try Data(#"{"mcpServers":{"docs":{"url":"https://docs.example.com/mcp"}}}"#.utf8)
            .write(to: cursor.appendingPathComponent("mcp.json"))
        let plan = try CursorDriver().plan(request)
        #expect(plan.arguments.starts(with: ["cursor-agent", "-p", "--output-format", "stream-json"]))
        #expect(plan.arguments.contains("--approve-mcps") && plan.arguments.contains("--trust"))
        #expect(Self.value(after: "--workspace", in: plan.arguments) == request.worktree.path)
        #expect(Self.value(after: "--model", in: plan.arguments) == "sonnet-4.5")
        #expect(plan.arguments.last == "do it")
        let config = try Self.json(plan, at: cursor.appendingPathComponent("mcp.json").path)
        let server = try #require(Self.server(config, under: "mcpServers"))
        #expect(server["url"] as? String == Self.url)
        #expect((server["headers"] as? [String: String])?["Authorization"] == "Bearer secret-token")
        #expect((config["mcpServers"] as? [String: Any])?["docs"] is [String: Any], "the project's servers are kept")
        let ignore = try #require(plan.files.first(where: { $0.key.lastPathComponent == ".gitignore" }))
        #expect(ignore.key.deletingLastPathComponent().path == cursor.path)
        #expect(String(decoding: ignore.value, as: UTF8.self).contains("\nmcp.json\n"))
        #expect(plan.files[request.mcpConfigFile] != nil)
        #expect(!plan.arguments.joined().contains("Bearer"), "the token is in the workspace config only")
    }

    @Test func cursorSuccess() throws {
        let events = ParserTests.parse(try ParserTests.transcript("cursor-success"), with: CursorStreamParser())
        #expect(
            events.first == .started(sessionID: "5b0c7f2e-3a41-4c8e-9d10-6f2a1b3c4d5e", model: "Claude 4.5 Sonnet"))
        #expect(events.filter { if case .started = $0 { true } else { false } }.count == 1)
        #expect(
            Self.tools(events) == [
                "mcp__turbocode__get_issue", "shell", "shell", "mcp__turbocode__submit_issue_for_review",
            ])
        // The first shell call never completed (a reconnect); the second exited with 1.
        #expect(events.filter { if case .toolResult = $0 { true } else { false } }.count == 3)
        #expect(events.filter { $0 == .toolResult(ok: false) }.count == 1)
        #expect(events.contains(.text("I'll read the issue first.")))
        #expect(events.contains(.notice("connection")))
        #expect(events.contains(.notice("Connection lost, reconnecting...")))
        #expect(
            events.suffix(2) == [
                .usage(inputTokens: 15_200, outputTokens: 1_320, costUSD: nil),
                .finished(success: true, detail: "Submitted SHOP-12 for review."),
            ])
    }

    // MARK: Amp

    @Test func theAmpDriverPassesTheMCPConfigInline() throws {
        let (request, root) = try Self.request(model: "rush")
        defer { try? FileManager.default.removeItem(at: root) }
        let plan = try AmpDriver().plan(request)
        #expect(plan.arguments.starts(with: ["amp", "-x", "do it", "--stream-json"]))
        #expect(plan.arguments.contains("--dangerously-allow-all"))
        #expect(Self.value(after: "--mode", in: plan.arguments) == "rush")
        let inline = try #require(Self.value(after: "--mcp-config", in: plan.arguments))
        let server = try #require(try Self.json(inline)["turbocode"] as? [String: Any])
        #expect(server["url"] as? String == Self.url)
        #expect((server["headers"] as? [String: String])?["Authorization"] == "Bearer secret-token")
        #expect(plan.environment.isEmpty && plan.files.keys.map(\.path) == [request.mcpConfigFile.path])
    }

    @Test func ampSuccess() throws {
        let events = ParserTests.parse(try ParserTests.transcript("amp-success"), with: AmpStreamParser())
        #expect(events.first == .started(sessionID: "T-019c479a-39cc-72af-a2d1-65a965c076ec", model: nil))
        #expect(
            Self.tools(events) == [
                "mcp__turbocode__get_issue", "create_file", "Bash", "mcp__turbocode__submit_issue_for_review",
            ])
        #expect(events.filter { $0 == .toolResult(ok: false) }.count == 1)
        #expect(events.contains(.notice("Warning: IDE connection unavailable, continuing without it")))
        #expect(events.contains(.usage(inputTokens: 2_000, outputTokens: 50, costUSD: nil)))
        #expect(events.last == .finished(success: true, detail: "Submitted SHOP-12 for review."))
        let report = Self.report(events)
        #expect(report.inputTokens == 14_000 && report.outputTokens == 960 && report.costUSD == nil)
        #expect(report.toolCalls == 4 && report.finished?.success == true)
    }

    // MARK: opencode

    @Test func theOpencodeDriverInjectsMCPThroughTheEnvironment() throws {
        let (request, root) = try Self.request(model: "anthropic/claude-sonnet-4-5")
        defer { try? FileManager.default.removeItem(at: root) }
        let plan = try OpencodeDriver().plan(request)
        #expect(plan.arguments.starts(with: ["opencode", "run", "--format", "json"]))
        #expect(Self.value(after: "-m", in: plan.arguments) == "anthropic/claude-sonnet-4-5")
        #expect(plan.arguments.last == "do it")
        let content = try #require(plan.environment["OPENCODE_CONFIG_CONTENT"])
        let server = try #require(Self.server(try Self.json(content), under: "mcp"))
        #expect(server["type"] as? String == "remote" && server["url"] as? String == Self.url)
        #expect((server["headers"] as? [String: String])?["Authorization"] == "Bearer secret-token")
        #expect(Set(server.keys) == ["type", "url", "headers"], "opencode rejects unknown fields")
        #expect(plan.files[request.mcpConfigFile] != nil)
        #expect(!plan.arguments.joined().contains("Bearer"), "the token travels in the environment only")
    }

    @Test func opencodeSuccess() throws {
        let events = ParserTests.parse(try ParserTests.transcript("opencode-success"), with: OpencodeStreamParser())
        #expect(events.first == .started(sessionID: "ses_494719016ffe85dkDMj0FPRbHK", model: nil))
        #expect(events.filter { if case .started = $0 { true } else { false } }.count == 1)
        #expect(
            Self.tools(events) == ["turbocode_get_issue", "write", "bash", "turbocode_submit_issue_for_review"])
        #expect(events.filter { $0 == .toolResult(ok: false) }.count == 1, "git commit exited with 1")
        #expect(events.contains(.notice("plugin turbocode-hooks: loaded")))
        #expect(events.contains(.usage(inputTokens: 9_800, outputTokens: 140, costUSD: 0.0125)))
        #expect(events.last == .finished(success: true, detail: "Submitted SHOP-12 for review."))
        let report = Self.report(events)
        #expect(report.inputTokens == 45_050 && report.outputTokens == 840)
        #expect(abs((report.costUSD ?? 0) - 0.055) < 1e-9)
    }

    // MARK: Copilot

    @Test func theCopilotDriverPassesAnMCPConfigFile() throws {
        let (request, root) = try Self.request(model: "gpt-5")
        defer { try? FileManager.default.removeItem(at: root) }
        let plan = try CopilotDriver().plan(request)
        #expect(plan.arguments.starts(with: ["copilot", "-p", "do it", "--output-format", "json"]))
        #expect(Self.value(after: "--allow-tool", in: plan.arguments) == "turbocode")
        #expect(plan.arguments.contains("shell(git:*)"))
        #expect(Self.value(after: "--model", in: plan.arguments) == "gpt-5")
        let reference = try #require(Self.value(after: "--additional-mcp-config", in: plan.arguments))
        #expect(reference.hasPrefix("@"))
        let server = try #require(
            Self.server(try Self.json(plan, at: String(reference.dropFirst())), under: "mcpServers"))
        #expect(server["type"] as? String == "http" && server["url"] as? String == Self.url)
        #expect(server["tools"] as? [String] == ["*"])
        #expect((server["headers"] as? [String: String])?["Authorization"] == "Bearer secret-token")
        #expect(plan.files[request.mcpConfigFile] != nil)
        #expect(!plan.arguments.joined().contains("Bearer"), "the token is in the config file only")
    }

    @Test func copilotSuccess() throws {
        let events = ParserTests.parse(try ParserTests.transcript("copilot-success"), with: CopilotStreamParser())
        #expect(
            events.first == .started(sessionID: "8d2e4f60-7a1b-4c3d-9e5f-0a1b2c3d4e5f", model: "claude-sonnet-4.5"))
        // Each call once, whether announced by the message's toolRequests or by tool.execution_start.
        #expect(Self.tools(events) == ["turbocode-get_issue", "bash", "turbocode-submit_issue_for_review"])
        #expect(events.filter { $0 == .toolResult(ok: false) }.count == 1)
        #expect(events.contains(.permissionDenied(tool: "bash")))
        #expect(events.contains(.notice("! GitHub MCP server disabled for this session")))
        #expect(events.last == .finished(success: true, detail: "Submitted SHOP-12 for review."))
        let report = Self.report(events)
        #expect(report.inputTokens == 0 && report.outputTokens == 117 && report.costUSD == nil)
        #expect(report.toolCalls == 3 && report.permissionDenials == ["bash"])
    }

    // MARK: All of them

    @Test func usageLimitsPauseTheDriver() {
        let gemini = ParserTests.parse(
            [
                #"{"type":"init","timestamp":"2026-08-20T11:00:00.000Z","session_id":"g-1","model":"gemini-2.5-pro"}"#,
                #"{"type":"result","timestamp":"2026-08-20T11:00:01.000Z","status":"error","#
                    + #""error":{"type":"QuotaError","#
                    + #""message":"Quota exceeded for quota metric 'Gemini 2.5 Pro Requests'"}}"#,
            ], with: GeminiStreamParser())
        let quota = "Quota exceeded for quota metric 'Gemini 2.5 Pro Requests'"
        #expect(
            gemini.suffix(2) == [.rateLimited(resetAt: nil, message: quota), .finished(success: false, detail: quota)])

        let cursor = ParserTests.parse(
            [
                #"{"type":"result","subtype":"error","is_error":true,"result":"You've hit your usage limit.","#
                    + #""session_id":"c-1"}"#
            ], with: CursorStreamParser())
        let limit = "You've hit your usage limit."
        #expect(
            cursor == [
                .started(sessionID: "c-1", model: nil), .rateLimited(resetAt: nil, message: limit),
                .finished(success: false, detail: limit),
            ])

        let amp = ParserTests.parse(
            [
                #"{"type":"result","subtype":"error_during_execution","is_error":true,"num_turns":0,"#
                    + #""result":"Insufficient credit balance.","session_id":"T-1"}"#
            ], with: AmpStreamParser())
        let credit = "Insufficient credit balance."
        #expect(
            amp.suffix(2) == [.rateLimited(resetAt: nil, message: credit), .finished(success: false, detail: credit)])

        let opencode = ParserTests.parse(
            [
                #"{"type":"error","timestamp":1767036065000,"sessionID":"ses_x","error":{"name":"APIError","#
                    + #""data":{"message":"Rate limit exceeded","statusCode":429,"isRetryable":true}}}"#
            ], with: OpencodeStreamParser())
        let rate = "Rate limit exceeded"
        #expect(opencode == [.rateLimited(resetAt: nil, message: rate), .finished(success: false, detail: rate)])

        let copilot = ParserTests.parse(
            [
                #"{"type":"session.error","data":{"errorType":"rate_limit","message":"You've hit a rate limit."}}"#,
                #"{"type":"result","sessionId":"p-1","exitCode":1,"usage":{"premiumRequests":0}}"#,
            ], with: CopilotStreamParser())
        let copilotLimit = "You've hit a rate limit."
        #expect(
            copilot == [
                .rateLimited(resetAt: nil, message: copilotLimit), .notice(copilotLimit),
                .finished(success: false, detail: copilotLimit),
            ])
    }

    @Test func everyKindHasADriver() throws {
        #expect(DriverKind.available == DriverKind.allCases)
        for kind in DriverKind.allCases {
            #expect(kind.driver().kind == kind)
        }
    }
}
