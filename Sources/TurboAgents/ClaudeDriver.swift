import Foundation

/// Claude Code: `claude -p PROMPT --output-format stream-json --verbose`, turboCode's MCP server injected for this run
/// only (`--mcp-config FILE --strict-mcp-config`), edits accepted (`--permission-mode acceptEdits`), and an allowlist:
/// turboCode's tools, git, the project's test command and `agents.allow`; `git push` denied (the coordinator merges).
/// Everything else is refused by Claude Code and reported as `agent.permission_denied`.
public struct ClaudeDriver: AgentDriver {
    /// Always ``DriverKind/claude``.
    public var kind: DriverKind { .claude }

    /// A driver; it keeps no state between runs.
    public init() {}

    /// Claude Code's argv for `request`: the prompt inline, the MCP config file, the allowed and denied tools.
    public func plan(_ request: AgentRunRequest) throws -> LaunchPlan {
        var arguments = [
            "claude", "-p", request.prompt, "--output-format", "stream-json", "--verbose", "--mcp-config",
            request.mcpConfigFile.path, "--strict-mcp-config", "--permission-mode", "acceptEdits", "--allowedTools",
            Self.allowedTools(server: request.mcp.name, permissions: request.permissions).joined(separator: ","),
            "--disallowedTools", Self.disallowedTools.joined(separator: ","),
        ]
        if let model = request.model { arguments += ["--model", model] }
        return LaunchPlan(arguments: arguments, files: [request.mcpConfigFile: try request.mcp.standardConfig()])
    }

    /// turboCode's MCP tools, file tools, git, and each allowed command as itself and with arguments.
    static func allowedTools(server: String, permissions: AgentRunRequest.Permissions) -> [String] {
        var tools = ["mcp__\(server)__*", "Bash(git *)", "Read", "Edit", "Write", "Glob", "Grep", "TodoWrite"]
        for command in permissions.commands {
            // Claude Code's rule syntax has no escape for ')' or ','; such a command cannot be allowed exactly.
            let command = command.trimmingCharacters(in: .whitespaces)
            guard !command.isEmpty, !command.contains(")"), !command.contains(",") else { continue }
            tools += ["Bash(\(command))", "Bash(\(command) *)"]
        }
        return tools
    }

    /// Pushing is the coordinator's job (the merge queue, `review.push`): no push from an agent, to any branch.
    static let disallowedTools = ["Bash(git push)", "Bash(git push *)", "Bash(git update-ref *)"]

    /// A fresh ``ClaudeStreamParser`` for one run.
    public func makeParser() -> any AgentStreamParser { ClaudeStreamParser() }
}

/// Claude's `stream-json`: `system/init`, `system/permission_denied`, `assistant` (text, tool_use, error), `user`
/// (tool_result), `result`. Failure classes come from the assistant's `error` field and the result's subtype and
/// terminal reason (Claude Code 2.1.x).
public struct ClaudeStreamParser: JSONLinesParser {
    /// The tool calls seen, by id, so a denial can name what was asked.
    var toolInputs: [String: String] = [:]
    /// The reset a `rate_limit_event` gave, for the limit's message that follows it.
    var resetAt: Date?

    /// A parser for a new run's output.
    public init() {}

