public import Foundation

/// The right of one agent to work one issue (DESIGN §3). At most one live lease per issue; `epoch` grows by one with
/// every lease on the issue, and every agent write names it, so a writer whose lease was taken away is refused
/// (fencing).
public struct Lease: Hashable, Sendable, Identifiable {
    public var id: UUID
    public var issueID: UUID
    public var issueKey: IssueKey
    /// The agent holding it (`backend-1`), or the person (`user:ana`) who started work by hand.
    public var agentID: String
    public var epoch: Int
    public var acquiredAt: Date
    public var heartbeatAt: Date
    /// Past this (database time) without a heartbeat, the lease is dead even before it is released.
    public var expiresAt: Date
    public var releasedAt: Date?
    /// Why it ended: `submitted`, `released`, `blocked`, `expired`, …
    public var releaseReason: String?

    public init(
        id: UUID, issueID: UUID, issueKey: IssueKey, agentID: String, epoch: Int, acquiredAt: Date, heartbeatAt: Date,
        expiresAt: Date, releasedAt: Date? = nil, releaseReason: String? = nil
    ) {
        self.id = id
        self.issueID = issueID
        self.issueKey = issueKey
        self.agentID = agentID
        self.epoch = epoch
        self.acquiredAt = acquiredAt
        self.heartbeatAt = heartbeatAt
        self.expiresAt = expiresAt
        self.releasedAt = releasedAt
        self.releaseReason = releaseReason
    }

    /// The holder as an actor for comments and events: `ai:<agent>`, or the person (`user:ana`) as is.
    public var holderActor: String {
        agentID.hasPrefix("user:") || agentID.hasPrefix("ai:") ? agentID : "ai:\(agentID)"
    }

    /// Whether it is unreleased and unexpired at `now`.
    public func isLive(at now: Date) -> Bool { releasedAt == nil && expiresAt > now }

    /// Refuses a write that names `epoch` (and, when given, `agent`) unless this lease is live and matches.
    public func check(agent: String?, epoch: Int, now: Date) throws(TurboError) {
        guard releasedAt == nil else {
            throw .staleLease(
                issue: issueKey.description,
                reason: "the lease (epoch \(self.epoch)) was released (\(releaseReason ?? "released"))")
        }
        guard epoch == self.epoch else {
            throw .staleLease(
                issue: issueKey.description,
                reason: "epoch \(epoch) is stale: the live lease is epoch \(self.epoch), held by \(agentID)")
        }
        if let agent, agent != agentID {
            throw .staleLease(issue: issueKey.description, reason: "the lease is held by \(agentID), not \(agent)")
        }
        guard expiresAt > now else {
            throw .staleLease(
                issue: issueKey.description,
                reason: "the lease (epoch \(self.epoch)) expired without a heartbeat; claim the issue again")
        }
    }
}

/// How long a lease lives without a heartbeat.
public enum LeaseDefaults {
    /// 30 seconds (DESIGN: `leases.ttl`), renewed by every heartbeat and agent call.
    public static let ttl: Duration = .seconds(30)
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    public var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
