public import Foundation

/// An MCP server an agent should reach: turboCode's, over Streamable HTTP with the agent's token.
public struct MCPServerSpec: Sendable, Hashable {
    /// The server's name in the CLI's configuration (`turbocode`).
    public var name: String
    /// The server's Streamable HTTP endpoint: the coordinator's `/mcp`.
    public var url: String
    /// Sent with every request: the agent's `Authorization: Bearer …`.
    public var headers: [String: String]

    /// A server called `name` (`turbocode` unless given) at `url`, sent `headers` with every request.
    public init(name: String = "turbocode", url: String, headers: [String: String]) {
        self.name = name
        self.url = url
        self.headers = headers
    }

    /// The standard `{"mcpServers": {...}}` file most CLIs (and `TURBOCODE_MCP_CONFIG`) read.
    public func standardConfig() throws -> Data {
        struct Server: Encodable {
            var type = "http"
            var url: String
            var headers: [String: String]
        }
        struct Document: Encodable { var mcpServers: [String: Server] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Document(mcpServers: [name: Server(url: url, headers: headers)]))
    }
}

/// Everything a driver needs to launch one run.
public struct AgentRunRequest: Sendable {
    /// The worktree the agent runs in.
    public var worktree: URL
    /// The whole prompt; drivers pass it in argv or write it to ``promptFile``.
    public var prompt: String
    /// The sub-agent's `model:`, passed to the CLI; nil: the CLI's default.
    public var model: String?
    /// turboCode's MCP server, with the agent's token.
    public var mcp: MCPServerSpec
    /// Where the run's files (prompt, MCP config, logs) go; outside the worktree.
    public var runDirectory: URL
    /// The issue key, for templates.
    public var issue: String
    /// For the `command` driver: the argv template.
    public var command: [String]?
    /// What the agent may run besides editing files and git: the project's tests and `agents.allow`.
    public var permissions = Permissions()

    /// A request with default ``Permissions``: git and edits only, base `main`.
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
        /// The project's `test_command`; nil when it has none.
        public var testCommand: String?
        /// `agents.allow`, then the sub-agent's own `allow`.
        public var allowedCommands: [String]
        /// The branch the work merges into.
        public var baseBranch: String

        /// Permissions for git and edits only unless commands are given; the base defaults to `main`.
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

    /// `prompt.md` in the run folder, written by drivers whose CLI reads the prompt from a file.
    public var promptFile: URL { runDirectory.appendingPathComponent("prompt.md") }
    /// `mcp.json` in the run folder: the standard MCP config every driver writes (`TURBOCODE_MCP_CONFIG`).
    public var mcpConfigFile: URL { runDirectory.appendingPathComponent("mcp.json") }
}

/// How to start one CLI run: argv, environment additions, files to write first.
public struct LaunchPlan: Sendable {
    /// The program, then its arguments; a program without a slash is looked up in the agent's `PATH`.
    public var arguments: [String]
    /// Variables for this CLI, set last, over the rest of the agent's environment.
    public var environment: [String: String]
    /// Files written before the process starts (prompt, MCP config, settings), by absolute URL.
    public var files: [URL: Data]
    /// Patterns of the CLI's own housekeeping files in the worktree, for the repository's `info/exclude`.
    public var excludes: [String]

    /// A plan that runs `arguments`; nothing more unless given.
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
    /// The CLI this driver runs.
    var kind: DriverKind { get }
    /// The argv, environment and files for one run of `request`; throws ``DriverError`` when it cannot be run.
    func plan(_ request: AgentRunRequest) throws -> LaunchPlan
    /// A fresh parser for one run's stdout lines.
    func makeParser() -> any AgentStreamParser
}

/// A stateful line parser; tolerates lines that are not JSON and types it does not know.
public protocol AgentStreamParser: Sendable {
    /// The events one line of stdout stands for, in order; none for a line that says nothing.
    mutating func consume(_ line: String) -> [AgentEvent]
}

/// The CLIs turboCode drives.
public enum DriverKind: String, Sendable, CaseIterable, Codable {
    /// One per CLI; `command` runs any program given as `command:`.
    case claude, codex, gemini, cursor, amp, opencode, copilot, aider, command

    /// The drivers implemented: all of them.
    public static let available: [DriverKind] = DriverKind.allCases

    /// Whether a clean exit with new commits counts as a submission (the CLI cannot call turboCode itself).
    public var submitsOnExit: Bool { self == .aider }

    /// A new driver for this CLI.
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

/// Why a run cannot be planned or started: no `command:` for the command driver, an empty argv, no such program.
public enum DriverError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, in words for the operator.
    case invalid(String)

    /// The reason as is, for logs and give-back reasons.
    public var description: String {
        switch self {
        case .invalid(let text): text
        }
    }
}

/// A parser of JSON lines with a `type` field: empty lines are skipped, other lines become notices, and each object
/// goes to ``consume(type:object:line:)``.
public protocol JSONLinesParser: AgentStreamParser {
    /// The events of one JSON object of type `type`; `line` is the raw line, for notices.
    mutating func consume(type: String, object: [String: Any], line: String) -> [AgentEvent]
}

extension JSONLinesParser {
    /// Skips empty lines, makes a notice of a line that is not a JSON object with a `type`, hands the rest on.
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
    /// A parser; it keeps no state.
    public init() {}

    /// The line as text; an empty line gives nothing.
    public mutating func consume(_ line: String) -> [AgentEvent] {
        line.isEmpty ? [] : [.text(line)]
    }
}
