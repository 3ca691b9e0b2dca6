import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Impersonates the Claude Code CLI (`claude -p PROMPT --output-format stream-json --verbose --mcp-config FILE`) for
/// tests and demos: connects to the MCP server named in the config, reads its issue, writes a file and commits it in
/// the current directory (the worktree), submits, and writes realistic stream-json on stdout.
///
/// Scenarios, from `FAKE_AGENT_SCENARIO`, from a line `fake-agent: NAME` in the issue's description, or from the JSON
/// object (issue key → name) in the file named by `FAKE_AGENT_SCENARIO_FILE`:
///
/// - `normal`: the above.
/// - `crash`: dies with SIGABRT mid-stream, before committing.
/// - `crash-after-commit-once`: commits, then kills itself with SIGKILL; a later run in the same worktree finishes.
/// - `hang`: says nothing more after starting, and never ends.
/// - `slow`: one line a second for `FAKE_AGENT_SLOW_SECONDS` (5), then the normal work.
/// - `rate-limit`: reports a usage limit that resets in 15 minutes and exits 1.
/// - `no-submit`: commits but does not submit, unless the prompt is a nudge.
/// - `never-submit`: commits but never submits.
/// - `ignore-sigint`: ignores SIGINT, then hangs (SIGTERM ends it).
/// - `fork-child`: leaves a `sleep` child behind in its process group (its pid written to
///   `FAKE_AGENT_CHILD_PID_FILE` when set), then does the normal work.
@main
struct FakeAgent {
    static func main() async {
        do {
            let exitCode = try await run(Array(CommandLine.arguments.dropFirst()))
            exit(exitCode)
        } catch {
            FileHandle.standardError.write(Data("fake-agent: \(error)\n".utf8))
            exit(2)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    struct Options {
        var prompt: String?
        var outputFormat = "text"
        var verbose = false
        var mcpConfig: String?
        var model = "fake-sonnet"
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            func value() throws -> String {
                guard let value = iterator.next() else { throw Failure("\(argument) needs a value") }
                return value
            }
            switch argument {
            case "-p", "--print": options.prompt = try value()
            case "--output-format": options.outputFormat = try value()
            case "--verbose": options.verbose = true
            case "--mcp-config": options.mcpConfig = try value()
            case "--model": options.model = try value()
            case "--strict-mcp-config": break
            case "--permission-mode", "--allowedTools", "--append-system-prompt": _ = try value()
            default: throw Failure("unknown option \(argument)")
            }
        }
        if options.outputFormat == "stream-json" && !options.verbose {
            throw Failure("When using --print, --output-format=stream-json requires --verbose")
        }
        return options
    }

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try parse(arguments)
        let environment = ProcessInfo.processInfo.environment
        guard let prompt = options.prompt else { throw Failure("give a prompt with -p") }
        guard let configPath = options.mcpConfig ?? environment["TURBOCODE_MCP_CONFIG"] else {
            throw Failure("no MCP server: give --mcp-config FILE")
        }
        guard let issueKey = environment["TURBOCODE_ISSUE"] else { throw Failure("TURBOCODE_ISSUE is not set") }
        let epoch = environment["TURBOCODE_EPOCH"].flatMap(Int.init)
        let out = Stream(session: UUID().uuidString.lowercased())
        let client = try MCPClient(configFile: configPath)

        out.emit([
            "type": "system", "subtype": "init", "session_id": out.session,
            "cwd": FileManager.default.currentDirectoryPath,
            "model": options.model, "tools": ["Bash", "Edit", "Read", "Write", "mcp__turbocode__get_issue"],
            "mcp_servers": [["name": "turbocode", "status": "connected"]], "permissionMode": "acceptEdits",
        ])
        try await client.initialize()
        out.toolUse("mcp__turbocode__get_issue", ["issue_id": issueKey])
        let issue = try await client.callTool("get_issue", ["issue_id": issueKey])
        out.toolResult(issue.text, isError: issue.isError)
        guard !issue.isError, let details = issue.structured else { throw Failure("get_issue failed: \(issue.text)") }
        let title = details["title"] as? String ?? issueKey
        let scenario = try Self.scenario(issue: issueKey, description: details["description"] as? String)
        let isNudge = prompt.contains("You have not submitted")
        out.text("Working on \(issueKey): \(title) (scenario \(scenario)).")

        switch scenario {
        case "hang":
            while true { sleep(3_600) }
        case "ignore-sigint":
            signal(SIGINT, SIG_IGN)
            while true { sleep(3_600) }
        case "crash":
            out.text("Reading the code…")
            abort()
        case "rate-limit":
            let reset = Int(Date().timeIntervalSince1970) + 900
            out.emit([
                "type": "assistant", "session_id": out.session, "error": "rate_limit",
                "message": [
                    "role": "assistant",
                    "content": [["type": "text", "text": "Claude AI usage limit reached|\(reset)"]],
                ],
            ])
            out.result(success: false, text: "Claude AI usage limit reached|\(reset)")
            return 1
        case "slow":
            let seconds = environment["FAKE_AGENT_SLOW_SECONDS"].flatMap(Int.init) ?? 5
            for second in 0..<seconds {
                out.text("Still thinking (\(second + 1)/\(seconds))…")
                sleep(1)
            }
        case "fork-child":
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/bin/sleep")
            child.arguments = ["3600"]
            try child.run()
            out.text("Started a helper (pid \(child.processIdentifier)).")
            if let path = environment["FAKE_AGENT_CHILD_PID_FILE"] {
                try Data("\(child.processIdentifier)\n".utf8).write(to: URL(fileURLWithPath: path))
            }
        default: break
        }

        let file = Self.file(for: issueKey, paths: details["paths"] as? [String] ?? [])
        let alreadyThere = FileManager.default.fileExists(atPath: file)
        if !alreadyThere {
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data("# \(issueKey): \(title)\n\nDone by fake-agent.\n".utf8).write(to: URL(fileURLWithPath: file))
            out.toolUse("Write", ["file_path": file])
            try Self.git(["add", "--", file])
            try Self.git(["commit", "-q", "-m", "\(issueKey): \(title)"])
            out.toolUse("Bash", ["command": "git commit -m '\(issueKey): \(title)'"])
        }
        if scenario == "crash-after-commit-once" && !alreadyThere {
            out.text("Committed; now dying without a word.")
            kill(getpid(), SIGKILL)
        }
        if scenario == "never-submit" || (scenario == "no-submit" && !isNudge) {
            out.result(success: true, text: "I made the change and committed it.")
            return 0
        }
        var arguments: [String: Any] = ["issue_id": issueKey]
        if let epoch { arguments["epoch"] = epoch }
        out.toolUse("mcp__turbocode__submit_issue_for_review", arguments)
        let submitted = try await client.callTool("submit_issue_for_review", arguments)
        out.toolResult(submitted.text, isError: submitted.isError)
        guard !submitted.isError else {
            out.result(success: false, text: "submit_issue_for_review failed: \(submitted.text)")
            return 1
        }
        out.result(success: true, text: "Submitted \(issueKey) for review.")
        return 0
    }

