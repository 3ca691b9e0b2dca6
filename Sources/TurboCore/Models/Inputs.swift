import Foundation

/// What `createProject` needs.
public struct NewProject: Sendable, Hashable {
    /// The key its issues will be numbered under.
    public var key: ProjectKey
    /// The human-readable name.
    public var name: String
    /// Absolute path of the repository's main checkout, when known (`init` sets it).
    public var repositoryPath: String?
    /// The branch issue branches start from and merge into.
    public var baseBranch: String

    /// A project on `main` with no repository path unless given.
    public init(key: ProjectKey, name: String, repositoryPath: String? = nil, baseBranch: String = "main") {
        self.key = key
        self.name = name
        self.repositoryPath = repositoryPath
        self.baseBranch = baseBranch
    }
}

/// What `createIssue` needs; everything but the project and title has a default.
public struct NewIssue: Sendable, Hashable {
    /// The project to create it in, by key or UUID.
    public var project: ProjectRef
    /// The summary; ``validated()`` trims it and requires 1–200 characters.
    public var title: String
    /// The free-text body; empty by default.
    public var description: String
    /// What kind of work it is; `task` by default.
    public var type: IssueType
    /// How urgent it is; `medium` by default.
    public var priority: IssuePriority
    /// `open` (default) or `ready`; other statuses are reached through transitions.
    public var status: IssueStatus
    /// Labels an agent must have to take it; ``validated()`` lower-cases and de-duplicates them.
    public var capabilities: [String]
    /// Globs of the files it expects to touch, relative to the repository root.
    public var paths: [String]
    /// Who creates it (`user:<name>` or `ai:<agent>`); ``validated()`` does not check it.
    public var createdBy: String?
    /// A manual rank (1 first) ahead of every unranked issue; nil for none.
    public var workRank: Int?
    /// Issues that block the new one, added in the same transaction.
    public var blockedBy: [IssueRef]

    /// A new `open` task of `medium` priority, with no labels, paths or blockers unless given.
    public init(
        project: ProjectRef, title: String, description: String = "", type: IssueType = .task,
        priority: IssuePriority = .medium, status: IssueStatus = .open, capabilities: [String] = [],
        paths: [String] = [], createdBy: String? = nil, workRank: Int? = nil, blockedBy: [IssueRef] = []
    ) {
        self.project = project
        self.title = title
        self.description = description
        self.type = type
        self.priority = priority
        self.status = status
        self.capabilities = capabilities
        self.paths = paths
        self.createdBy = createdBy
        self.workRank = workRank
        self.blockedBy = blockedBy
    }

    /// Normalizes and checks the input: a non-empty title of at most 200 characters, a start status of `open` or
    /// `ready`, a positive rank, de-duplicated lower-case capabilities and non-empty paths.
    public func validated() throws(TurboError) -> NewIssue {
        var copy = self
        copy.title = try IssueValidation.title(title)
        copy.description = try IssueValidation.text(description, field: "description")
        if let createdBy { copy.createdBy = try IssueValidation.actor(createdBy) }
        guard status == .open || status == .ready else {
            throw .invalidInput("a new issue starts as open or ready, not \(status)")
        }
        copy.workRank = try IssueValidation.workRank(workRank)
        copy.capabilities = try IssueValidation.capabilities(capabilities)
        copy.paths = try IssueValidation.paths(paths)
        return copy
    }
}

/// A partial update of an issue's fields; nil leaves a field unchanged.
public struct IssueChanges: Sendable, Hashable {
    /// A new title, checked like ``NewIssue/title``.
    public var title: String?
    /// A new description; an empty string clears it.
    public var description: String?
    /// A new type.
    public var type: IssueType?
    /// A new priority.
    public var priority: IssuePriority?
    /// The new full list of capability labels, replacing the old one.
    public var capabilities: [String]?
    /// The new full list of path globs, replacing the old one.
    public var paths: [String]?
    /// `.some(nil)` clears the assignee.
    public var assignedTo: String??
    /// `.some(nil)` clears the rank.
    public var workRank: Int??

