import Foundation

/// opencode: `opencode run --format json PROMPT`, with turboCode's MCP server injected for this run only through
/// `OPENCODE_CONFIG_CONTENT` (inline config with the highest precedence, merged over the user's and the project's):
/// `{"mcp":{"turbocode":{"type":"remote","url":…,"headers":{…}}}}`. The token is in the environment, never in argv.
public struct OpencodeDriver: AgentDriver {
    /// Always ``DriverKind/opencode``.
    public var kind: DriverKind { .opencode }

    /// A driver; it keeps no state between runs.
    public init() {}

    /// The environment variable opencode reads inline configuration from.
    static let configVariable = "OPENCODE_CONFIG_CONTENT"

    /// opencode's argv for `request`, with turboCode's server inline in `OPENCODE_CONFIG_CONTENT`.
    public func plan(_ request: AgentRunRequest) throws -> LaunchPlan {
        var arguments = ["opencode", "run", "--format", "json"]
        if let model = request.model { arguments += ["-m", model] }
        arguments.append(request.prompt)
        return LaunchPlan(
            arguments: arguments, environment: [Self.configVariable: try Self.config(request.mcp)],
            files: [request.mcpConfigFile: try request.mcp.standardConfig()])
    }

    /// A fresh ``OpencodeStreamParser`` for one run.
    public func makeParser() -> any AgentStreamParser { OpencodeStreamParser() }

    /// The inline configuration: turboCode's server as a remote MCP server (no other fields: opencode rejects them).
    static func config(_ mcp: MCPServerSpec) throws -> String {
        let server: [String: Any] = ["type": "remote", "url": mcp.url, "headers": mcp.headers]
        let data = try JSONSerialization.data(
            withJSONObject: ["mcp": [mcp.name: server]], options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

/// opencode's `run --format json`: `{type, timestamp, sessionID, part}` lines: `step_start`, `text`, `tool_use` (only
/// once the tool finished: `part.tool`, `part.state.status`), `step_finish` (`part.reason`, `part.tokens`, `part.cost`)
/// and `error`. There is no terminal event: a `step_finish` with reason `stop` ends the run (and may be missing, so the
/// exit status decides then).
public struct OpencodeStreamParser: JSONLinesParser {
    var started = false
    /// The assistant's text since the last tool call: the run's final answer when it ends.
    var lastMessage: String?

    /// A parser for a new run's output.
    public init() {}

    /// The events of one `run --format json` line; unknown types become notices.
    public mutating func consume(type: String, object: [String: Any], line: String) -> [AgentEvent] {
        let part = object["part"] as? [String: Any] ?? [:]
        switch type {
        case "step_start":
            guard !started else { return [] }
            started = true
            return [.started(sessionID: object["sessionID"] as? String, model: nil)]
        case "text":
            guard let text = part["text"] as? String, !text.isEmpty else { return [] }
            lastMessage = text
            return [.text(text)]
        case "tool_use":
            lastMessage = nil
            let state = part["state"] as? [String: Any] ?? [:]
            let exitCode = (state["metadata"] as? [String: Any])?["exit"] as? Int ?? 0
            let ok = state["status"] as? String == "completed" && exitCode == 0
            return [.toolCall(name: part["tool"] as? String ?? "?"), .toolResult(ok: ok)]
        case "step_finish":
            let tokens = part["tokens"] as? [String: Any] ?? [:]
            var events: [AgentEvent] = [
                .usage(
                    inputTokens: (tokens["input"] as? Int) ?? 0, outputTokens: (tokens["output"] as? Int) ?? 0,
                    costUSD: part["cost"] as? Double)
            ]
            if part["reason"] as? String == "stop" { events.append(.finished(success: true, detail: lastMessage)) }
            return events
        case "error":
            let error = object["error"] as? [String: Any]
            let message =
                ((error?["data"] as? [String: Any])?["message"] as? String) ?? error?["message"] as? String
                ?? error?["name"] as? String ?? type
            let status = (error?["data"] as? [String: Any])?["statusCode"] as? Int
            var events: [AgentEvent] = []
            if status == 429 || CodexStreamParser.isUsageLimit(message) {
                events.append(.rateLimited(resetAt: nil, message: message))
            }
            events.append(.finished(success: false, detail: message))
            return events
        default:
            return [.notice(type)]
        }
    }
}