    /// The scenario for this issue: env, then the scenario file, then the description, else `normal`.
    static func scenario(issue: String, description: String?) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let name = environment["FAKE_AGENT_SCENARIO"], !name.isEmpty { return name }
        if let path = environment["FAKE_AGENT_SCENARIO_FILE"],
            let data = FileManager.default.contents(atPath: path),
            let map = try JSONSerialization.jsonObject(with: data) as? [String: String], let name = map[issue]
        {
            return name
        }
        for line in (description ?? "").split(separator: "\n") where line.hasPrefix("fake-agent:") {
            return line.dropFirst("fake-agent:".count).trimmingCharacters(in: .whitespaces)
        }
        return "normal"
    }

    /// Where the work goes: inside the issue's first path pattern (up to its first wildcard), else `fake-agent/`.
    static func file(for issue: String, paths: [String]) -> String {
        let name = "\(issue.lowercased()).md"
        guard let pattern = paths.first else { return "fake-agent/\(name)" }
        let fixed = pattern.split(separator: "/").prefix { !$0.contains("*") && !$0.contains("?") }
        return fixed.isEmpty ? name : fixed.joined(separator: "/") + "/" + name
    }

    static func git(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure("git \(arguments.joined(separator: " ")) failed") }
    }
}

/// Claude-style stream-json on stdout, one line per message.
struct Stream {
    let session: String
    let started = Date()