    /// Changes to the given fields; every other field stays as it is.
    public init(
        title: String? = nil, description: String? = nil, type: IssueType? = nil, priority: IssuePriority? = nil,
        capabilities: [String]? = nil, paths: [String]? = nil, assignedTo: String?? = nil, workRank: Int?? = nil
    ) {
        self.title = title
        self.description = description
        self.type = type
        self.priority = priority
        self.capabilities = capabilities
        self.paths = paths
        self.assignedTo = assignedTo
        self.workRank = workRank
    }

    /// Whether nothing would change.
    public var isEmpty: Bool { self == IssueChanges() }

    /// Normalizes and checks the changed fields with the same rules as ``NewIssue/validated()``.
    public func validated() throws(TurboError) -> IssueChanges {
        var copy = self
        if let title { copy.title = try IssueValidation.title(title) }
        if let description { copy.description = try IssueValidation.text(description, field: "description") }
        if case .some(.some(let assignee)) = assignedTo {
            copy.assignedTo = .some(try IssueValidation.text(assignee, field: "assigned_to", maxLength: 100))
        }
        if let workRank { copy.workRank = .some(try IssueValidation.workRank(workRank)) }
        if let capabilities { copy.capabilities = try IssueValidation.capabilities(capabilities) }
        if let paths { copy.paths = try IssueValidation.paths(paths) }
        return copy
    }

    /// Applies the changes to an issue and lists the names of the fields that really changed.
    public func apply(to issue: inout Issue) -> [String] {
        var changed: [String] = []
        func set<T: Equatable>(_ keyPath: WritableKeyPath<Issue, T>, _ value: T?, _ name: String) {
            guard let value, issue[keyPath: keyPath] != value else { return }
            issue[keyPath: keyPath] = value
            changed.append(name)
        }
        set(\.title, title, "title")
        set(\.description, description, "description")
        set(\.type, type, "type")
        set(\.priority, priority, "priority")
        set(\.capabilities, capabilities, "capabilities")
        set(\.paths, paths, "paths")
        set(\.assignedTo, assignedTo, "assigned_to")
        set(\.workRank, workRank, "work_rank")
        return changed
    }
}

/// Filters for listing issues; nil means any.
public struct IssueFilter: Sendable, Hashable {
    /// Only issues of this project.
    public var project: ProjectRef?
    /// Only issues in one of these statuses; nil or empty means any.
    public var statuses: [IssueStatus]?
    /// Only issues of this priority.
    public var priority: IssuePriority?
    /// Only issues of this type.
    public var type: IssueType?
    /// Only issues that require this capability label (compared lower-cased).
    public var capability: String?
    /// Only issues assigned to this agent id (exact match).
    public var assignedTo: String?
    /// At most this many issues; nil for all.
    public var limit: Int?
    /// Issues to skip first; the stores apply it only together with `limit`.
    public var offset: Int

    /// A filter that matches every issue unless narrowed.
    public init(
        project: ProjectRef? = nil, statuses: [IssueStatus]? = nil, priority: IssuePriority? = nil,
        type: IssueType? = nil, capability: String? = nil, assignedTo: String? = nil, limit: Int? = nil,
        offset: Int = 0
    ) {
        self.project = project
        self.statuses = statuses
        self.priority = priority
        self.type = type
        self.capability = capability
        self.assignedTo = assignedTo
        self.limit = limit
        self.offset = offset
    }
}

/// What starting a work session records.
public struct NewWorkLog: Sendable, Hashable {
    /// Who starts the session: `user:<name>` or `ai:<agent>` (``validated()`` makes a bare name a user).
    public var startedBy: String
    /// The worktree the work happens in, when already known.
    public var worktreePath: String?
    /// The issue's branch, when already known.
    public var branchName: String?

