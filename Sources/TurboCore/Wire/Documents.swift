public import Foundation

/// The JSON shape of an issue, shared by the CLI's `--json`, the REST API and MCP. snake_case; absent values are
/// `null`, never missing.
public struct IssueDocument: Encodable, Sendable, Hashable {
    public var issue: Issue
    /// Included (as `comments`) when given.
    public var comments: [Comment]?
    /// The caller's own live lease (as `lease`), when an agent asks about an issue it holds.
    public var lease: Lease?

    public init(_ issue: Issue, comments: [Comment]? = nil, lease: Lease? = nil) {
        self.issue = issue
        self.comments = comments
        self.lease = lease
    }

    enum CodingKeys: String, CodingKey {
        case id, key, number, project, title, description, type, status, priority, capabilities, paths
        case blockedBy = "blocked_by", blocks
        case assignedTo = "assigned_to", workRank = "work_rank", createdBy = "created_by"
        case closedReason = "closed_reason", createdAt = "created_at", updatedAt = "updated_at"
        case closedAt = "closed_at", comments, lease
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(issue.id.lowercasedString, forKey: .id)
        try c.encode(issue.key.description, forKey: .key)
        try c.encode(issue.number, forKey: .number)
        try c.encode(issue.key.project.rawValue, forKey: .project)
        try c.encode(issue.title, forKey: .title)
        try c.encode(issue.description, forKey: .description)
        try c.encode(issue.type.rawValue, forKey: .type)
        try c.encode(issue.status.rawValue, forKey: .status)
        try c.encode(issue.priority.rawValue, forKey: .priority)
        try c.encode(issue.capabilities, forKey: .capabilities)
        try c.encode(issue.paths, forKey: .paths)
        try c.encode(issue.blockedBy.map(\.description), forKey: .blockedBy)
        try c.encode(issue.blocks.map(\.description), forKey: .blocks)
        try c.encode(issue.assignedTo, forKey: .assignedTo)
        try c.encode(issue.workRank, forKey: .workRank)
        try c.encode(issue.createdBy, forKey: .createdBy)
        try c.encode(issue.closedReason?.rawValue, forKey: .closedReason)
        try c.encode(issue.createdAt, forKey: .createdAt)
        try c.encode(issue.updatedAt, forKey: .updatedAt)
        try c.encode(issue.closedAt, forKey: .closedAt)
        if let comments { try c.encode(comments.map(CommentDocument.init), forKey: .comments) }
        if let lease { try c.encode(LeaseDocument(lease), forKey: .lease) }
    }
}

/// The JSON shape of a project.
public struct ProjectDocument: Encodable, Sendable, Hashable {
    public var project: Project
    /// Included (as `issue_counts`, status → count) when given.
    public var issueCounts: [IssueStatus: Int]?

    public init(_ project: Project, issueCounts: [IssueStatus: Int]? = nil) {
        self.project = project
        self.issueCounts = issueCounts
    }

    enum CodingKeys: String, CodingKey {
        case id, key, name, repositoryPath = "repository_path", baseBranch = "base_branch"
        case createdAt = "created_at", updatedAt = "updated_at", issueCounts = "issue_counts"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(project.id.lowercasedString, forKey: .id)
        try c.encode(project.key.rawValue, forKey: .key)
        try c.encode(project.name, forKey: .name)
        try c.encode(project.repositoryPath, forKey: .repositoryPath)
        try c.encode(project.baseBranch, forKey: .baseBranch)
        try c.encode(project.createdAt, forKey: .createdAt)
        try c.encode(project.updatedAt, forKey: .updatedAt)
        if let issueCounts {
            try c.encode(
                Dictionary(uniqueKeysWithValues: issueCounts.map { ($0.key.rawValue, $0.value) }), forKey: .issueCounts)
        }
    }
}

/// The JSON shape of a queue row: key, score, its parts, eligibility and the reason when ineligible.
public struct QueueEntryDocument: Encodable, Sendable, Hashable {
    public var entry: QueueEntry
    /// 1-based position among eligible issues; nil for ineligible ones.
    public var position: Int?

