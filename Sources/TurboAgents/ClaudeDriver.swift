public import Foundation

/// Claude Code: `claude -p PROMPT --output-format stream-json --verbose`, turboCode's MCP server injected for this run
/// only (`--mcp-config FILE --strict-mcp-config`), edits accepted, turboCode's tools and git allowed.
public struct ClaudeDriver: AgentDriver {
    public var kind: DriverKind { .claude }

    public init() {}

    public func plan(_ request: AgentRunRequest) throws -> LaunchPlan {
        var arguments = [
            "claude", "-p", request.prompt, "--output-format", "stream-json", "--verbose", "--mcp-config",
            request.mcpConfigFile.path, "--strict-mcp-config", "--permission-mode", "acceptEdits", "--allowedTools",
            "mcp__\(request.mcp.name)__*,Bash(git *),Read,Edit,Write",
        ]
        if let model = request.model { arguments += ["--model", model] }
        return LaunchPlan(arguments: arguments, files: [request.mcpConfigFile: try request.mcp.standardConfig()])
    }

    public func makeParser() -> any AgentStreamParser { ClaudeStreamParser() }
}

/// Claude's `stream-json`: `system/init`, `assistant` (text, tool_use, error), `user` (tool_result), `result`.
public struct ClaudeStreamParser: JSONLinesParser {
    public init() {}

    public mutating func consume(type: String, object: [String: Any], line: String) -> [AgentEvent] {
        switch type {
        case "system":
            guard object["subtype"] as? String == "init" else {
                return [.notice("system: \(object["subtype"] as? String ?? "?")")]
            }
            return [.started(sessionID: object["session_id"] as? String, model: object["model"] as? String)]
        case "assistant":
            var events: [AgentEvent] = []
            let content = (object["message"] as? [String: Any])?["content"] as? [[String: Any]] ?? []
            for block in content {
                switch block["type"] as? String {
                case "text": if let text = block["text"] as? String { events.append(.text(text)) }
                case "tool_use": events.append(.toolCall(name: block["name"] as? String ?? "?"))
                default: break
                }
            }
            if let error = object["error"] as? String, error == "rate_limit" || error == "billing_error" {
                let text = events.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined()
                events.append(.rateLimited(resetAt: Self.resetTime(in: text), message: text.isEmpty ? error : text))
            }
            return events
        case "user":
            let content = (object["message"] as? [String: Any])?["content"] as? [[String: Any]] ?? []
            return content.filter { $0["type"] as? String == "tool_result" }.map {
                .toolResult(ok: !($0["is_error"] as? Bool ?? false))
            }
        case "result":
            var events: [AgentEvent] = []
            let usage = object["usage"] as? [String: Any] ?? [:]
            events.append(
                .usage(
                    inputTokens: (usage["input_tokens"] as? Int) ?? 0,
                    outputTokens: (usage["output_tokens"] as? Int) ?? 0,
                    costUSD: object["total_cost_usd"] as? Double))
            for denial in object["permission_denials"] as? [[String: Any]] ?? [] {
                events.append(.permissionDenied(tool: denial["tool_name"] as? String ?? "?"))
            }
            let subtype = object["subtype"] as? String ?? "?"
            let isError = object["is_error"] as? Bool ?? (subtype != "success")
            let text = object["result"] as? String
            if isError, let text, text.localizedCaseInsensitiveContains("limit") {
                events.append(.rateLimited(resetAt: Self.resetTime(in: text), message: text))
            }
            events.append(.finished(success: subtype == "success" && !isError, detail: text ?? subtype))
            return events
        default:
            return [.notice(type)]
        }
    }

    /// Claude's usage-limit message ends in `|<unix seconds>` (`Claude AI usage limit reached|1764028800`).
    static func resetTime(in text: String) -> Date? {
        guard let tail = text.split(separator: "|").last,
            let seconds = TimeInterval(tail.trimmingCharacters(in: .whitespaces)),
            seconds > 1_000_000_000
        else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}
