import Foundation

/// Any command: an argv template with `{prompt}`, `{prompt_file}`, `{worktree}`, `{issue}`, `{mcp_config}`. Its
/// output is read as Claude `stream-json` when a line looks like it, as text otherwise; completion is judged from
/// the submission (and the exit status), never from the output.
public struct CommandDriver: AgentDriver {
    /// Always ``DriverKind/command``.
    public var kind: DriverKind { .command }

    /// A driver; it keeps no state between runs.
    public init() {}

    /// The template with its placeholders filled in; throws ``DriverError/invalid(_:)`` when there is none.
    public func plan(_ request: AgentRunRequest) throws -> LaunchPlan {
        guard let template = request.command, !template.isEmpty else {
            throw DriverError.invalid("the command driver needs 'command: [program, arguments…]'")
        }
        let values = [
            "{prompt}": request.prompt, "{prompt_file}": request.promptFile.path, "{worktree}": request.worktree.path,
            "{issue}": request.issue, "{mcp_config}": request.mcpConfigFile.path,
        ]
        let arguments = template.map { part in
            values.reduce(part) { text, pair in text.replacingOccurrences(of: pair.key, with: pair.value) }
        }
        return LaunchPlan(
            arguments: arguments,
            files: [
                request.promptFile: Data(request.prompt.utf8), request.mcpConfigFile: try request.mcp.standardConfig(),
            ])
    }

    /// A fresh ``MixedStreamParser`` for one run.
    public func makeParser() -> any AgentStreamParser { MixedStreamParser() }
}

/// Claude `stream-json` lines as such, every other line as text.
public struct MixedStreamParser: AgentStreamParser {
    var claude = ClaudeStreamParser()

    /// A parser for a new run's output.
    public init() {}

    /// A line starting with `{"type"` as Claude `stream-json`, any other non-empty line as text.
    public mutating func consume(_ line: String) -> [AgentEvent] {
        if line.hasPrefix("{\"type\"") { return claude.consume(line) }
        return line.isEmpty ? [] : [.text(line)]
    }
}
