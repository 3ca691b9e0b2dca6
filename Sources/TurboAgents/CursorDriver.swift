import Foundation

/// Cursor CLI: `cursor-agent -p --output-format stream-json --force --trust --approve-mcps --workspace WORKTREE
/// PROMPT`. Cursor reads MCP servers only from `~/.cursor/mcp.json` or the workspace's `.cursor/mcp.json`, so
/// turboCode's server (`mcpServers.turbocode {url, headers}`) is merged into `WORKTREE/.cursor/mcp.json` (servers the
/// project configures there are kept) and approved with `--approve-mcps`; the workspace is trusted with `--trust`,
/// writes and commands are allowed with `--force`. The token is in that file, never in argv. When the worktree has no
/// `.cursor/.gitignore`, one naming `mcp.json` and itself is written so the token stays out of commits; a project
/// that tracks its own `.cursor/mcp.json` shows that file as modified during the run (the only per-run alternative
/// would be editing the user's `~/.cursor`).
public struct CursorDriver: AgentDriver {
    /// Always ``DriverKind/cursor``.
    public var kind: DriverKind { .cursor }

    /// A driver; it keeps no state between runs.
    public init() {}

    /// Cursor's argv for `request`, and turboCode's server merged into the worktree's `.cursor/mcp.json`.
    public func plan(_ request: AgentRunRequest) throws -> LaunchPlan {
        var arguments = [
            "cursor-agent", "-p", "--output-format", "stream-json", "--force", "--trust", "--approve-mcps",
            "--workspace", request.worktree.path,
        ]
        if let model = request.model { arguments += ["--model", model] }
        arguments.append(request.prompt)
        let directory = request.worktree.appendingPathComponent(".cursor")
        let config = directory.appendingPathComponent("mcp.json")
        var files: [URL: Data] = [
            config: try Self.projectConfig(request.mcp, merging: config),
            request.mcpConfigFile: try request.mcp.standardConfig(),
        ]
        let ignore = directory.appendingPathComponent(".gitignore")
        if !FileManager.default.fileExists(atPath: ignore.path) {
            files[ignore] = Data("# Written by turboCode: mcp.json holds a run's token.\nmcp.json\n.gitignore\n".utf8)
        }
        return LaunchPlan(arguments: arguments, files: files)
    }

    /// A fresh ``CursorStreamParser`` for one run.
    public func makeParser() -> any AgentStreamParser { CursorStreamParser() }

    /// `existing` (the project's `.cursor/mcp.json`, if any) with turboCode's server added or replaced.
    static func projectConfig(_ mcp: MCPServerSpec, merging existing: URL) throws -> Data {
        var document =
            (try? Data(contentsOf: existing)).flatMap {
                try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
            } ?? [:]
        var servers = document["mcpServers"] as? [String: Any] ?? [:]
        // Remote servers are `{url, headers}`; Cursor infers the transport.
        servers[mcp.name] = ["url": mcp.url, "headers": mcp.headers] as [String: Any]
        document["mcpServers"] = servers
        return try JSONSerialization.data(
            withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}

/// Cursor's `stream-json`, Claude-like: `system/init`, `user` (the prompt echoed), `assistant` (complete messages),
/// `thinking`, `tool_call` (`started`/`completed`, the tool under a key like `shellToolCall` or `mcpToolCall`; a start
/// may never complete after a reconnect) and the terminal `result` (no cost; camelCase token usage when present). The
/// session id rides on every event, so the run counts as started at the first one even without `system/init`.
public struct CursorStreamParser: JSONLinesParser {
    var claude = ClaudeStreamParser()
    var started = false

    /// A parser for a new run's output.
    public init() {}

    /// The events of one `stream-json` object, led by `.started` at the first; unknown types become notices.
    public mutating func consume(type: String, object: [String: Any], line: String) -> [AgentEvent] {
        switch type {
        case "system":
            let events = claude.consume(type: type, object: object, line: line)
            guard case .some(.started) = events.first else { return events }
            if started { return [] }
            started = true
            return events
        case "user", "assistant":
            return opening(object) + claude.consume(type: type, object: object, line: line)
        case "thinking":
            return opening(object)
        case "tool_call":
            let events = opening(object)
            guard let call = (object["tool_call"] as? [String: Any])?.first,
                let body = call.value as? [String: Any]
            else { return events }
            switch object["subtype"] as? String {
            case "started":
                return events + [.toolCall(name: Self.toolName(key: call.key, args: body["args"] as? [String: Any]))]
            case "completed":
                return events + [.toolResult(ok: Self.succeeded(body["result"] as? [String: Any]))]
            default:
                return events
            }
        case "result":
            var events = opening(object)
            if let usage = object["usage"] as? [String: Any] {
                events.append(
                    .usage(
                        inputTokens: (usage["inputTokens"] as? Int) ?? (usage["input_tokens"] as? Int) ?? 0,
                        outputTokens: (usage["outputTokens"] as? Int) ?? (usage["output_tokens"] as? Int) ?? 0,
                        costUSD: nil))
            }
            let subtype = object["subtype"] as? String ?? "?"
            let isError = object["is_error"] as? Bool ?? (subtype != "success")
            let text = object["result"] as? String
            if isError, let text, CodexStreamParser.isUsageLimit(text) {
                events.append(.rateLimited(resetAt: nil, message: text))
            }
            events.append(.finished(success: subtype == "success" && !isError, detail: text ?? subtype))
            return events
        default:
            return [.notice(type)]
        }
    }

    /// `.started` from the first event carrying the session id, when `system/init` did not come first.
    mutating func opening(_ object: [String: Any]) -> [AgentEvent] {
        guard !started else { return [] }
        started = true
        return [.started(sessionID: object["session_id"] as? String, model: nil)]
    }

    /// `mcp__<server>__<tool>` for MCP calls (as Claude names them), else the key without `ToolCall`
    /// (`shellToolCall` → `shell`).
    static func toolName(key: String, args: [String: Any]?) -> String {
        if key == "mcpToolCall" {
            if let server = args?["providerIdentifier"] as? String, let tool = args?["toolName"] as? String {
                return "mcp__\(server)__\(tool)"
            }
            return args?["name"] as? String ?? "mcp"
        }
        return key.hasSuffix("ToolCall") ? String(key.dropLast("ToolCall".count)) : key
    }

    /// A completed call succeeded when its result is `success` (and a shell command exited with 0).
    static func succeeded(_ result: [String: Any]?) -> Bool {
        guard let success = result?["success"] as? [String: Any] else { return false }
        return (success["exitCode"] as? Int ?? 0) == 0
    }
}