    func emit(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    func text(_ text: String) {
        emit([
            "type": "assistant", "session_id": session,
            "message": [
                "role": "assistant", "content": [["type": "text", "text": text]],
                "usage": ["input_tokens": 400, "output_tokens": 60],
            ],
        ])
    }

    func toolUse(_ name: String, _ input: [String: Any]) {
        emit([
            "type": "assistant", "session_id": session,
            "message": [
                "role": "assistant",
                "content": [
                    ["type": "tool_use", "id": "toolu_\(UUID().uuidString.prefix(8))", "name": name, "input": input]
                ],
            ],
        ])
    }

    func toolResult(_ text: String, isError: Bool) {
        emit([
            "type": "user", "session_id": session,
            "message": ["role": "user", "content": [["type": "tool_result", "content": text, "is_error": isError]]],
        ])
    }

    func result(success: Bool, text: String) {
        emit([
            "type": "result", "subtype": success ? "success" : "error_during_execution", "is_error": !success,
            "result": text, "session_id": session, "num_turns": 3,
            "duration_ms": Int(Date().timeIntervalSince(started) * 1000), "total_cost_usd": 0.0123,
            "usage": ["input_tokens": 1_200, "output_tokens": 340], "permission_denials": [],
        ])
    }
}

/// Just enough of an MCP client over Streamable HTTP: initialize, then tools/call; answers as JSON or SSE.
final class MCPClient {
    let url: URL
    let headers: [String: String]
    var session: String?
    var nextID = 1

    init(configFile: String) throws {
        guard let data = FileManager.default.contents(atPath: configFile),
            let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let servers = document["mcpServers"] as? [String: Any],
            let server = (servers["turbocode"] ?? servers.values.first) as? [String: Any],
            let address = server["url"] as? String, let url = URL(string: address)
        else { throw FakeAgent.Failure("\(configFile) names no HTTP MCP server") }
        self.url = url
        self.headers = server["headers"] as? [String: String] ?? [:]
    }

    func initialize() async throws {
        _ = try await call(
            "initialize",
            [
                "protocolVersion": "2025-11-25", "capabilities": [:] as [String: Any],
                "clientInfo": ["name": "fake-agent", "version": "1.0"],
            ])
        _ = try await post(["jsonrpc": "2.0", "method": "notifications/initialized"])
    }

    func callTool(_ name: String, _ arguments: [String: Any]) async throws -> (
        isError: Bool, text: String, structured: [String: Any]?
    ) {
        let result = try await call("tools/call", ["name": name, "arguments": arguments])
        let text = (result["content"] as? [[String: Any]])?.compactMap { $0["text"] as? String }.joined() ?? ""
        return (result["isError"] as? Bool ?? false, text, result["structuredContent"] as? [String: Any])
    }

    func call(_ method: String, _ params: [String: Any]) async throws -> [String: Any] {
        let id = nextID
        nextID += 1
        let messages = try await post(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        guard let answer = messages.first(where: { ($0["id"] as? Int) == id }) else {
            throw FakeAgent.Failure("no answer to \(method)")
        }
        if let error = answer["error"] as? [String: Any] {
            throw FakeAgent.Failure("\(method): \(error["message"] as? String ?? "error")")
        }
        return answer["result"] as? [String: Any] ?? [:]
    }

    func post(_ message: [String: Any]) async throws -> [[String: Any]] {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: message)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
        request.setValue("2025-11-25", forHTTPHeaderField: "MCP-Protocol-Version")
        if let session { request.setValue(session, forHTTPHeaderField: "Mcp-Session-Id") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw FakeAgent.Failure("not an HTTP answer") }
        guard (200..<300).contains(http.statusCode) else {
            throw FakeAgent.Failure("MCP server answered \(http.statusCode): \(String(decoding: data, as: UTF8.self))")
        }
        if let id = http.value(forHTTPHeaderField: "Mcp-Session-Id") { session = id }
        let text = String(decoding: data, as: UTF8.self)
        let payloads: [String]
        if (http.value(forHTTPHeaderField: "Content-Type") ?? "").contains("text/event-stream") {
            payloads = text.split(separator: "\n").filter { $0.hasPrefix("data:") }.map {
                String($0.dropFirst(5)).trimmingCharacters(in: .whitespaces)
            }
        } else {
            payloads = text.isEmpty ? [] : [text]
        }
        return payloads.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
