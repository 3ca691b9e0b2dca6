public import Foundation

/// An MCP server an agent should reach: turboCode's, over Streamable HTTP with the agent's token.
public struct MCPServerSpec: Sendable, Hashable {
    public var name: String
    public var url: String
    public var headers: [String: String]

    public init(name: String = "turbocode", url: String, headers: [String: String]) {
        self.name = name
        self.url = url
        self.headers = headers
    }

    /// The standard `{"mcpServers": {...}}` file most CLIs (and `TURBOCODE_MCP_CONFIG`) read.
    public func standardConfig() throws -> Data {
        let document: [String: Any] = [
            "mcpServers": [name: ["type": "http", "url": url, "headers": headers] as [String: Any]]
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    }
}

/// Everything a driver needs to launch one run.
public struct AgentRunRequest: Sendable {
    public var worktree: URL
    public var prompt: String
    public var model: String?
    public var mcp: MCPServerSpec
    /// Where the run's files (prompt, MCP config, logs) go; outside the worktree.
    public var runDirectory: URL
    /// The issue key, for templates.
    public var issue: String
    /// For the `command` driver: the argv template.
    public var command: [String]?
    /// What the agent may run besides editing files and git: the project's tests and `agents.allow`.
    public var permissions = Permissions()

    public init(
        worktree: URL, prompt: String, model: String?, mcp: MCPServerSpec, runDirectory: URL, issue: String,
        command: [String]?
    ) {
        self.worktree = worktree
        self.prompt = prompt
        self.model = model
        self.mcp = mcp
        self.runDirectory = runDirectory
        self.issue = issue
        self.command = command
    }

    /// What an agent may do, for CLIs that take an allowlist: edit files in its worktree, run git (never push: the
    /// coordinator merges), run the project's tests and the commands `turbocode.yaml` allows.
    public struct Permissions: Sendable, Hashable {
        public var testCommand: String?
        public var allowedCommands: [String]
        public var baseBranch: String

        public init(testCommand: String? = nil, allowedCommands: [String] = [], baseBranch: String = "main") {
            self.testCommand = testCommand
            self.allowedCommands = allowedCommands
            self.baseBranch = baseBranch
        }

        /// The test command and the allowed commands, each once.
        public var commands: [String] {
            var seen = Set<String>()
            return ([testCommand].compactMap { $0 } + allowedCommands).filter { seen.insert($0).inserted }
        }
    }

    public var promptFile: URL { runDirectory.appendingPathComponent("prompt.md") }
    public var mcpConfigFile: URL { runDirectory.appendingPathComponent("mcp.json") }
}

/// How to start one CLI run: argv, environment additions, files to write first.
public struct LaunchPlan: Sendable {
    public var arguments: [String]
    public var environment: [String: String]
    public var files: [URL: Data]
    /// Patterns of the CLI's own housekeeping files in the worktree, for the repository's `info/exclude`.
    public var excludes: [String]

    public init(
        arguments: [String], environment: [String: String] = [:], files: [URL: Data] = [:], excludes: [String] = []
    ) {
        self.arguments = arguments
        self.environment = environment
        self.files = files
        self.excludes = excludes
    }
}

/// Turns a request into a launch plan for one CLI and that CLI's output into ``AgentEvent``s.
public protocol AgentDriver: Sendable {
    var kind: DriverKind { get }
    func plan(_ request: AgentRunRequest) throws -> LaunchPlan
    /// A fresh parser for one run's stdout lines.
    func makeParser() -> any AgentStreamParser
}

/// A stateful line parser; tolerates lines that are not JSON and types it does not know.
public protocol AgentStreamParser: Sendable {
    mutating func consume(_ line: String) -> [AgentEvent]
}

/// The CLIs turboCode drives.
public enum DriverKind: String, Sendable, CaseIterable, Codable {
    case claude, codex, gemini, cursor, amp, opencode, copilot, aider, command

    /// The drivers implemented: all of them.
    public static let available: [DriverKind] = DriverKind.allCases

    /// Whether a clean exit with new commits counts as a submission (the CLI cannot call turboCode itself).
    public var submitsOnExit: Bool { self == .aider }

    public func driver() -> any AgentDriver {
        switch self {
        case .claude: ClaudeDriver()
        case .codex: CodexDriver()
        case .gemini: GeminiDriver()
        case .cursor: CursorDriver()
        case .amp: AmpDriver()
        case .opencode: OpencodeDriver()
        case .copilot: CopilotDriver()
        case .aider: AiderDriver()
        case .command: CommandDriver()
        }
    }
}

public enum DriverError: Error, Sendable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let text): text
        }
    }
}

/// A parser of JSON lines with a `type` field: empty lines are skipped, other lines become notices, and each object
/// goes to ``consume(type:object:line:)``.
public protocol JSONLinesParser: AgentStreamParser {
    mutating func consume(type: String, object: [String: Any], line: String) -> [AgentEvent]
}

extension JSONLinesParser {
    public mutating func consume(_ line: String) -> [AgentEvent] {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return [] }
        guard trimmed.hasPrefix("{"),
            let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
            let type = object["type"] as? String
        else { return [.notice(line)] }
        return consume(type: type, object: object, line: line)
    }
}

/// Every line is text: for CLIs without a JSON stream.
public struct TextStreamParser: AgentStreamParser {
    public init() {}

    public mutating func consume(_ line: String) -> [AgentEvent] {
        line.isEmpty ? [] : [.text(line)]
    }
}