    /// The events of one `stream-json` object; unknown types and `system` subtypes become notices.
    public mutating func consume(type: String, object: [String: Any], line: String) -> [AgentEvent] {
        switch type {
        case "system":
            switch object["subtype"] as? String {
            case "init":
                return [.started(sessionID: object["session_id"] as? String, model: object["model"] as? String)]
            case "permission_denied":
                let tool = object["tool_name"] as? String ?? "?"
                let detail =
                    Self.describe(object["tool_input"])
                    ?? (object["tool_use_id"] as? String).flatMap {
                        toolInputs[$0]
                    }
                return [.permissionDenied(tool: tool, detail: detail)]
            case let subtype:
                return [.notice("system: \(subtype ?? "?")")]
            }
        case "assistant":
            var events: [AgentEvent] = []
            let content = (object["message"] as? [String: Any])?["content"] as? [[String: Any]] ?? []
            for block in content {
                switch block["type"] as? String {
                case "text": if let text = block["text"] as? String { events.append(.text(text)) }
                case "tool_use":
                    if let id = block["id"] as? String, let input = Self.describe(block["input"]) {
                        toolInputs[id] = input
                    }
                    events.append(.toolCall(name: block["name"] as? String ?? "?"))
                default: break
                }
            }
            if let error = object["error"] as? String {
                let text = events.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined()
                let message = text.isEmpty ? error : text
                switch error {
                case "rate_limit":
                    events.append(.rateLimited(resetAt: resetAt ?? Self.resetTime(in: text), message: message))
                case "authentication_failed": events.append(.failure(.authentication, message: message))
                case "billing_error": events.append(.failure(.billing, message: message))
                case "overloaded", "server_error": events.append(.failure(.overloaded, message: message))
                default: break
                }
            }
            return events
        case "user":
            let content = (object["message"] as? [String: Any])?["content"] as? [[String: Any]] ?? []
            return content.filter { $0["type"] as? String == "tool_result" }.map {
                .toolResult(ok: !($0["is_error"] as? Bool ?? false))
            }
        case "result":
            return result(object)
        case "rate_limit_event":
            // Claude Code 2.1.x, signed in to claude.ai or behind a gateway: the subscription's window, with its
            // reset as a Unix time (the assistant's text says the same in words: `resets 11:12pm (UTC)`).
            let info = object["rate_limit_info"] as? [String: Any] ?? [:]
            guard info["status"] as? String == "rejected" else { return [.notice("rate_limit_event")] }
            let reset = (info["resetsAt"] as? Double).map { Date(timeIntervalSince1970: $0) }
            resetAt = reset ?? resetAt
            let window = (info["rateLimitType"] as? String).map { " (\($0))" } ?? ""
            return [.rateLimited(resetAt: reset, message: "usage limit reached\(window)")]
        default:
            return [.notice(type)]
        }
    }

    mutating func result(_ object: [String: Any]) -> [AgentEvent] {
        var events: [AgentEvent] = []
        let usage = object["usage"] as? [String: Any] ?? [:]
        events.append(
            .usage(
                inputTokens: (usage["input_tokens"] as? Int) ?? 0, outputTokens: (usage["output_tokens"] as? Int) ?? 0,
                costUSD: object["total_cost_usd"] as? Double))
        for denial in object["permission_denials"] as? [[String: Any]] ?? [] {
            events.append(
                .permissionDenied(
                    tool: denial["tool_name"] as? String ?? "?", detail: Self.describe(denial["tool_input"])))
        }
        let subtype = object["subtype"] as? String ?? "?"
        let isError = object["is_error"] as? Bool ?? (subtype != "success")
        let text = object["result"] as? String
        let message = text ?? subtype
        if isError {
            let terminal = object["terminal_reason"] as? String
            if subtype == "error_max_turns" || terminal == "max_turns" {
                events.append(.failure(.turnLimit, message: "the run reached --max-turns: \(message)"))
            } else if subtype == "error_max_budget_usd" || terminal == "budget_exhausted" {
                events.append(.failure(.turnLimit, message: "the run reached its budget: \(message)"))
            } else if terminal == "prompt_too_long" || message.localizedCaseInsensitiveContains("prompt is too long") {
                events.append(.failure(.contextLimit, message: message))
            } else if let text, Self.isUsageLimit(text) || object["api_error_status"] as? Int == 429 {
                events.append(.rateLimited(resetAt: resetAt ?? Self.resetTime(in: text), message: text))
            } else if let text,
                text.contains("Not logged in") || text.contains("Invalid API key")
                    || object["api_error_status"] as? Int == 401
            {
                events.append(.failure(.authentication, message: text))
            }
        }
        events.append(.finished(success: subtype == "success" && !isError, detail: message))
        return events
    }

    /// A tool's input in a line: Bash's command, a file tool's path, else compact JSON.
    static func describe(_ input: Any?) -> String? {
        guard let input = input as? [String: Any] else { return nil }
        if let command = input["command"] as? String { return command }
        if let path = input["file_path"] as? String ?? input["path"] as? String { return path }
        guard let data = try? JSONSerialization.data(withJSONObject: input, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Claude's subscription usage-limit and API rate-limit messages.
    static func isUsageLimit(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.contains("usage limit") || lower.contains("rate limit") || lower.contains("(429)")
    }

    /// When a limit resets, from what Claude Code prints: `… resets 3pm (Europe/Paris)` and `… resets
    /// 2026-12-06T21:00:00Z` (2.1.x), or the older `Claude AI usage limit reached|<unix seconds>`.
    static func resetTime(in text: String, now: Date = Date()) -> Date? {
        if let tail = text.split(separator: "|").last,
            let seconds = TimeInterval(tail.trimmingCharacters(in: .whitespaces)), seconds > 1_000_000_000
        {
            return Date(timeIntervalSince1970: seconds)
        }
        return ResetTime.parse(after: "resets", in: text, now: now)
            ?? ResetTime.parse(after: "try again in", in: text, now: now)
    }
}