    public init(_ entry: QueueEntry, position: Int?) {
        self.entry = entry
        self.position = position
    }

    enum CodingKeys: String, CodingKey {
        case key, id, title, priority, score, scoreParts = "score_parts", eligible, reason, position
        case workRank = "work_rank", blockedBy = "blocked_by", overlapsWith = "overlaps_with"
    }

    enum PartKeys: String, CodingKey {
        case priority, noBlockers = "no_blockers", age, blocks
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entry.candidate.key.description, forKey: .key)
        try c.encode(entry.candidate.id.lowercasedString, forKey: .id)
        try c.encode(entry.candidate.title, forKey: .title)
        try c.encode(entry.candidate.priority.rawValue, forKey: .priority)
        try c.encode(Self.rounded(entry.score), forKey: .score)
        var parts = c.nestedContainer(keyedBy: PartKeys.self, forKey: .scoreParts)
        try parts.encode(Self.rounded(entry.parts.priority), forKey: .priority)
        try parts.encode(Self.rounded(entry.parts.noBlockers), forKey: .noBlockers)
        try parts.encode(Self.rounded(entry.parts.age), forKey: .age)
        try parts.encode(Self.rounded(entry.parts.blocks), forKey: .blocks)
        try c.encode(entry.isEligible, forKey: .eligible)
        try c.encode(entry.reason?.description, forKey: .reason)
        try c.encode(position, forKey: .position)
        try c.encode(entry.candidate.workRank, forKey: .workRank)
        var openBlockers: [String] = []
        var overlap: String?
        switch entry.reason {
        case .blocked(let blockers): openBlockers = blockers.map(\.key.description)
        case .pathOverlap(let other, _, _): overlap = other.description
        case nil: break
        }
        try c.encode(openBlockers, forKey: .blockedBy)
        try c.encode(overlap, forKey: .overlapsWith)
    }

    /// Two decimals, enough to read and stable to compare.
    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}

/// The JSON shape of a comment.
public struct CommentDocument: Encodable, Sendable, Hashable {
    public var comment: Comment

    public init(_ comment: Comment) { self.comment = comment }

    enum CodingKeys: String, CodingKey {
        case id, issue, author, body, createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(comment.id.lowercasedString, forKey: .id)
        try c.encode(comment.issueKey.description, forKey: .issue)
        try c.encode(comment.author, forKey: .author)
        try c.encode(comment.body, forKey: .body)
        try c.encode(comment.createdAt, forKey: .createdAt)
    }
}

/// The JSON shape of an issue's dependencies.
public struct DependencyDocument: Encodable, Sendable, Hashable {
    public var issue: IssueKey
    public var view: DependencyView

    public init(issue: IssueKey, view: DependencyView) {
        self.issue = issue
        self.view = view
    }

    enum CodingKeys: String, CodingKey { case issue, blockers, blocked, chain }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(issue.description, forKey: .issue)
        try c.encode(view.blockers.map { IssueDocument($0) }, forKey: .blockers)
        try c.encode(view.blocked.map { IssueDocument($0) }, forKey: .blocked)
        try c.encode(view.chain.map { IssueDocument($0) }, forKey: .chain)
    }
}

extension JSONEncoder {
    /// The encoder for every JSON turboCode prints or serves: sorted keys, ISO-8601 dates.
    public static func turbo(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

/// The JSON shape of a worktree record.
public struct WorktreeDocument: Encodable, Sendable, Hashable {
    public var record: WorktreeRecord

    public init(_ record: WorktreeRecord) { self.record = record }

    enum CodingKeys: String, CodingKey {
        case id, issue, path, branch, baseCommit = "base_commit", createdAt = "created_at", removedAt = "removed_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.id.lowercasedString, forKey: .id)
        try c.encode(record.issueKey.description, forKey: .issue)
        try c.encode(record.path, forKey: .path)
        try c.encode(record.branch, forKey: .branch)
        try c.encode(record.baseCommit, forKey: .baseCommit)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.removedAt, forKey: .removedAt)
    }
}

/// A worktree's git status as JSON (`worktree status --json`, `GET /worktrees/{issue}`).
public struct WorktreeStatusDocument: Encodable, Sendable, Hashable {
    public var path, branch, head, baseCommit: String
    public var ahead, behind: Int
    public var uncommitted: [String]
    public var lastCommitAt, oldestUncommittedChangeAt: Date?

