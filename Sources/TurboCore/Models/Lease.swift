public import Foundation

/// The right of one agent to work one issue (DESIGN §3). At most one live lease per issue; `epoch` grows by one with
/// every lease on the issue, and every agent write names it, so a writer whose lease was taken away is refused
/// (fencing).
public struct Lease: Hashable, Sendable, Identifiable {
    /// The lease's UUID, lower-case in JSON and events.
    public var id: UUID
    /// The UUID of the leased issue.
    public var issueID: UUID
    /// The key of the leased issue.
    public var issueKey: IssueKey
    /// The agent holding it (`backend-1`), or the person (`user:ana`) who started work by hand.
    public var agentID: String
    /// The lease's number on its issue: 1 for the first, one more for each later one; agent writes name it.
    public var epoch: Int
    /// When the lease was granted (database time).
    public var acquiredAt: Date
    /// The last heartbeat or agent call that renewed it; `acquiredAt` until the first.
    public var heartbeatAt: Date
    /// Past this (database time) without a heartbeat, the lease is dead even before it is released.
    public var expiresAt: Date
    /// When it was released (by its holder, a transition or the expiry reaper); nil until then.
    public var releasedAt: Date?
    /// Why it ended: `submitted`, `released`, `blocked`, `expired`, …
    public var releaseReason: String?

    /// A lease as a store reads or grants it.
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
