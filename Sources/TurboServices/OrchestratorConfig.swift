public import Foundation
public import TurboAgents
public import TurboCore
import Yams

/// The orchestrator's part of `turbocode.yaml`: limits, leases, alerts and the pool of sub-agents.
public struct OrchestratorConfig: Sendable, Hashable {
    /// How much the pool runs at once and for how long (`limits:`).
    public struct Limits: Sendable, Hashable {
        /// The defaults (what `turbocode.yaml` leaves out).
        public init() {}

        /// Agent runs in flight at once across the pool (`max_concurrent_subagents`).
        public var maxConcurrentSubagents = 5
        /// Issues one sub-agent works at once; its own `max_concurrent_issues` may allow fewer.
        public var maxIssuesPerSubagent = 2
        /// Active worktrees in the project before issues without one wait (`max_active_worktrees`).
        public var maxActiveWorktrees = 10
        /// The wall-clock limit of one session, nudges included (`work_session_timeout`).
        public var workSessionTimeout: Duration = .seconds(4 * 3_600)
        /// How long a run may go without a line of output before it is stopped (`inactivity_timeout`).
        public var inactivityTimeout: Duration = .seconds(15 * 60)
        /// Re-prompts of a run that ended without submitting, before the issue is given back.
        public var maxNudges = 2
        /// How long dispatch to a driver pauses after a rate-limit report that gives no reset time.
        public var rateLimitPause: Duration = .seconds(15 * 60)
        /// The shortest pause after a limit, even when the CLI says it resets sooner (clocks disagree): a minute, or
        /// `rateLimitPause` when that is shorter.
        public var minimumRateLimitPause: TimeInterval { min(60, rateLimitPause.timeInterval) }
        /// Failed runs of one issue in a row before it is set aside (`open`, with a comment) for a person.
        public var maxFailedRuns = 3
        /// The wait before a failed issue is tried again, doubling with each failure.
        public var retryBackoff: Duration = .seconds(10)
        /// The longest wait between two scheduling passes. Events that can make work assignable (an issue made
        /// ready, closed or updated, a lease released, work sent back, an edge removed) and an agent finishing wake
        /// the scheduler at once; this tick only covers what no event announces (a back-off or pause running out).
        public var schedulingFallback: Duration = .seconds(1)
    }

    /// How leases are kept alive and expired (`leases:`).
    public struct Leases: Sendable, Hashable {
        /// How often a running agent's lease is renewed; must be shorter than `ttl`.
        public var heartbeat: Duration = .seconds(10)
        /// How long a lease lives without a heartbeat.
        public var ttl: Duration = .seconds(30)
        /// How often the coordinator releases expired leases.
        public var sweep: Duration = .seconds(5)
    }

    /// When the pool raises alerts for a person (`alerts:`).
    public struct Alerts: Sendable, Hashable {
        /// How long a running agent may show no activity before an `agent_inactive` alert.
        public var agentInactive: Duration = .seconds(30 * 60)
        /// How old a worktree's oldest uncommitted change may get before an `uncommitted_changes` alert.
        public var uncommittedChanges: Duration = .seconds(2 * 3_600)
    }

    /// One agent of the pool: an entry of `subagents:`.
    public struct Subagent: Sendable, Hashable {
        /// Unique in the pool (letters, digits, `.`, `_`, `-`); the agent acts as `ai:<id>`.
        public var id: String
        /// A capability this agent is preferred for when an issue needs it.
        public var specialization: String?
        /// Issues this agent works at once, within `limits.max_issues_per_subagent`.
        public var maxConcurrentIssues = 1
        /// What the agent can do; it takes only issues whose capabilities are all among these.
        public var capabilities: [String] = []
        /// The CLI the agent runs in.
        public var driver: DriverKind = .claude
        /// The model passed to the CLI (for Amp, its mode); nil: the CLI's default.
        public var model: String?
        /// For the `command` driver: the argv template (`{prompt}`, `{prompt_file}`, `{worktree}`, …).
        public var command: [String]?
        /// Command driver: exit 0 with new commits counts as a submission.
        public var submitOnExit = false
        /// Added to the agent's environment (`env:`); `${NAME}` is taken from the coordinator's environment.
        public var environment: [String: String] = [:]
        /// Commands this agent may run besides git and the tests, added to `agents.allow`.
        public var allow: [String] = []