    public init(_ status: WorktreeStatus) {
        path = status.path
        branch = status.branch
        head = status.head
        baseCommit = status.baseCommit
        ahead = status.ahead
        behind = status.behind
        uncommitted = status.uncommitted
        lastCommitAt = status.lastCommitAt
        oldestUncommittedChangeAt = status.oldestUncommittedChangeAt
    }

    enum CodingKeys: String, CodingKey {
        case path, branch, head, ahead, behind, uncommitted
        case baseCommit = "base_commit", lastCommitAt = "last_commit_at"
        case oldestUncommittedChangeAt = "oldest_uncommitted_change_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(branch, forKey: .branch)
        try c.encode(head, forKey: .head)
        try c.encode(baseCommit, forKey: .baseCommit)
        try c.encode(ahead, forKey: .ahead)
        try c.encode(behind, forKey: .behind)
        try c.encode(uncommitted, forKey: .uncommitted)
        try c.encode(lastCommitAt, forKey: .lastCommitAt)
        try c.encode(oldestUncommittedChangeAt, forKey: .oldestUncommittedChangeAt)
    }
}

/// An active worktree with its git status (`GET /worktrees/{issue}`); `status` is null when git cannot be asked.
public struct WorktreeDetailDocument: Encodable, Sendable, Hashable {
    public var record: WorktreeRecord
    public var status: WorktreeStatus?

    public init(record: WorktreeRecord, status: WorktreeStatus?) {
        self.record = record
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case status }

    public func encode(to encoder: any Encoder) throws {
        try WorktreeDocument(record).encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status.map(WorktreeStatusDocument.init), forKey: .status)
    }
}

/// The outcome of removing a worktree.
public struct WorktreeRemovalDocument: Encodable, Sendable, Hashable {
    public var removed: Bool
    /// Whether the branch went too (only when the base branch contains it).
    public var branchDeleted: Bool

    public init(removed: Bool, branchDeleted: Bool) {
        self.removed = removed
        self.branchDeleted = branchDeleted
    }

    enum CodingKeys: String, CodingKey { case removed, branchDeleted = "branch_deleted" }
}

/// The JSON shape of a predicted conflict; `other` is null for the base branch.
public struct ConflictDocument: Encodable, Sendable, Hashable {
    public var record: ConflictRecord

    public init(_ record: ConflictRecord) { self.record = record }

    enum CodingKeys: String, CodingKey { case issue, other, commits, paths, detectedAt = "detected_at" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.issue.description, forKey: .issue)
        try c.encode(record.other?.description, forKey: .other)
        try c.encode(record.commits, forKey: .commits)
        try c.encode(record.paths, forKey: .paths)
        try c.encode(record.detectedAt, forKey: .detectedAt)
    }
}

/// A work log as JSON.
public struct WorkLogDocument: Encodable, Sendable, Hashable {
    public var log: WorkLog

    public init(log: WorkLog) { self.log = log }

    enum CodingKeys: String, CodingKey {
        case id, issue, startedBy = "started_by", startedAt = "started_at", endedAt = "ended_at"
        case worktreePath = "worktree_path", branchName = "branch_name", commit, commitURL = "commit_url", outcome
        case inputTokens = "input_tokens", outputTokens = "output_tokens", costUSD = "cost_usd", isActive = "is_active"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(log.id.lowercasedString, forKey: .id)
        try c.encode(log.issueKey.description, forKey: .issue)
        try c.encode(log.startedBy, forKey: .startedBy)
        try c.encode(log.startedAt, forKey: .startedAt)
        try c.encode(log.endedAt, forKey: .endedAt)
        try c.encode(log.worktreePath, forKey: .worktreePath)
        try c.encode(log.branchName, forKey: .branchName)
        try c.encode(log.commit, forKey: .commit)
        try c.encode(log.commitURL, forKey: .commitURL)
        try c.encode(log.outcome?.rawValue, forKey: .outcome)
        try c.encode(log.inputTokens, forKey: .inputTokens)
        try c.encode(log.outputTokens, forKey: .outputTokens)
        try c.encode(log.costUSD, forKey: .costUSD)
        try c.encode(log.isActive, forKey: .isActive)
    }
}

