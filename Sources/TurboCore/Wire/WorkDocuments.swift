import Foundation

/// A work log as JSON.
public struct WorkLogDocument: Encodable, Sendable, Hashable {
    /// The work session, written with `is_active`.
    public var log: WorkLog

    /// The document of `log`.
    public init(log: WorkLog) { self.log = log }

    enum CodingKeys: String, CodingKey {
        case id, issue, startedBy = "started_by", startedAt = "started_at", endedAt = "ended_at"
        case worktreePath = "worktree_path", branchName = "branch_name", commit, commitURL = "commit_url", outcome
        case inputTokens = "input_tokens", outputTokens = "output_tokens", costUSD = "cost_usd", isActive = "is_active"
    }

    /// Writes every field, nulls included; `issue` as the key, `outcome` as its raw value.
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
    /// The event row.
    public var event: Event

    /// The document of `event`.
    public init(event: Event) { self.event = event }

    enum CodingKeys: String, CodingKey { case id, type, subject, payload, createdAt = "created_at" }

    /// Writes `id`, `type`, `subject`, `payload` (as stored) and `created_at`.
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
    /// The blocking issue's key (`TURBO-3`).
    public var blocker: String
    /// The blocked issue's key.
    public var blocked: String
    /// `true` when the edge was just removed; nil, and then left out, otherwise.
    public var removed: Bool?

    /// An edge document; pass `removed: true` for a removal.
    public init(blocker: String, blocked: String, removed: Bool? = nil) {
        self.blocker = blocker
        self.blocked = blocked
        self.removed = removed
    }
}

/// A lease as JSON: what an agent needs to keep it (`epoch`, `expires_at`).
public struct LeaseDocument: Encodable, Sendable, Hashable {
    /// The lease; its holder is written as `agent`, its issue by key.
    public var lease: Lease

    /// The document of `lease`.
    public init(_ lease: Lease) { self.lease = lease }

    enum CodingKeys: String, CodingKey {
        case id, issue, agent, epoch, acquiredAt = "acquired_at", heartbeatAt = "heartbeat_at"
        case expiresAt = "expires_at", releasedAt = "released_at", releaseReason = "release_reason"
    }

    /// Writes every field, nulls included.
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