        /// An agent called `id` on `driver`, every other setting at its default.
        public init(id: String, driver: DriverKind = .claude) {
            self.id = id
            self.driver = driver
        }
    }

    /// Verification, review and the merge queue (`review:`).
    public struct Review: Sendable, Hashable {
        /// How approved work reaches the base branch (`review.mode`).
        public enum Mode: String, Sendable, Hashable, CaseIterable {
            /// The merge queue merges into the base branch here.
            case local
            /// The branch is pushed and a pull request opened with `gh`; the issue closes when it is merged.
            case pullRequest = "pull_request"
        }
        /// A person approves verified work before it is merged.
        public var requireHumanApproval = true
        /// Verified work is approved (and so merged) without a person.
        public var autoMerge = false
        /// Merged here (`local`) or through a pull request (`pull_request`).
        public var mode = Mode.local
        /// Push the base branch to `remote` after each merge.
        public var push = false
        /// The remote `push` pushes the base branch to and pull requests are opened on.
        public var remote = "origin"
        /// Verification failures sent back to the agent before the issue goes to review marked as failed.
        public var verifyRetries = 2
        /// How long `test_command` may run, in verification and in the merge queue.
        public var testTimeout: Duration = .seconds(30 * 60)
        /// How often open pull requests are asked about (`mode: pull_request`).
        public var pullRequestPoll: Duration = .seconds(60)

        /// Whether verified work is approved without a person.
        public var approvesAutomatically: Bool { autoMerge || !requireHumanApproval }
    }

    /// Run by verification and the merge queue, and given to agents (`test_command`); nil: no tests.
    public var testCommand: String?
    /// Commands every agent may run besides git and `test_command` (`agents.allow`), e.g. `swift build`.
    public var allow: [String] = []
    /// Verification, review and the merge queue (`review:`).
    public var review = Review()
    /// Concurrency, timeouts, nudges and back-off (`limits:`).
    public var limits = Limits()
    /// Lease heartbeat, TTL and sweep (`leases:`).
    public var leases = Leases()
    /// Thresholds of the pool's alerts (`alerts:`).
    public var alerts = Alerts()
    /// The pool's agents; their order breaks ties when assigning. Empty: no pool.
    public var subagents: [Subagent] = []

    /// The defaults with no sub-agents: what a missing `turbocode.yaml` means.
    public init() {}

    /// The commands `agent` may run besides git and the tests: `agents.allow`, then its own `allow`.
    public func allowedCommands(for agent: Subagent) -> [String] {
        var seen = Set<String>()
        return (allow + agent.allow).filter { seen.insert($0).inserted }
    }

    /// Reads and checks the whole file: an unknown key or a bad value is an error naming its line. A missing file
    /// is the defaults with no sub-agents.
    public static func load(from path: String) throws(TurboError) -> OrchestratorConfig {
        guard let root = try ConfigReader.compose(path) else { return OrchestratorConfig() }
        return try ConfigReader(file: (path as NSString).lastPathComponent).read(root).orchestrator
    }
}

/// The one reader of `turbocode.yaml`: walks the YAML nodes with their line numbers, refuses unknown keys and bad
/// values anywhere in the file, and fills both the project part (``ProjectConfig``) and the pool's
/// (``OrchestratorConfig``), so no command accepts a file another refuses.
struct ConfigReader {
    let file: String