    /// A session start; path and branch can come later, with the worktree.
    public init(startedBy: String, worktreePath: String? = nil, branchName: String? = nil) {
        self.startedBy = startedBy
        self.worktreePath = worktreePath
        self.branchName = branchName
    }

    /// Checks that `startedBy` is `user:<name>` or `ai:<agent>` (any agent name, unlike the original).
    public func validated() throws(TurboError) -> NewWorkLog {
        var copy = self
        copy.startedBy = try IssueValidation.actor(startedBy)
        return copy
    }
}

/// What ending a work session records.
public struct WorkLogEnd: Sendable, Hashable {
    /// How the session ended.
    public var outcome: WorkOutcome
    /// The head commit handed in (for `submitted`); nil keeps what the log has.
    public var commit: String?
    /// A link to that commit; nil keeps what the log has.
    public var commitURL: String?
    /// Input tokens the agent's CLI reported; nil keeps what the log has.
    public var inputTokens: Int?
    /// Output tokens the agent's CLI reported; nil keeps what the log has.
    public var outputTokens: Int?
    /// Cost in US dollars the agent's CLI reported; nil keeps what the log has.
    public var costUSD: Double?

    /// An end with only an outcome unless more is given.
    public init(
        outcome: WorkOutcome, commit: String? = nil, commitURL: String? = nil, inputTokens: Int? = nil,
        outputTokens: Int? = nil, costUSD: Double? = nil
    ) {
        self.outcome = outcome
        self.commit = commit
        self.commitURL = commitURL
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.costUSD = costUSD
    }
}

/// Field rules shared by creation and update.
public enum IssueValidation {
    /// A trimmed, non-empty title of at most 200 characters without control characters.
    public static func title(_ raw: String) throws(TurboError) -> String {
        let title = raw.trimmingWhitespace()
        guard !title.isEmpty else { throw .invalidInput("an issue needs a non-empty title") }
        // Counted in code points, as the databases' length() does.
        let length = title.unicodeScalars.count
        guard length <= 200 else { throw .invalidInput("a title has at most 200 characters (got \(length))") }
        guard !title.unicodeScalars.contains(where: isControl) else {
            throw .invalidInput("a title cannot contain control characters")
        }
        return title
    }

    /// A positive rank, or nil.
    public static func workRank(_ rank: Int?) throws(TurboError) -> Int? {
        if let rank, rank < 1 { throw .invalidInput("work rank is 1 or more (1 = first), got \(rank)") }
        return rank
    }

    /// Whether `scalar` is a control character (Unicode's `Cc`: U+0000–U+001F and U+007F–U+009F), without a lookup
    /// of its properties (free text is checked scalar by scalar).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// At most this many capability labels on one issue.
    public static let maxCapabilities = 50
    /// At most this many path globs on one issue.
    public static let maxPaths = 500
    /// At most this many characters in one path glob.
    public static let maxPathLength = 1_000
    /// At most this many characters in a description, comment or other free text.
    public static let maxTextLength = 1_000_000

    /// Lower-cased, de-duplicated capability labels made of letters, digits, `-`, `_`, `.`, `+`, `#`; at most
    /// ``maxCapabilities`` of them.
    public static func capabilities(_ raw: [String]) throws(TurboError) -> [String] {
        guard raw.count <= maxCapabilities else {
            throw .invalidInput("an issue has at most \(maxCapabilities) capabilities (got \(raw.count))")
        }
        var seen: Set<String> = []
        var labels: [String] = []
        for label in raw {
            let value = label.trimmingWhitespace().lowercased()
            guard !value.isEmpty, value.count <= 50,
                value.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.+#".contains($0) })
            else {
                throw .invalidInput("invalid capability '\(label.prefix(60))': use letters, digits and - _ . + #")
            }
            if seen.insert(value).inserted { labels.append(value) }
        }
        return labels
    }

