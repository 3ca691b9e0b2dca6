public import Foundation

/// One thing that needs a person, for the attention inbox.
public struct AttentionItem: Sendable, Hashable {
    /// Whether the item waits for a person's decision or reports something that broke.
    public enum Need: String, Sendable, Hashable {
        /// Work waits for a person's judgement: a review, an agent's question, a predicted conflict.
        case decision
        /// Something failed and will not fix itself: a merge, an agent set aside, a paused driver, an alert.
        case broken
    }

    /// What kind of attention, in the inbox's order: what broke first, then what waits for a decision.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Verification kept failing past its retries and the work went to review marked failed.
        case verificationFailed = "verification_failed"
        /// The merge queue could not merge approved work and kept it in review.
        case mergeFailed = "merge_failed"
        /// turboCode stopped retrying an issue after failed runs (or failed verifications) and set it aside.
        case setAside = "set_aside"
        /// A driver takes no work until its limit resets or a person fixes its credentials.
        case driverPaused = "driver_paused"
        /// An agent's CLI refused a tool call the issue needed (`agents.allow` in turbocode.yaml).
        case permissionDenied = "permission_denied"
        /// A monitor's alert: a silent agent, old uncommitted changes, a session timeout, a limit, low disk.
        case alert
        /// Verified work waits for review.
        case reviewWaiting = "review_waiting"
        /// An agent reported the issue blocked and gave it back with a question.
        case agentBlocked = "agent_blocked"
        /// Two active branches change the same paths.
        case conflictPredicted = "conflict_predicted"

        /// Which side of the inbox the kind belongs to.
        public var need: Need {
            switch self {
            case .verificationFailed, .mergeFailed, .setAside, .driverPaused, .permissionDenied, .alert: .broken
            case .reviewWaiting, .agentBlocked, .conflictPredicted: .decision
            }
        }
    }

    /// What needs attention.
    public var kind: Kind
    /// The issue key, driver or project the item is about.
    public var subject: String
    /// The title, when the subject is an issue.
    public var title: String?
    /// What happened, in a sentence.
    public var message: String
    /// Since when it has been waiting.
    public var since: Date
    /// When it ends by itself (a paused driver's reset time), if it does.
    public var until: Date?
    /// What a person can do about it at once: `approve`, `request_changes`, `make_ready`, `comment`.
    public var actions: [String]

    /// Which side of the inbox the item belongs to.
    public var need: Need { kind.need }

    /// An item of `kind` about `subject`.
    public init(
        kind: Kind, subject: String, title: String?, message: String, since: Date, until: Date?, actions: [String]
    ) {
        self.kind = kind
        self.subject = subject
        self.title = title
        self.message = message
        self.since = since
        self.until = until
        self.actions = actions
    }
}

/// The attention inbox as the API and the MCP tool answer it: the items, and how many of each side.
public struct AttentionDocument: Encodable, Sendable {
    /// The items in the inbox's order.
    public var items: [AttentionItem]
    /// When the inbox was computed, for the items' ages.
    public var now: Date

    /// The document of `items`, computed at `now`.
    public init(items: [AttentionItem], now: Date) {
        self.items = items
        self.now = now
    }

    enum CodingKeys: String, CodingKey { case items, decisions, broken }

    enum ItemKeys: String, CodingKey {
        case kind, need, subject, title, message, since, until, actions
        case ageSeconds = "age_seconds"
    }

    /// `{"items": [...], "decisions": N, "broken": M}`; each item with its kind, need, subject, title, message,
    /// since, age in seconds, until and actions.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var list = container.nestedUnkeyedContainer(forKey: .items)
        for item in items {
            var c = list.nestedContainer(keyedBy: ItemKeys.self)
            try c.encode(item.kind.rawValue, forKey: .kind)
            try c.encode(item.need.rawValue, forKey: .need)
            try c.encode(item.subject, forKey: .subject)
            try c.encode(item.title, forKey: .title)
            try c.encode(item.message, forKey: .message)
            try c.encode(item.since, forKey: .since)
            try c.encode(max(0, Int(now.timeIntervalSince(item.since))), forKey: .ageSeconds)
            try c.encode(item.until, forKey: .until)
            try c.encode(item.actions, forKey: .actions)
        }
        try container.encode(items.filter { $0.need == .decision }.count, forKey: .decisions)
        try container.encode(items.filter { $0.need == .broken }.count, forKey: .broken)
    }
}