/// An event as JSON: `id`, `type`, `subject`, `payload`, `created_at`.
public struct EventDocument: Encodable, Sendable, Hashable {
    public var event: Event

    public init(event: Event) { self.event = event }

    enum CodingKeys: String, CodingKey { case id, type, subject, payload, createdAt = "created_at" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(event.id, forKey: .id)
        try c.encode(event.type, forKey: .type)
        try c.encode(event.subject, forKey: .subject)
        try c.encode(event.payload, forKey: .payload)
        try c.encode(event.createdAt, forKey: .createdAt)
    }
}

/// A `blocker → blocked` edge; `removed` is present (true) only when the edge was just removed.
public struct DependencyEdgeDocument: Encodable, Sendable, Hashable {
    public var blocker: String
    public var blocked: String
    public var removed: Bool?

    public init(blocker: String, blocked: String, removed: Bool? = nil) {
        self.blocker = blocker
        self.blocked = blocked
        self.removed = removed
    }
}

/// A lease as JSON: what an agent needs to keep it (`epoch`, `expires_at`).
public struct LeaseDocument: Encodable, Sendable, Hashable {
    public var lease: Lease

    public init(_ lease: Lease) { self.lease = lease }

    enum CodingKeys: String, CodingKey {
        case id, issue, agent, epoch, acquiredAt = "acquired_at", heartbeatAt = "heartbeat_at"
        case expiresAt = "expires_at", releasedAt = "released_at", releaseReason = "release_reason"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lease.id.lowercasedString, forKey: .id)
        try c.encode(lease.issueKey.description, forKey: .issue)
        try c.encode(lease.agentID, forKey: .agent)
        try c.encode(lease.epoch, forKey: .epoch)
        try c.encode(lease.acquiredAt, forKey: .acquiredAt)
        try c.encode(lease.heartbeatAt, forKey: .heartbeatAt)
        try c.encode(lease.expiresAt, forKey: .expiresAt)
        try c.encode(lease.releasedAt, forKey: .releasedAt)
        try c.encode(lease.releaseReason, forKey: .releaseReason)
    }
}

/// A webhook subscription as JSON; the secret only when `showSecret` (at creation and rotation).
public struct WebhookDocument: Encodable, Sendable, Hashable {
    public var webhook: Webhook
    public var showSecret: Bool

    public init(_ webhook: Webhook, showSecret: Bool = false) {
        self.webhook = webhook
        self.showSecret = showSecret
    }

    enum CodingKeys: String, CodingKey {
        case id, url, events, description, secret, allowPrivate = "allow_private", enabled
        case disabledReason = "disabled_reason", failingSince = "failing_since", createdAt = "created_at"
        case updatedAt = "updated_at", previousSecretExpiresAt = "previous_secret_expires_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(webhook.id.lowercasedString, forKey: .id)
        try c.encode(webhook.url, forKey: .url)
        try c.encode(webhook.events, forKey: .events)
        try c.encode(webhook.description, forKey: .description)
        if showSecret { try c.encode(webhook.secret, forKey: .secret) }
        try c.encode(webhook.allowPrivate, forKey: .allowPrivate)
        try c.encode(webhook.enabled, forKey: .enabled)
        try c.encode(webhook.disabledReason, forKey: .disabledReason)
        try c.encode(webhook.failingSince, forKey: .failingSince)
        try c.encode(webhook.previousSecretExpiresAt, forKey: .previousSecretExpiresAt)
        try c.encode(webhook.createdAt, forKey: .createdAt)
        try c.encode(webhook.updatedAt, forKey: .updatedAt)
    }
}

