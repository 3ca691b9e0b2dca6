import Foundation

/// What `createProject` needs.
public struct NewProject: Sendable, Hashable {
    public var key: ProjectKey
    public var name: String
    public var repositoryPath: String?
    public var baseBranch: String

    public init(key: ProjectKey, name: String, repositoryPath: String? = nil, baseBranch: String = "main") {
        self.key = key
        self.name = name
        self.repositoryPath = repositoryPath
        self.baseBranch = baseBranch
    }
}

/// What `createIssue` needs; everything but the project and title has a default.
public struct NewIssue: Sendable, Hashable {
    public var project: ProjectRef
    public var title: String
    public var description: String
    public var type: IssueType
    public var priority: IssuePriority
    /// `open` (default) or `ready`; other statuses are reached through transitions.
    public var status: IssueStatus
    public var capabilities: [String]
    public var paths: [String]
    public var createdBy: String?
    public var workRank: Int?
    /// Issues that block the new one, added in the same transaction.
    public var blockedBy: [IssueRef]

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
    public var title: String?
    public var description: String?
    public var type: IssueType?
    public var priority: IssuePriority?
    public var capabilities: [String]?
    public var paths: [String]?
    /// `.some(nil)` clears the assignee.
    public var assignedTo: String??
    /// `.some(nil)` clears the rank.
    public var workRank: Int??

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
    public var project: ProjectRef?
    public var statuses: [IssueStatus]?
    public var priority: IssuePriority?
    public var type: IssueType?
    public var capability: String?
    public var assignedTo: String?
    public var limit: Int?
    public var offset: Int

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
    public var startedBy: String
    public var worktreePath: String?
    public var branchName: String?

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
    public var outcome: WorkOutcome
    public var commit: String?
    public var commitURL: String?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var costUSD: Double?

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
