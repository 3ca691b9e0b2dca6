import Foundation

/// Gemini CLI: `gemini -p PROMPT --output-format stream-json --approval-mode auto_edit --skip-trust
/// --allowed-mcp-server-names turbocode`, with turboCode's MCP server injected for this run only through a generated
/// system settings file (`GEMINI_CLI_SYSTEM_SETTINGS_PATH`, which overrides user and project settings) in the run
/// directory: `mcpServers.turbocode {httpUrl, headers, trust: true}`, so its tools never need approval, and git
/// commands allowed without confirmation (`tools.allowed`). The token is in that file, never in argv.
public struct GeminiDriver: AgentDriver {
    /// Always ``DriverKind/gemini``.
    public var kind: DriverKind { .gemini }

    /// A driver; it keeps no state between runs.
    public init() {}

    /// The environment variable Gemini reads its system settings file from.
    static let settingsVariable = "GEMINI_CLI_SYSTEM_SETTINGS_PATH"

    /// Gemini's argv for `request`, and the system settings file in the run folder that names turboCode's server.
    public func plan(_ request: AgentRunRequest) throws -> LaunchPlan {
        let name = request.mcp.name
        let settingsFile = request.runDirectory.appendingPathComponent("gemini-settings.json")
        var arguments = [
            "gemini", "-p", request.prompt, "--output-format", "stream-json", "--approval-mode", "auto_edit",
            "--skip-trust", "--allowed-mcp-server-names", name,
        ]
        if let model = request.model { arguments += ["-m", model] }
        return LaunchPlan(
            arguments: arguments, environment: [Self.settingsVariable: settingsFile.path],
            files: [
                settingsFile: try Self.settings(request.mcp),
                request.mcpConfigFile: try request.mcp.standardConfig(),
            ])
    }

    /// A fresh ``GeminiStreamParser`` for one run.
    public func makeParser() -> any AgentStreamParser { GeminiStreamParser() }

    /// The system settings for one run: turboCode's server over Streamable HTTP, trusted; git without confirmation.
    static func settings(_ mcp: MCPServerSpec) throws -> Data {
        let server: [String: Any] = ["httpUrl": mcp.url, "headers": mcp.headers, "trust": true]
        let document: [String: Any] = [
            "mcpServers": [mcp.name: server],
            "tools": ["allowed": ["run_shell_command(git)"]],
        ]
        return try JSONSerialization.data(
            withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}

/// Gemini's `stream-json`: `init`, `message` (user or assistant, `delta` chunks), `tool_use`, `tool_result`, `error`
/// (non-fatal, `severity` warning or error) and the terminal `result` (`status`, `error`, `stats` with tokens, no
/// cost).
public struct GeminiStreamParser: JSONLinesParser {
    /// The assistant's text since the last tool call: the run's final answer when it ends.
    var lastMessage = ""

    /// A parser for a new run's output.
    public init() {}

    /// The events of one `stream-json` object; user messages are dropped, unknown types become notices.
    public mutating func consume(type: String, object: [String: Any], line: String) -> [AgentEvent] {
        switch type {
        case "init":
            return [.started(sessionID: object["session_id"] as? String, model: object["model"] as? String)]
        case "message":
            guard object["role"] as? String == "assistant", let content = object["content"] as? String,
                !content.isEmpty
            else { return [] }
            lastMessage = (object["delta"] as? Bool ?? false) ? lastMessage + content : content
            return [.text(content)]
        case "tool_use":
            lastMessage = ""
            return [.toolCall(name: object["tool_name"] as? String ?? "?")]
        case "tool_result":
            return [.toolResult(ok: object["status"] as? String == "success")]
        case "error":
            let message = object["message"] as? String ?? type
            guard object["severity"] as? String == "error", Self.isUsageLimit(message) else {
                return [.notice(message)]
            }
            return [.rateLimited(resetAt: nil, message: message), .notice(message)]
        case "result":
            var events: [AgentEvent] = []
            if let stats = object["stats"] as? [String: Any] {
                events.append(
                    .usage(
                        inputTokens: (stats["input_tokens"] as? Int) ?? 0,
                        outputTokens: (stats["output_tokens"] as? Int) ?? 0,
                        costUSD: nil))
            }
            let status = object["status"] as? String ?? "?"
            guard status == "success" else {
                let error = object["error"] as? [String: Any]
                let message = error?["message"] as? String ?? error?["type"] as? String ?? status
                if Self.isUsageLimit(message) { events.append(.rateLimited(resetAt: nil, message: message)) }
                events.append(.finished(success: false, detail: message))
                return events
            }
            events.append(.finished(success: true, detail: lastMessage.isEmpty ? nil : lastMessage))
            return events
        default:
            return [.notice(type)]
        }
    }

    /// Codex's wording plus Google's (`RESOURCE_EXHAUSTED`, HTTP 429 "Too Many Requests", "Quota exceeded").
    static func isUsageLimit(_ message: String) -> Bool {
        let lower = message.lowercased()
        return CodexStreamParser.isUsageLimit(message) || lower.contains("resource_exhausted")
            || lower.contains("too many requests")
    }
}