/// One delivery with its latest attempt.
public struct DeliveryDocument: Encodable, Sendable, Hashable {
    public var delivery: WebhookDelivery

    public init(_ delivery: WebhookDelivery) { self.delivery = delivery }

    enum CodingKeys: String, CodingKey {
        case id, webhookID = "webhook_id", webhookMessageID = "webhook_message_id", event = "event_id"
        case eventType = "event_type", status, attempts, nextAttemptAt = "next_attempt_at"
        case lastAttemptAt = "last_attempt_at", responseStatus = "response_status", responseBody = "response_body"
        case error, createdAt = "created_at", deliveredAt = "delivered_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(delivery.id.lowercasedString, forKey: .id)
        try c.encode(delivery.webhookID.lowercasedString, forKey: .webhookID)
        try c.encode("msg_\(delivery.id.lowercasedString)", forKey: .webhookMessageID)
        try c.encode(delivery.eventID, forKey: .event)
        try c.encode(delivery.eventType, forKey: .eventType)
        try c.encode(delivery.status.rawValue, forKey: .status)
        try c.encode(delivery.attempts, forKey: .attempts)
        try c.encode(delivery.nextAttemptAt, forKey: .nextAttemptAt)
        try c.encode(delivery.lastAttemptAt, forKey: .lastAttemptAt)
        try c.encode(delivery.responseStatus, forKey: .responseStatus)
        try c.encode(delivery.responseBody, forKey: .responseBody)
        try c.encode(delivery.error, forKey: .error)
        try c.encode(delivery.createdAt, forKey: .createdAt)
        try c.encode(delivery.deliveredAt, forKey: .deliveredAt)
    }
}

/// The JSON shape of a check (verification, review decision, merge).
public struct CheckDocument: Encodable, Sendable, Hashable {
    public var check: Check

    public init(_ check: Check) { self.check = check }

    enum CodingKeys: String, CodingKey {
        case id, issue, kind, passed, summary, evidence, actor, createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(check.id.lowercasedString, forKey: .id)
        try c.encode(check.issueKey.description, forKey: .issue)
        try c.encode(check.kind.rawValue, forKey: .kind)
        try c.encode(check.passed, forKey: .passed)
        try c.encode(check.summary, forKey: .summary)
        try c.encode(check.evidence, forKey: .evidence)
        try c.encode(check.actor, forKey: .actor)
        try c.encode(check.createdAt, forKey: .createdAt)
    }
}

/// The JSON shape of an issue waiting in review, with what a reviewer weighs.
public struct ReviewDocument: Encodable, Sendable, Hashable {
    public var issue: Issue
    public var verification: Check?
    public var decision: Check?
    public var approved: Bool
    public var failedChecks: Bool
    public var size: Int
    public var conflictRisk: Int
    public var ageSeconds: Int

    public init(
        issue: Issue, verification: Check?, decision: Check?, approved: Bool, failedChecks: Bool, size: Int,
        conflictRisk: Int, ageSeconds: Int
    ) {
        self.issue = issue
        self.verification = verification
        self.decision = decision
        self.approved = approved
        self.failedChecks = failedChecks
        self.size = size
        self.conflictRisk = conflictRisk
        self.ageSeconds = ageSeconds
    }

    enum CodingKeys: String, CodingKey {
        case issue, verification, decision, approved, failedChecks = "failed_checks", size
        case conflictRisk = "conflict_risk", ageSeconds = "age_seconds"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(IssueDocument(issue), forKey: .issue)
        try c.encode(verification.map(CheckDocument.init), forKey: .verification)
        try c.encode(decision.map(CheckDocument.init), forKey: .decision)
        try c.encode(approved, forKey: .approved)
        try c.encode(failedChecks, forKey: .failedChecks)
        try c.encode(size, forKey: .size)
        try c.encode(conflictRisk, forKey: .conflictRisk)
        try c.encode(ageSeconds, forKey: .ageSeconds)
    }
}
