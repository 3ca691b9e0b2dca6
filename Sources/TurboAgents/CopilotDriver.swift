import Foundation

/// GitHub Copilot CLI: `copilot -p PROMPT --output-format json --additional-mcp-config @FILE --allow-tool turbocode
/// --allow-tool 'shell(git:*)' --allow-tool write`, turboCode's MCP server injected for this run only from a file in
/// the run directory (`mcpServers.turbocode {type: "http", url, headers, tools: ["*"]}`) and allowed with all its
/// tools, as are edits and git. The token is in that file, never in argv.
public struct CopilotDriver: AgentDriver {
    /// Always ``DriverKind/copilot``.
    public var kind: DriverKind { .copilot }

    /// A driver; it keeps no state between runs.
    public init() {}

    /// Copilot's argv for `request`, with turboCode's server in `copilot-mcp.json` in the run folder.
    public func plan(_ request: AgentRunRequest) throws -> LaunchPlan {
        let configFile = request.runDirectory.appendingPathComponent("copilot-mcp.json")
        var arguments = [
            "copilot", "-p", request.prompt, "--output-format", "json", "--additional-mcp-config",
            "@\(configFile.path)", "--allow-tool", request.mcp.name, "--allow-tool", "shell(git:*)", "--allow-tool",
            "write",
        ]
        if let model = request.model { arguments += ["--model", model] }
        return LaunchPlan(
            arguments: arguments,
            files: [
                configFile: try Self.config(request.mcp), request.mcpConfigFile: try request.mcp.standardConfig(),
            ])
    }

    /// A fresh ``CopilotStreamParser`` for one run.
    public func makeParser() -> any AgentStreamParser { CopilotStreamParser() }

    /// Copilot's MCP config for one run: the standard shape plus the `tools` list it requires.
    static func config(_ mcp: MCPServerSpec) throws -> Data {
        let server: [String: Any] = ["type": "http", "url": mcp.url, "headers": mcp.headers, "tools": ["*"]]
        return try JSONSerialization.data(
            withJSONObject: ["mcpServers": [mcp.name: server]],
            options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}

/// Copilot's `--output-format json`: session events `{type, data, id, timestamp, parentId}` (`session.start`,
/// `assistant.message` with `toolRequests` and `outputTokens`, `tool.execution_start`/`_complete`, `session.error`,
/// …) and a terminal `result` with `exitCode` and `usage` in premium requests (no input tokens, no cost). A tool is
/// announced once, by whichever of `toolRequests` and `tool.execution_start` names it first.
public struct CopilotStreamParser: JSONLinesParser {
    /// Tool names by call id, for calls already announced.
    var tools: [String: String] = [:]
    var lastMessage: String?
    var lastError: String?

    /// A parser for a new run's output.
    public init() {}

    /// The events of one session event; routine ones are dropped, unknown types become notices.
    public mutating func consume(type: String, object: [String: Any], line: String) -> [AgentEvent] {
        let data = object["data"] as? [String: Any] ?? [:]
        switch type {
        case "session.start":
            return [.started(sessionID: data["sessionId"] as? String, model: data["selectedModel"] as? String)]
        case "assistant.message":
            var events: [AgentEvent] = []
            if let content = data["content"] as? String, !content.isEmpty {
                lastMessage = content
                events.append(.text(content))
            }
            for request in data["toolRequests"] as? [[String: Any]] ?? [] {
                events += announce(id: request["toolCallId"] as? String, name: request["name"] as? String)
            }
            if let output = data["outputTokens"] as? Int, output > 0 {
                events.append(.usage(inputTokens: 0, outputTokens: output, costUSD: nil))
            }
            return events
        case "tool.execution_start":
            return announce(id: data["toolCallId"] as? String, name: data["toolName"] as? String)
        case "tool.execution_complete":
            let ok = data["success"] as? Bool ?? false
            var events: [AgentEvent] = [.toolResult(ok: ok)]
            let error = (data["error"] as? [String: Any])?["message"] as? String ?? ""
            if !ok, error.localizedCaseInsensitiveContains("permission denied") {
                let name = (data["toolCallId"] as? String).flatMap { tools[$0] } ?? "?"
                events.append(.permissionDenied(tool: name))
            }
            return events
        case "session.error":
            let message = data["message"] as? String ?? type
            let kind = (data["errorType"] as? String ?? "").lowercased()
            lastError = message
            guard CodexStreamParser.isUsageLimit(message) || kind.contains("rate") || kind.contains("quota") else {
                return [.notice(message)]
            }
            return [.rateLimited(resetAt: nil, message: message), .notice(message)]
        case "session.warning":
            return [.notice(data["message"] as? String ?? type)]
        case "result":
            let exitCode = object["exitCode"] as? Int ?? 0
            guard exitCode == 0 else {
                return [.finished(success: false, detail: lastError ?? "copilot exited with status \(exitCode)")]
            }
            return [.finished(success: true, detail: lastMessage)]
        case "user.message", "assistant.turn_start", "assistant.turn_end", "assistant.message_delta",
            "assistant.reasoning", "assistant.reasoning_delta", "session.idle", "session.info",
            "session.auto_mode_resolved", "session.usage_checkpoint":
            return []
        default:
            return [.notice(type)]
        }
    }

    /// `.toolCall` the first time a call id is seen (always when there is no id).
    mutating func announce(id: String?, name: String?) -> [AgentEvent] {
        let name = name ?? "?"
        guard let id else { return [.toolCall(name: name)] }
        guard tools[id] == nil else { return [] }
        tools[id] = name
        return [.toolCall(name: name)]
    }
}