    /// Non-empty, relative path globs without `..` segments or control characters, de-duplicated; at most
    /// ``maxPaths`` of them, each at most ``maxPathLength`` characters.
    public static func paths(_ raw: [String]) throws(TurboError) -> [String] {
        guard raw.count <= maxPaths else {
            throw .invalidInput("an issue has at most \(maxPaths) path globs (got \(raw.count))")
        }
        var seen: Set<String> = []
        var globs: [String] = []
        for path in raw {
            let value = path.trimmingWhitespace()
            guard !value.isEmpty, value.unicodeScalars.count <= maxPathLength, !value.hasPrefix("/"),
                !value.split(separator: "/").contains(".."),
                !value.unicodeScalars.contains(where: isControl)
            else {
                throw .invalidInput(
                    "invalid path glob '\(path.prefix(60))': use a glob of at most \(maxPathLength) characters "
                        + "relative to the repository root")
            }
            if seen.insert(value).inserted { globs.append(value) }
        }
        return globs
    }

    /// Free text as people and agents write it (a description, comment, progress message or reason): any characters
    /// but the control characters, of which newline, tab and a carriage return ending a line are allowed; at most
    /// `maxLength` characters. The databases differ on the others (SQLite cut the text at a NUL, PostgreSQL refused
    /// it), so both refuse them here, naming the field and where the character is.
    public static func text(_ raw: String, field: String, maxLength: Int = maxTextLength) throws(TurboError) -> String {
        var position = 0
        var scalars = raw.unicodeScalars.makeIterator()
        var current = scalars.next()
        while let scalar = current {
            let next = scalars.next()
            position += 1
            if isControl(scalar), scalar != "\n", scalar != "\t",
                !(scalar == "\r" && next == "\n")
            {
                throw .invalidInput(
                    "\(field) contains the control character U+\(String(format: "%04X", scalar.value)) at character "
                        + "\(position); only newline and tab are allowed")
            }
            guard position <= maxLength else {
                throw .invalidInput("\(field) has at most \(maxLength) characters")
            }
            current = next
        }
        return raw
    }

    /// Text turboCode writes itself from what tools printed (test output, git's messages, an agent CLI's error):
    /// terminal escape sequences removed, a lone carriage return made a newline, and every other control character
    /// but newline and tab replaced by U+FFFD, so it passes ``text(_:field:maxLength:)`` on both databases.
    public static func storable(_ raw: String) -> String {
        guard
            raw.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" && $0 != "\t" }
            )
        else { return raw }
        var result = String.UnicodeScalarView()
        let scalars = Array(raw.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "\n", "\t":
                result.append(scalar)
            case "\r":
                if index < scalars.count, scalars[index] == "\n" { continue }
                result.append("\n")
            case "\u{1B}":
                // CSI (ESC [ … final byte 0x40–0x7E) or OSC (ESC ] … BEL or ESC \\); any other escape drops one
                // character after ESC.
                if index < scalars.count, scalars[index] == "[" {
                    index += 1
                    while index < scalars.count, !(0x40...0x7E).contains(scalars[index].value) { index += 1 }
                    index += 1
                } else if index < scalars.count, scalars[index] == "]" {
                    while index < scalars.count, scalars[index] != "\u{07}", scalars[index] != "\u{1B}" {
                        index += 1
                    }
                    index += index < scalars.count && scalars[index] == "\u{1B}" ? 2 : 1
                } else {
                    index += 1
                }
            default:
                result.append(isControl(scalar) ? "\u{FFFD}" : scalar)
            }
        }
        return String(result)
    }

    /// `user:<name>` or `ai:<agent>`; a bare name is taken as `user:<name>`.
    public static func actor(_ raw: String) throws(TurboError) -> String {
        let value = raw.trimmingWhitespace()
        guard !value.isEmpty, value.count <= 100,
            !value.unicodeScalars.contains(where: isControl)
        else {
            throw .invalidInput(
                "an actor is 'user:<name>' or 'ai:<agent>' of at most 100 characters, without control characters")
        }
        if value.hasPrefix("user:") || value.hasPrefix("ai:") {
            guard value.split(separator: ":", maxSplits: 1).count == 2 else {
                throw .invalidInput("an actor is 'user:<name>' or 'ai:<agent>', got '\(raw)'")
            }
            return value
        }
        return "user:\(value)"
    }
}

