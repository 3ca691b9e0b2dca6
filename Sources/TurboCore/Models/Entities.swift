public import Foundation

/// A repository under coordination, with the key its issues are numbered under.
public struct Project: Hashable, Sendable, Identifiable {
    /// The project's UUID, lower-case in JSON and events.
    public var id: UUID
    /// The key its issues are numbered under (`TURBO`); it never changes.
    public var key: ProjectKey
    /// The human-readable name shown next to the key.
    public var name: String
    /// Absolute path of the repository's main checkout, when the project was created by `init`.
    public var repositoryPath: String?
    /// The branch that issue branches start from and merge into (`main` unless set).
    public var baseBranch: String
    /// When the project was created, by the store's clock.
    public var createdAt: Date
    /// Equal to `createdAt`: nothing edits a project after its creation yet.
    public var updatedAt: Date

    /// A project as a store reads or creates it; nothing is checked here.
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
    /// The issue's UUID, lower-case in JSON and events.
    public var id: UUID
    /// The UUID of the project the issue belongs to.
    public var projectID: UUID
    /// The human key (`TURBO-12`); a deleted issue's key is never given again.
    public var key: IssueKey
    /// A one-line summary: trimmed, 1–200 characters, no control characters.
    public var title: String
    /// The free-text body; empty when none was given.
    public var description: String
    /// What kind of work it is.
    public var type: IssueType
    /// How urgent it is; its weight is the `priority` part of the queue score.
    public var priority: IssuePriority
    /// Where it is in the life cycle (DESIGN §3).
    public var status: IssueStatus
    /// Labels an agent must have to take the issue (`backend`, `swift`…); empty means any agent.
    public var capabilities: [String]
    /// Globs of the files the issue expects to touch; issues with overlapping paths never run at once.
    public var paths: [String]
    /// Who created it (`user:<name>` or `ai:<agent>`); nil when not recorded.
    public var createdBy: String?
    /// The agent working on it, when assigned.
    public var assignedTo: String?
    /// A manual rank (1 first) that puts the issue ahead of every unranked one.
    public var workRank: Int?
    /// Why it was closed; nil unless `status` is `closed`.
    public var closedReason: ClosedReason?
    /// When it was created, by the store's clock; the queue's age score counts from here.
    public var createdAt: Date
    /// When its fields, status or assignee last changed.
    public var updatedAt: Date
    /// When it was closed; nil unless `status` is `closed`.
    public var closedAt: Date?
    /// Keys of the issues that block this one.
    public var blockedBy: [IssueKey]
    /// Keys of the issues this one blocks.
    public var blocks: [IssueKey]

    /// The per-project number, the `n` of `KEY-n`.
    public var number: Int { key.number }

    /// An issue as a store reads it; `blockedBy` and `blocks` default to none.
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
    /// The comment's UUID, lower-case in JSON and events.
    public var id: UUID
    /// The UUID of the issue it is on.
    public var issueID: UUID
    /// The key of the issue it is on.
    public var issueKey: IssueKey
    /// Who wrote it: `user:<name>` or `ai:<agent>`.
    public var author: String
    /// The text, trimmed and never empty.
    public var body: String
    /// When it was added.
    public var createdAt: Date

    /// A comment as a store reads or creates it.
    public init(id: UUID, issueID: UUID, issueKey: IssueKey, author: String, body: String, createdAt: Date) {
        self.id = id
        self.issueID = issueID
        self.issueKey = issueKey
        self.author = author
        self.body = body
        self.createdAt = createdAt
    }
}

/// Tokens and cost the agents' CLIs reported over some work sessions.
public struct AgentUsage: Hashable, Sendable {
    /// How many work sessions were added up, whether they reported usage or not.
    public var sessions = 0
    /// Input tokens reported, summed.
    public var inputTokens = 0
    /// Output tokens reported, summed.
    public var outputTokens = 0
    /// Cost reported, in US dollars.
    public var costUSD = 0.0

    /// Zero sessions and no usage: the start of a sum.
    public init() {}

    /// Whether no session reported any tokens or cost (``sessions`` may still be above 0).
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

/// One session of work on an issue: who, when, where (worktree and branch) and how it ended.
public struct WorkLog: Hashable, Sendable, Identifiable {
    /// The session's UUID, lower-case in JSON and events.
    public var id: UUID
    /// The UUID of the issue worked on.
    public var issueID: UUID
    /// The key of the issue worked on.
    public var issueKey: IssueKey
    /// `user:<name>` or `ai:<agent>`.
    public var startedBy: String
    /// When the session started.
    public var startedAt: Date
    /// When it ended; nil while it runs.
    public var endedAt: Date?
    /// The worktree the work happens in; nil until one is recorded.
    public var worktreePath: String?
    /// The issue's branch; nil until one is recorded.
    public var branchName: String?
    /// The head commit (full SHA) the work was handed in at; nil unless the session ended `submitted`.
    public var commit: String?
    /// A link to that commit, when the submitter gave one.
    public var commitURL: String?
    /// How it ended; nil while it runs.
    public var outcome: WorkOutcome?
    /// Input tokens the agent's CLI reported; nil when it reported none.
    public var inputTokens: Int?
    /// Output tokens the agent's CLI reported; nil when it reported none.
    public var outputTokens: Int?
    /// Cost in US dollars the agent's CLI reported; nil when it reported none.
    public var costUSD: Double?

    /// Whether the session is still running.
    public var isActive: Bool { endedAt == nil }

    /// A work log as a store reads or creates it.
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
    /// The issue that must finish first.
    public var blocker: IssueKey
    /// The issue that waits for `blocker`.
    public var blocked: IssueKey
    /// Always `blocks` for now; kept for compatibility with the original schema.
    public var type: String
    /// When the edge was added.
    public var createdAt: Date

    /// An edge; `type` stays `blocks`.
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

    /// A neighbourhood from its three lists.
    public init(blockers: [Issue], blocked: [Issue], chain: [Issue]) {
        self.blockers = blockers
        self.blocked = blocked
        self.chain = chain
    }
}
