import Foundation

/// Amp: `amp -x PROMPT --stream-json --dangerously-allow-all --mcp-config '{"turbocode":{"url":…,"headers":{…}}}'`,
/// turboCode's MCP server injected for this run only (merged over the user's settings, replacing a same-named
/// server); `request.model` picks Amp's mode (`--mode smart|rush|deep`), Amp has no model flag.
///
/// The token travels in argv: `--mcp-config` takes the servers as inline JSON (no file, no environment variable), and
/// the file-based alternative, `--settings-file`, points Amp at another settings file instead of the user's rather
/// than adding one server to it.
public struct AmpDriver: AgentDriver {
    /// Always ``DriverKind/amp``.
    public var kind: DriverKind { .amp }

    /// A driver; it keeps no state between runs.
    public init() {}

    /// Amp's argv for `request`: the prompt after `-x`, turboCode's server (token included) inline in `--mcp-config`.
    public func plan(_ request: AgentRunRequest) throws -> LaunchPlan {
        let server: [String: Any] = ["url": request.mcp.url, "headers": request.mcp.headers]
        let config = try JSONSerialization.data(
            withJSONObject: [request.mcp.name: server], options: [.sortedKeys, .withoutEscapingSlashes])
        // `-x` takes the prompt as its value: it has to come right after the flag.
        var arguments = [
            "amp", "-x", request.prompt, "--stream-json", "--dangerously-allow-all", "--mcp-config",
            String(decoding: config, as: UTF8.self),
        ]
        if let model = request.model { arguments += ["--mode", model] }
        return LaunchPlan(arguments: arguments, files: [request.mcpConfigFile: try request.mcp.standardConfig()])
    }

    /// A fresh ``AmpStreamParser`` for one run.
    public func makeParser() -> any AgentStreamParser { AmpStreamParser() }
}

/// Amp's `--stream-json`, Claude Code's format: `system/init` (session `T-…`), `user`, `assistant` (with per-message
/// `usage`), `result`. Read with ``ClaudeStreamParser``; tokens come from the assistant messages because Amp's
/// `result` carries neither usage nor cost.
public struct AmpStreamParser: JSONLinesParser {
    var claude = ClaudeStreamParser()
    /// Whether usage was taken from assistant messages (then the result's zero usage is dropped).
    var countedMessages = false

    /// A parser for a new run's output.
    public init() {}

    /// Claude's events for the object, with usage from assistant messages and a usage limit read from an error result.
    public mutating func consume(type: String, object: [String: Any], line: String) -> [AgentEvent] {
        var events = claude.consume(type: type, object: object, line: line)
        switch type {
        case "assistant":
            if let usage = (object["message"] as? [String: Any])?["usage"] as? [String: Any] {
                countedMessages = true
                events.append(
                    .usage(
                        inputTokens: (usage["input_tokens"] as? Int) ?? 0,
                        outputTokens: (usage["output_tokens"] as? Int) ?? 0,
                        costUSD: nil))
            }
        case "result":
            if countedMessages {
                // Keep only a cost, should Amp ever report one; the tokens were counted per message.
                events = events.compactMap { (event: AgentEvent) -> AgentEvent? in
                    guard case .usage(_, _, let cost) = event else { return event }
                    return cost.map { AgentEvent.usage(inputTokens: 0, outputTokens: 0, costUSD: $0) }
                }
            }
            let isError = object["is_error"] as? Bool ?? (object["subtype"] as? String != "success")
            let limited = events.contains { if case .rateLimited = $0 { true } else { false } }
            if isError, !limited, let text = object["result"] as? String, Self.isUsageLimit(text),
                let index = events.lastIndex(where: { if case .finished = $0 { true } else { false } })
            {
                events.insert(.rateLimited(resetAt: nil, message: text), at: index)
            }
        default:
            break
        }
        return events
    }

    /// Codex's wording plus Amp's credit balance running out.
    static func isUsageLimit(_ message: String) -> Bool {
        CodexStreamParser.isUsageLimit(message) || message.lowercased().contains("insufficient credit")
    }
}
