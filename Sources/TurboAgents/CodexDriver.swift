import Foundation

/// OpenAI Codex CLI: `codex exec --json -C WORKTREE --sandbox workspace-write PROMPT`, with turboCode's MCP server
/// injected for this run only through `-c mcp_servers.turbocode.*` (the token read from `TURBOCODE_TOKEN`, never
/// written anywhere) and the repository's git directory writable, so commits in the worktree work in the sandbox.
public struct CodexDriver: AgentDriver {
    /// Always ``DriverKind/codex``.
    public var kind: DriverKind { .codex }

    /// A driver; it keeps no state between runs.
    public init() {}

    /// Codex's argv for `request`: MCP through `-c` overrides, the repository's git directory added, the prompt last.
    public func plan(_ request: AgentRunRequest) throws -> LaunchPlan {
        let name = request.mcp.name
        var arguments = [
            "codex", "exec", "--json", "-C", request.worktree.path, "--sandbox", "workspace-write", "-c",
            "mcp_servers.\(name).url=\"\(request.mcp.url)\"", "-c",
            "mcp_servers.\(name).bearer_token_env_var=\"TURBOCODE_TOKEN\"", "-c",
            "mcp_servers.\(name).tool_timeout_sec=120",
        ]
        if let gitDirectory = Self.commonGitDirectory(of: request.worktree) {
            arguments += ["--add-dir", gitDirectory.path]
        }
        if let model = request.model { arguments += ["-m", model] }
        arguments.append(request.prompt)
        return LaunchPlan(arguments: arguments, files: [request.mcpConfigFile: try request.mcp.standardConfig()])
    }

    /// A fresh ``CodexStreamParser`` for one run.
    public func makeParser() -> any AgentStreamParser { CodexStreamParser() }

    /// The repository's `.git` for a linked worktree (whose `.git` file says `gitdir: <repo>/.git/worktrees/<name>`).
    static func commonGitDirectory(of worktree: URL) -> URL? {
        guard let text = try? String(contentsOf: worktree.appendingPathComponent(".git"), encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("gitdir:") })
        else { return nil }
        let gitdir = URL(fileURLWithPath: line.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces))
        // <repo>/.git/worktrees/<name> → <repo>/.git
        return gitdir.deletingLastPathComponent().deletingLastPathComponent()
    }
}

/// Codex's `exec --json`: `thread.started`, `item.*` (agent_message, command_execution, file_change, mcp_tool_call,
/// …), `turn.completed` with token usage, `turn.failed`, `error`.
public struct CodexStreamParser: JSONLinesParser {
    var lastMessage: String?

    /// A parser for a new run's output.
    public init() {}

    /// The events of one `exec --json` object; unknown types become notices.
    public mutating func consume(type: String, object: [String: Any], line: String) -> [AgentEvent] {
        switch type {
        case "thread.started":
            return [.started(sessionID: object["thread_id"] as? String, model: nil)]
        case "turn.started":
            return []
        case "item.started":
            guard let item = object["item"] as? [String: Any] else { return [] }
            return Self.toolName(item).map { [.toolCall(name: $0)] } ?? []
        case "item.completed":
            guard let item = object["item"] as? [String: Any] else { return [] }
            switch item["type"] as? String {
            case "agent_message":
                let text = item["text"] as? String ?? ""
                lastMessage = text
                return [.text(text)]
            case "mcp_tool_call":
                // Announced by item.started; the result arrives here.
                return [.toolResult(ok: item["status"] as? String == "completed")]
            case "command_execution", "file_change", "web_search":
                let ok = item["status"] as? String == "completed"
                return (Self.toolName(item).map { [AgentEvent.toolCall(name: $0)] } ?? []) + [.toolResult(ok: ok)]
            case "error":
                return [.notice(item["message"] as? String ?? "error")]
            default:
                return []
            }
        case "turn.completed":
            let usage = object["usage"] as? [String: Any] ?? [:]
            return [
                .usage(
                    inputTokens: (usage["input_tokens"] as? Int) ?? 0,
                    outputTokens: (usage["output_tokens"] as? Int) ?? 0,
                    costUSD: nil),
                .finished(success: true, detail: lastMessage),
            ]
        case "turn.failed", "error":
            let message =
                ((object["error"] as? [String: Any])?["message"] as? String) ?? object["message"] as? String ?? type
            var events: [AgentEvent] = []
            if Self.isUsageLimit(message) { events.append(.rateLimited(resetAt: nil, message: message)) }
            events.append(type == "error" ? .notice(message) : .finished(success: false, detail: message))
            return events
        default:
            return [.notice(type)]
        }
    }

    static func toolName(_ item: [String: Any]) -> String? {
        switch item["type"] as? String {
        case "mcp_tool_call": "mcp__\(item["server"] as? String ?? "?")__\(item["tool"] as? String ?? "?")"
        case "command_execution": "shell"
        case "file_change": "apply_patch"
        case "web_search": "web_search"
        default: nil
        }
    }

    static func isUsageLimit(_ message: String) -> Bool {
        let lower = message.lowercased()
        return lower.contains("usage limit") || lower.contains("rate limit") || lower.contains("quota")
    }
}