    /// The file's YAML tree; nil when the file is missing or empty. Errors say what is wrong in words, with the line
    /// for a syntax error.
    static func compose(_ path: String) throws(TurboError) -> Node? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidInput("cannot read \(path): permission denied or not a regular file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidInput("cannot read \(path): it is not UTF-8 text")
        }
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw .invalidInput("\((path as NSString).lastPathComponent) is not valid YAML: \(describe(error))")
        } catch {
            throw .invalidInput("\((path as NSString).lastPathComponent) is not valid YAML")
        }
    }

    /// A YAML error as one line: the problem and where (line and column), without the parser's internals.
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return "\(what) at line \(mark.line), column \(mark.column)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "the key '\(duplicates.joined(separator: "', '"))' appears twice at line \(context.mark.line)"
        case .reader(let problem, _, _, _):
            return problem
        default:
            return "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    /// Both parts of the file.
    struct Read {
        var project = ProjectConfig()
        var orchestrator = OrchestratorConfig()
    }

    static let sections: [String: Set<String>] = [
        "project": ["key", "name"],
        "worktrees": ["root", "copy", "setup", "teardown", "timeout"],
        "limits": [
            "max_concurrent_subagents", "max_issues_per_subagent", "max_active_worktrees", "work_session_timeout",
            "inactivity_timeout", "max_nudges", "rate_limit_pause", "max_failed_runs", "retry_backoff",
            "scheduling_fallback",
        ],
        "leases": ["heartbeat", "ttl", "sweep"],
        "agents": ["allow"],
        "alerts": ["agent_inactive", "uncommitted_changes"],
        "review": [
            "require_human_approval", "auto_merge", "mode", "push", "remote", "verify_retries", "test_timeout",
            "pr_poll",
        ],
    ]
    static let topLevel: Set<String> = Set(sections.keys).union(["base_branch", "test_command", "subagents"])
    static let subagentKeys: Set<String> = [
        "id", "specialization", "max_concurrent_issues", "capabilities", "driver", "model", "command", "submit_on_exit",
        "env", "allow",
    ]

    func error(_ node: Node, _ message: String) -> TurboError {
        .invalidInput("\(file) line \(node.mark?.line ?? 0): \(message)")
    }

    /// The pairs of a mapping, refusing keys outside `known`.
    func mapping(_ node: Node, known: Set<String>, in section: String) throws(TurboError) -> [(String, Node, Node)] {
        guard let mapping = node.mapping else { throw error(node, "\(section) must be a mapping") }
        var pairs: [(String, Node, Node)] = []
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard known.contains(key) else {
                throw error(
                    keyNode, "unknown key '\(key)' in \(section) (known: \(known.sorted().joined(separator: ", ")))")
            }
            pairs.append((key, keyNode, value))
        }
        return pairs
    }

    func read(_ root: Node) throws(TurboError) -> Read {
        var read = Read()
        var config = OrchestratorConfig()
        for (key, _, value) in try mapping(root, known: Self.topLevel, in: "the file") {
            let isEmpty = value.scalar != nil && ["", "~", "null"].contains(value.string ?? "")
            if let known = Self.sections[key], !isEmpty {
                let pairs = try mapping(value, known: known, in: key)
                for (field, _, node) in pairs {
                    try apply(section: key, field: field, node, to: &config)
                    try apply(section: key, field: field, node, to: &read.project)
                }
                // Checked once the section is read, whatever the order of its keys.
                if key == "leases", config.leases.heartbeat >= config.leases.ttl {
                    throw error(value, "leases.heartbeat must be shorter than leases.ttl")
                }
            }
            switch key {
            case "test_command": config.testCommand = try string(value, "test_command")
            case "subagents": config.subagents = try subagents(value)
            case "base_branch": read.project.baseBranch = try string(value, "base_branch")
            default: break
            }
        }
        read.orchestrator = config
        return read
    }

    /// The `project:` and `worktrees:` fields.
    func apply(section: String, field: String, _ node: Node, to config: inout ProjectConfig) throws(TurboError) {
        switch section {
        case "project":
            var project = config.project ?? ProjectConfig.ProjectSection()
            switch field {
            case "key": project.key = try string(node, "project.key")
            case "name": project.name = try string(node, "project.name")
            default: break
            }
            config.project = project
        case "worktrees":
            var worktrees = config.worktrees ?? ProjectConfig.WorktreesSection()
            switch field {
            case "root":
                let root = try string(node, "worktrees.root")
                guard !root.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw error(node, "worktrees.root must be a directory, not empty")
                }
                worktrees.root = root
            case "copy": worktrees.copy = try strings(node, "worktrees.copy")
            case "setup": worktrees.setup = try commands(node, "worktrees.setup")
            case "teardown": worktrees.teardown = try commands(node, "worktrees.teardown")
            case "timeout": worktrees.timeout = try count(node, "worktrees.timeout (seconds)")
            default: break
            }
            config.worktrees = worktrees
        default: break
        }
    }

    func apply(section: String, field: String, _ node: Node, to config: inout OrchestratorConfig) throws(TurboError) {
        switch (section, field) {
        case ("limits", "max_concurrent_subagents"): config.limits.maxConcurrentSubagents = try count(node, field)
        case ("limits", "max_issues_per_subagent"): config.limits.maxIssuesPerSubagent = try count(node, field)
        case ("limits", "max_active_worktrees"): config.limits.maxActiveWorktrees = try count(node, field)
        case ("limits", "max_nudges"): config.limits.maxNudges = try count(node, field, minimum: 0)
        case ("limits", "work_session_timeout"): config.limits.workSessionTimeout = try duration(node, field)
        case ("limits", "inactivity_timeout"): config.limits.inactivityTimeout = try duration(node, field)
        case ("limits", "rate_limit_pause"): config.limits.rateLimitPause = try duration(node, field)
        case ("limits", "max_failed_runs"): config.limits.maxFailedRuns = try count(node, field)
        case ("limits", "retry_backoff"): config.limits.retryBackoff = try duration(node, field)
        case ("limits", "scheduling_fallback"): config.limits.schedulingFallback = try duration(node, field)
        case ("agents", "allow"): config.allow = try commands(node, "agents.allow")
        case ("leases", "heartbeat"): config.leases.heartbeat = try duration(node, field)
        case ("leases", "ttl"): config.leases.ttl = try duration(node, field)
        case ("leases", "sweep"): config.leases.sweep = try duration(node, field)
        case ("alerts", "agent_inactive"): config.alerts.agentInactive = try duration(node, field)
        case ("alerts", "uncommitted_changes"): config.alerts.uncommittedChanges = try duration(node, field)
        case ("review", "require_human_approval"): config.review.requireHumanApproval = try flag(node, field)
        case ("review", "auto_merge"): config.review.autoMerge = try flag(node, field)
        case ("review", "push"): config.review.push = try flag(node, field)
        case ("review", "remote"): config.review.remote = try string(node, field)
        case ("review", "verify_retries"): config.review.verifyRetries = try count(node, field, minimum: 0)
        case ("review", "test_timeout"): config.review.testTimeout = try duration(node, field)
        case ("review", "pr_poll"): config.review.pullRequestPoll = try duration(node, field)
        case ("review", "mode"):
            let name = try string(node, field)
            guard let mode = OrchestratorConfig.Review.Mode(rawValue: name) else {
                throw error(node, "review.mode must be local or pull_request, not '\(name)'")
            }
            config.review.mode = mode
        default: break  // project and worktrees: the ProjectConfig part
        }
    }

    func subagents(_ node: Node) throws(TurboError) -> [OrchestratorConfig.Subagent] {
        guard let sequence = node.sequence else { throw error(node, "subagents must be a list") }
        var result: [OrchestratorConfig.Subagent] = []
        for item in sequence {
            var agent = OrchestratorConfig.Subagent(id: "")
            for (key, _, value) in try mapping(item, known: Self.subagentKeys, in: "a subagent") {
                switch key {
                case "id": agent.id = try string(value, key)
                case "specialization": agent.specialization = try string(value, key)
                case "max_concurrent_issues": agent.maxConcurrentIssues = try count(value, key)
                case "capabilities": agent.capabilities = try strings(value, key)
                case "model": agent.model = try string(value, key)
                case "command": agent.command = try strings(value, key)
                case "allow": agent.allow = try commands(value, "allow")
                case "env": agent.environment = try environment(value)
                case "submit_on_exit":
                    guard let flag = value.bool else { throw error(value, "submit_on_exit must be true or false") }
                    agent.submitOnExit = flag
                case "driver":
                    let name = try string(value, key)
                    guard let kind = DriverKind(rawValue: name) else {
                        throw error(
                            value,
                            "unknown driver '\(name)' (one of \(DriverKind.allCases.map(\.rawValue).joined(separator: ", ")))"
                        )
                    }
                    agent.driver = kind
                default: break
                }
            }
            guard !agent.id.isEmpty else { throw error(item, "every subagent needs an id") }
            guard agent.id.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"#, options: .regularExpression) != nil else {
                throw error(item, "subagent id '\(agent.id)': letters, digits, '.', '_' and '-' only")
            }
            guard !result.contains(where: { $0.id == agent.id }) else {
                throw error(item, "two subagents are called '\(agent.id)'")
            }
            if agent.driver == .command, agent.command?.isEmpty ?? true {
                throw error(item, "subagent '\(agent.id)': the command driver needs 'command: [program, arguments…]'")
            }
            result.append(agent)
        }
        return result
    }

    /// Commands an agent may run: non-empty, one line each.
    func commands(_ node: Node, _ field: String) throws(TurboError) -> [String] {
        let list = try strings(node, field)
        for command in list where command.trimmingCharacters(in: .whitespaces).isEmpty || command.contains("\n") {
            throw error(node, "\(field): each command is one non-empty line")
        }
        return list.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// `env:` — a mapping of variable names to text.
    func environment(_ node: Node) throws(TurboError) -> [String: String] {
        guard let mapping = node.mapping else { throw error(node, "env must be a mapping of NAME: value") }
        var result: [String: String] = [:]
        for (keyNode, value) in mapping {
            let name = keyNode.string ?? ""
            guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw error(keyNode, "env: '\(name)' is not a variable name (letters, digits and '_')")
            }
            guard !name.hasPrefix("TURBOCODE_") else {
                throw error(keyNode, "env: \(name) is set by turboCode itself")
            }
            guard let text = value.string, value.scalar != nil else {
                throw error(value, "env: the value of \(name) must be text")
            }
            result[name] = text
        }
        return result
    }

    func string(_ node: Node, _ field: String) throws(TurboError) -> String {
        guard let text = node.string, node.scalar != nil else { throw error(node, "\(field) must be text") }
        return text
    }

    func flag(_ node: Node, _ field: String) throws(TurboError) -> Bool {
        guard let flag = node.bool else { throw error(node, "\(field) must be true or false") }
        return flag
    }

    func strings(_ node: Node, _ field: String) throws(TurboError) -> [String] {
        guard let sequence = node.sequence else { throw error(node, "\(field) must be a list") }
        var result: [String] = []
        for item in sequence { result.append(try string(item, field)) }
        return result
    }

    func count(_ node: Node, _ field: String, minimum: Int = 1) throws(TurboError) -> Int {
        guard let number = node.int, number >= minimum else {
            throw error(node, "\(field) must be a whole number ≥ \(minimum), not '\(node.string ?? "?")'")
        }
        return number
    }

    /// `500ms`, `30s`, `15m`, `4h`, `1d`, or a number of seconds.
    func duration(_ node: Node, _ field: String) throws(TurboError) -> Duration {
        let text = (node.string ?? "").trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value > 0 { return .seconds(value * factor) }
        }
        if let value = Double(text), value > 0 { return .seconds(value) }
        throw error(node, "\(field) must be a duration like 30s, 15m or 4h, not '\(text)'")
    }
}
