public import Foundation

/// A repository under coordination, with the key its issues are numbered under.
public struct Project: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var key: ProjectKey
    public var name: String
    /// Absolute path of the repository's main checkout, when the project was created by `init`.
    public var repositoryPath: String?
    public var baseBranch: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, key: ProjectKey, name: String, repositoryPath: String?, baseBranch: String, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.key = key
        self.name = name
        self.repositoryPath = repositoryPath
        self.baseBranch = baseBranch
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A unit of work with a key such as `TURBO-12`.
public struct Issue: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var projectID: UUID
    public var key: IssueKey
    public var title: String
    public var description: String
    public var type: IssueType
    public var priority: IssuePriority
    public var status: IssueStatus
    /// Labels an agent must have to take the issue (`backend`, `swift`…); empty means any agent.
    public var capabilities: [String]
    /// Globs of the files the issue expects to touch; issues with overlapping paths never run at once.
    public var paths: [String]
    public var createdBy: String?
    /// The agent working on it, when assigned.
    public var assignedTo: String?
    /// A manual rank (1 first) that puts the issue ahead of every unranked one.
    public var workRank: Int?
    public var closedReason: ClosedReason?
    public var createdAt: Date
    public var updatedAt: Date
    public var closedAt: Date?
    /// Keys of the issues that block this one.
    public var blockedBy: [IssueKey]
    /// Keys of the issues this one blocks.
    public var blocks: [IssueKey]

    /// The per-project number, the `n` of `KEY-n`.
    public var number: Int { key.number }

    public init(
        id: UUID, projectID: UUID, key: IssueKey, title: String, description: String, type: IssueType,
        priority: IssuePriority, status: IssueStatus, capabilities: [String], paths: [String], createdBy: String?,
        assignedTo: String?, workRank: Int?, closedReason: ClosedReason?, createdAt: Date, updatedAt: Date,
        closedAt: Date?, blockedBy: [IssueKey] = [], blocks: [IssueKey] = []
    ) {
        self.id = id
        self.projectID = projectID
        self.key = key
        self.title = title
        self.description = description
        self.type = type
        self.priority = priority
        self.status = status
        self.capabilities = capabilities
        self.paths = paths
        self.createdBy = createdBy
        self.assignedTo = assignedTo
        self.workRank = workRank
        self.closedReason = closedReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
        self.blockedBy = blockedBy
        self.blocks = blocks
    }
}

/// A comment on an issue, by a person (`user:…`) or an agent (`ai:…`).
public struct Comment: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var issueID: UUID
    public var issueKey: IssueKey
    public var author: String
    public var body: String
    public var createdAt: Date

    public init(id: UUID, issueID: UUID, issueKey: IssueKey, author: String, body: String, createdAt: Date) {
        self.id = id
        self.issueID = issueID
        self.issueKey = issueKey
        self.author = author
        self.body = body
        self.createdAt = createdAt
    }
}

/// One session of work on an issue: who, when, where (worktree and branch) and how it ended.
/// Tokens and cost the agents' CLIs reported over some work sessions.
public struct AgentUsage: Hashable, Sendable {
    public var sessions = 0
    public var inputTokens = 0
    public var outputTokens = 0
    public var costUSD = 0.0

    public init() {}

    /// Whether any session reported usage.
    public var isEmpty: Bool { inputTokens == 0 && outputTokens == 0 && costUSD == 0 }
}

extension Sequence where Element == WorkLog {
    /// The sessions' reported usage added up.
    public var usage: AgentUsage {
        reduce(into: AgentUsage()) { total, log in
            total.sessions += 1
            total.inputTokens += log.inputTokens ?? 0
            total.outputTokens += log.outputTokens ?? 0
            total.costUSD += log.costUSD ?? 0
        }
    }
}

public struct WorkLog: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var issueID: UUID
    public var issueKey: IssueKey
    /// `user:<name>` or `ai:<agent>`.
    public var startedBy: String
    public var startedAt: Date
    public var endedAt: Date?
    public var worktreePath: String?
    public var branchName: String?
    public var commit: String?
    public var commitURL: String?
    public var outcome: WorkOutcome?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var costUSD: Double?

    /// Whether the session is still running.
    public var isActive: Bool { endedAt == nil }

    public init(
        id: UUID, issueID: UUID, issueKey: IssueKey, startedBy: String, startedAt: Date, endedAt: Date?,
        worktreePath: String?, branchName: String?, commit: String?, commitURL: String?, outcome: WorkOutcome?,
        inputTokens: Int?, outputTokens: Int?, costUSD: Double?
    ) {
        self.id = id
        self.issueID = issueID
        self.issueKey = issueKey
        self.startedBy = startedBy
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.worktreePath = worktreePath
        self.branchName = branchName
        self.commit = commit
        self.commitURL = commitURL
        self.outcome = outcome
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.costUSD = costUSD
    }
}

/// A `blocker → blocked` edge.
public struct Dependency: Hashable, Sendable {
    public var blocker: IssueKey
    public var blocked: IssueKey
    /// Always `blocks` for now; kept for compatibility with the original schema.
    public var type: String
    public var createdAt: Date

    public init(blocker: IssueKey, blocked: IssueKey, type: String = "blocks", createdAt: Date) {
        self.blocker = blocker
        self.blocked = blocked
        self.type = type
        self.createdAt = createdAt
    }
}

/// The dependency neighbourhood of one issue.
public struct DependencyView: Hashable, Sendable {
    /// Issues that directly block this one.
    public var blockers: [Issue]
    /// Issues this one directly blocks.
    public var blocked: [Issue]
    /// Every transitive blocker in an order that finishes blockers first, then the issue itself.
    public var chain: [Issue]

    public init(blockers: [Issue], blocked: [Issue], chain: [Issue]) {
        self.blockers = blockers
        self.blocked = blocked
        self.chain = chain
    }
}