/// What a claim asks of the queue (``TurboStore/claimNext(_:)``).
public struct ClaimRequest: Sendable {
    /// Work for a worker on another machine: started with the claim, in the same transaction.
    public struct RemoteWork: Sendable {
        /// Where the worker keeps its worktree (`host:path`), recorded in the work log.
        public var location: String
        /// The branch to record, from the issue and the branch an earlier lease of it recorded (nil for none).
        public var branch: @Sendable (Issue, _ recorded: String?) throws -> String

        /// Remote work at `location` on the branch `branch` names.
        public init(location: String, branch: @escaping @Sendable (Issue, String?) throws -> String) {
            self.location = location
            self.branch = branch
        }
    }

    /// The project to claim in; nil: any.
    public var project: ProjectRef?
    /// Who claims.
    public var agent: String
    /// The agent's capability labels; nil: it can take any issue.
    public var capabilities: [String]?
    /// How long the lease lives without a heartbeat.
    public var ttl: Duration
    /// Set for a worker on another machine: issues with a worktree on the coordinator's machine are skipped, and the
    /// work starts (`in_progress`, a work log) with the claim. Nil: only the lease; the caller starts the work.
    public var remote: RemoteWork?
    /// Set for a pool of agents (the scheduler of `turbocode up`): who takes each claimable issue, offered in queue
    /// order — the agent to lease it to, or nil to pass it over (a claim the store runs again offers them again).
    /// Replaces `agent` and `capabilities`.
    public var assign: (@Sendable (Issue) -> String?)?

    /// A claim by `agent`.
    public init(
        project: ProjectRef?, agent: String, capabilities: [String]?, ttl: Duration, remote: RemoteWork? = nil
    ) {
        self.project = project
        self.agent = agent
        self.capabilities = capabilities
        self.ttl = ttl
        self.remote = remote
    }

    /// A claim for a pool of agents: `assign` says who takes each claimable issue (nil passes it over).
    public init(project: ProjectRef?, ttl: Duration, assign: @escaping @Sendable (Issue) -> String?) {
        self.init(project: project, agent: "", capabilities: nil, ttl: ttl)
        self.assign = assign
    }

    /// The agent that takes `issue`: `assign`'s choice, or `agent` when the issue asks only for capabilities it has.
    public func taker(of issue: Issue) -> String? {
        if let assign { return assign(issue) }
        guard let capabilities else { return agent }
        return Capabilities.cover(issue.capabilities, with: capabilities) ? agent : nil
    }
}

/// Who may take an issue by its capability labels.
public enum Capabilities {
    /// Whether `have` holds every label in `needs`, compared without case.
    public static func cover(_ needs: [String], with have: [String]) -> Bool {
        let held = Set(have.map { $0.lowercased() })
        return needs.allSatisfy { held.contains($0.lowercased()) }
    }
}

/// What a claim took.
public struct Claimed: Sendable {
    /// The issue: `assigned`, or `in_progress` when remote work started with the claim.
    public var issue: Issue
    /// The new lease.
    public var lease: Lease
    /// The work log remote work started with; nil for a local claim.
    public var log: WorkLog?
    /// The branch recorded for remote work; nil for a local claim.
    public var branch: String?

    /// A claim's result.
    public init(issue: Issue, lease: Lease, log: WorkLog? = nil, branch: String? = nil) {
        self.issue = issue
        self.lease = lease
        self.log = log
        self.branch = branch
    }
}
