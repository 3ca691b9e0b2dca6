public import Foundation

/// Any command: an argv template with `{prompt}`, `{prompt_file}`, `{worktree}`, `{issue}`, `{mcp_config}`. Its
/// output is read as Claude `stream-json` when a line looks like it, as text otherwise; completion is judged from
/// the submission (and the exit status), never from the output.
public struct CommandDriver: AgentDriver {
    public var kind: DriverKind { .command }

    public init() {}

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

    public func makeParser() -> any AgentStreamParser { MixedStreamParser() }
}

/// Claude `stream-json` lines as such, every other line as text.
public struct MixedStreamParser: AgentStreamParser {
    var claude = ClaudeStreamParser()

    public init() {}

    public mutating func consume(_ line: String) -> [AgentEvent] {
        if line.hasPrefix("{\"type\"") { return claude.consume(line) }
        return line.isEmpty ? [] : [.text(line)]
    }
}
