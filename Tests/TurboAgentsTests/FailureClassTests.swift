import Foundation
import Testing
import TurboAgents

/// Reset times, failure classes, usage lines and the agent's environment, from what the CLIs print.
struct FailureClassTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-29T…Z

    @Test func resetTimesFromWaitsClocksAndTimestamps() throws {
        let now = Self.now
        #expect(ResetTime.parse(after: "try again in", in: "Please try again in 20s. Visit", now: now) == now + 20)
        #expect(ResetTime.parse(after: "try again in", in: "try again in 1m30s", now: now) == now + 90)
        #expect(ResetTime.parse(after: "try again in", in: "try again in 5 minutes", now: now) == now + 300)
        #expect(ResetTime.parse(after: "try again in", in: "try again in 6ms.", now: now) == now + 0.006)
        #expect(
            ResetTime.parse(after: "resets", in: "limit reached · resets 2026-12-06T21:00:00Z", now: now)
                == (try Date("2026-12-06T21:00:00Z", strategy: .iso8601)))
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = try #require(TimeZone(identifier: "UTC"))
        let threePM = try #require(
            ResetTime.parse(after: "resets", in: "You've hit your usage limit · resets 3pm (UTC)", now: now))
        #expect(utc.component(.hour, from: threePM) == 15 && threePM > now && threePM < now + 86_400)
        let half = try #require(ResetTime.parse(after: "resets", in: "resets 3:30 am (UTC)", now: now))
        #expect(utc.component(.hour, from: half) == 3 && utc.component(.minute, from: half) == 30)
        let later = try #require(
            ResetTime.parse(after: "resets", in: "You've hit your 5-hour limit · resets Dec 8, 12:13am (UTC)", now: now)
        )
        #expect(
            utc.dateComponents([.month, .day, .hour, .minute], from: later)
                == DateComponents(month: 12, day: 8, hour: 0, minute: 13))
        #expect(ResetTime.parse(after: "resets", in: "resets soon", now: now) == nil)
        #expect(ResetTime.parse(after: "resets", in: "resets 42 things", now: now) == nil)
    }

    @Test func claudeTwoOneFailuresAreClassified() {
        var parser = ClaudeStreamParser()
        let auth = parser.consume(
            #"{"type":"assistant","message":{"content":[{"type":"text","text":"Not logged in · Please run /login"}]},"error":"authentication_failed"}"#
        )
        #expect(auth.contains(.failure(.authentication, message: "Not logged in · Please run /login")))
        let limit = parser.consume(
            #"{"type":"assistant","message":{"content":[{"type":"text","text":"You've hit your usage limit · resets 2026-12-06T21:00:00Z"}]},"error":"rate_limit"}"#
        )
        #expect(
            limit.contains(
                .rateLimited(
                    resetAt: try? Date("2026-12-06T21:00:00Z", strategy: .iso8601),
                    message: "You've hit your usage limit · resets 2026-12-06T21:00:00Z")))
        let event = parser.consume(
            #"{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1796598766,"rateLimitType":"five_hour"}}"#
        )
        #expect(
            event == [
                .rateLimited(
                    resetAt: Date(timeIntervalSince1970: 1_796_598_766), message: "usage limit reached (five_hour)")
            ])
        // The event's exact reset wins over the minute-rounded text that follows it.
        let text = parser.consume(
            #"{"type":"assistant","message":{"content":[{"type":"text","text":"You've hit your 5-hour limit · resets 11:12pm (UTC)"}]},"error":"rate_limit"}"#
        )
        #expect(
            text.contains(
                .rateLimited(
                    resetAt: Date(timeIntervalSince1970: 1_796_598_766),
                    message: "You've hit your 5-hour limit · resets 11:12pm (UTC)")))
        let overloaded = parser.consume(
            #"{"type":"assistant","message":{"content":[{"type":"text","text":"API Error: 529 Overloaded"}]},"error":"overloaded"}"#
        )
        #expect(overloaded.contains(.failure(.overloaded, message: "API Error: 529 Overloaded")))
        let turns = parser.consume(
            #"{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":3,"usage":{}}"#)
        #expect(turns.contains { if case .failure(.turnLimit, _) = $0 { true } else { false } })
        let denied = parser.consume(
            #"{"type":"system","subtype":"permission_denied","tool_name":"Bash","tool_input":{"command":"git push origin main"}}"#
        )
        #expect(denied == [.permissionDenied(tool: "Bash", detail: "git push origin main")])
    }

    @Test func aReportKeepsEachDenialOnceAndForgetsALimitARetryGotThrough() {
        var report = RunReport(termination: .exited(0), logDirectory: URL(fileURLWithPath: "/tmp"))
        report.add(.permissionDenied(tool: "Bash", detail: "printenv"))
        report.add(.permissionDenied(tool: "Bash", detail: "printenv"))
        report.add(.permissionDenied(tool: "Bash"))
        #expect(report.permissionDenials == ["Bash: printenv"])
        report.add(.rateLimited(resetAt: nil, message: "429"))
        report.add(.recovered)
        #expect(report.rateLimit == nil)
    }

    @Test func aiderUsageAndFailuresFromItsText() {
        var parser = AiderStreamParser()
        let usage = parser.consume(
            "Tokens: 2.3k sent, 1.1k cache write, 120 received. Cost: $0.0123 message, $0.05 session.")
        #expect(usage.contains(.usage(inputTokens: 3_400, outputTokens: 120, costUSD: 0.0123)))
        let plain = parser.consume("Tokens: 850 sent, 42 received.")
        #expect(plain.contains(.usage(inputTokens: 850, outputTokens: 42, costUSD: nil)))
        let limited = parser.consume(
            "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for requests. Please try again in 20s."
        )
        #expect(limited.contains { if case .rateLimited(let reset, _) = $0 { reset != nil } else { false } })
        // A usage report after the error: aider's own retry got through.
        #expect(parser.consume("Tokens: 1k sent, 10 received.").contains(.recovered))
        let auth = parser.consume(
            "litellm.AuthenticationError: AuthenticationError: OpenAIException - Incorrect API key")
        #expect(auth.contains { if case .failure(.authentication, _) = $0 { true } else { false } })
    }

    @Test func aiderKeepsItsHousekeepingOutOfTheWorktree() throws {
        var request = AgentRunRequest(
            worktree: URL(fileURLWithPath: "/w/E2E-1"), prompt: "do it", model: "openai/scripted",
            mcp: MCPServerSpec(url: "http://127.0.0.1:1/mcp", headers: [:]),
            runDirectory: URL(fileURLWithPath: "/logs/E2E-1/run-1"), issue: "E2E-1", command: nil)
        request.permissions = AgentRunRequest.Permissions(testCommand: "sh test.sh")
        let plan = try AiderDriver().plan(request)
        let arguments = plan.arguments
        #expect(arguments.contains("--no-gitignore"))
        #expect(arguments.contains("/logs/E2E-1/run-1/aider.chat.history.md"))
        #expect(arguments.contains("/logs/E2E-1/run-1/aider.input.history"))
        let test = try #require(arguments.firstIndex(of: "--test-cmd"))
        #expect(arguments[test + 1] == "sh test.sh" && arguments.contains("--auto-test"))
    }

    @Test func claudeMayRunTheTestsAndAllowedCommandsButNotPush() throws {
        var request = AgentRunRequest(
            worktree: URL(fileURLWithPath: "/w/E2E-1"), prompt: "do it", model: nil,
            mcp: MCPServerSpec(url: "http://127.0.0.1:1/mcp", headers: [:]),
            runDirectory: URL(fileURLWithPath: "/logs/run"), issue: "E2E-1", command: nil)
        request.permissions = AgentRunRequest.Permissions(
            testCommand: "sh test.sh", allowedCommands: ["swift build", "sh test.sh", "bad) command"])
        let arguments = try ClaudeDriver().plan(request).arguments
        let allowed = try #require(arguments.firstIndex(of: "--allowedTools")).advanced(by: 1)
        #expect(
            arguments[allowed]
                == "mcp__turbocode__*,Bash(git *),Read,Edit,Write,Glob,Grep,TodoWrite,Bash(sh test.sh),"
                + "Bash(sh test.sh *),Bash(swift build),Bash(swift build *)")
        let denied = try #require(arguments.firstIndex(of: "--disallowedTools")).advanced(by: 1)
        #expect(arguments[denied].contains("Bash(git push *)"))
    }

    @Test func theEnvironmentCarriesProxiesProviderVariablesAndTheSubagentsOwn() {
        let inherited = [
            "PATH": "/bin", "HTTPS_PROXY": "http://proxy:3128", "no_proxy": "localhost",
            "NODE_EXTRA_CA_CERTS": "/ca.pem",
            "AWS_REGION": "eu-west-1", "CLAUDE_CODE_USE_BEDROCK": "1", "AIDER_MODEL": "x", "LITELLM_LOG": "DEBUG",
            "SECRET_OF_THE_COORDINATOR": "no", "DATABASE_URL": "postgres://", "ORG": "acme",
        ]
        let claude = AgentEnvironment.build(
            driver: .claude, inherited: inherited, configured: ["ANTHROPIC_BASE_URL": "https://${ORG}.example"],
            turbo: ["TURBOCODE_ISSUE": "E2E-1"], extra: [:], plan: [:])
        #expect(claude["HTTPS_PROXY"] == "http://proxy:3128" && claude["no_proxy"] == "localhost")
        #expect(claude["NODE_EXTRA_CA_CERTS"] == "/ca.pem" && claude["AWS_REGION"] == "eu-west-1")
        #expect(claude["CLAUDE_CODE_USE_BEDROCK"] == "1" && claude["AIDER_MODEL"] == nil)
        #expect(claude["ANTHROPIC_BASE_URL"] == "https://acme.example" && claude["TURBOCODE_ISSUE"] == "E2E-1")
        #expect(claude["SECRET_OF_THE_COORDINATOR"] == nil && claude["DATABASE_URL"] == nil)
        let aider = AgentEnvironment.inherit(driver: .aider, from: inherited)
        #expect(aider["AIDER_MODEL"] == "x" && aider["LITELLM_LOG"] == "DEBUG" && aider["AWS_REGION"] == "eu-west-1")
        #expect(AgentEnvironment.expand("$$HOME and ${MISSING}.", from: [:]) == "$HOME and .")
    }

    @Test func theLaunchRecordMasksSecrets() {
        let plan = LaunchPlan(arguments: ["amp", "--mcp-config", #"{"Authorization":"Bearer tc_agent_s3cret"}"#])
        let record = AgentEnvironment.launchRecord(
            plan: plan, environment: ["OPENAI_API_KEY": "sk-1", "TURBOCODE_TOKEN": "tc_agent_s3cret", "PATH": "/bin"],
            secrets: ["tc_agent_s3cret"])
        #expect(!record.contains("s3cret") && !record.contains("sk-1") && record.contains("PATH=/bin"))
    }
}
