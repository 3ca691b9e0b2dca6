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
        guard !title.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidInput("a title cannot contain control characters")
        }
        return title
    }

    /// A positive rank, or nil.
    public static func workRank(_ rank: Int?) throws(TurboError) -> Int? {
        if let rank, rank < 1 { throw .invalidInput("work rank is 1 or more (1 = first), got \(rank)") }
        return rank
    }

    /// Lower-cased, de-duplicated capability labels made of letters, digits, `-`, `_`, `.`, `+`, `#`.
    public static func capabilities(_ raw: [String]) throws(TurboError) -> [String] {
        var seen: [String] = []
        for label in raw {
            let value = label.trimmingWhitespace().lowercased()
            guard !value.isEmpty, value.count <= 50,
                value.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.+#".contains($0) })
            else {
                throw .invalidInput("invalid capability '\(label)': use letters, digits and - _ . + #")
            }
            if !seen.contains(value) { seen.append(value) }
        }
        return seen
    }

    /// Non-empty, relative path globs without `..` segments, de-duplicated.
    public static func paths(_ raw: [String]) throws(TurboError) -> [String] {
        var seen: [String] = []
        for path in raw {
            let value = path.trimmingWhitespace()
            guard !value.isEmpty, !value.hasPrefix("/"), !value.split(separator: "/").contains(".."),
                !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw .invalidInput("invalid path glob '\(path)': use a glob relative to the repository root")
            }
            if !seen.contains(value) { seen.append(value) }
        }
        return seen
    }

    /// `user:<name>` or `ai:<agent>`; a bare name is taken as `user:<name>`.
    public static func actor(_ raw: String) throws(TurboError) -> String {
        let value = raw.trimmingWhitespace()
        guard !value.isEmpty, value.count <= 100 else {
            throw .invalidInput("an actor is 'user:<name>' or 'ai:<agent>' of at most 100 characters")
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
