import Foundation
import Hummingbird
import TurboCore

/// Any encodable value as a JSON response.
struct Reply<Value: Encodable & Sendable>: ResponseEncodable, Sendable {
    var value: Value

    init(_ value: Value) { self.value = value }

    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// A page of a list with the total matching count.
struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var total: Int
    var limit: Int
    var offset: Int
}

/// `GET /issues/{key}/dependencies`, `POST …/dependencies`.
struct EdgeReply: Encodable, Sendable {
    var blocker: String
    var blocked: String
}

/// A work log as JSON.
struct WorkLogDocument: Encodable, Sendable {
    var log: WorkLog

    enum CodingKeys: String, CodingKey {
        case id, issue, startedBy = "started_by", startedAt = "started_at", endedAt = "ended_at"
        case worktreePath = "worktree_path", branchName = "branch_name", commit, commitURL = "commit_url", outcome
        case inputTokens = "input_tokens", outputTokens = "output_tokens", costUSD = "cost_usd", isActive = "is_active"
    }

    func encode(to encoder: any Encoder) throws {
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
struct EventDocument: Encodable, Sendable {
    var event: Event

    enum CodingKeys: String, CodingKey { case id, type, subject, payload, createdAt = "created_at" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(event.id, forKey: .id)
        try c.encode(event.type, forKey: .type)
        try c.encode(event.subject, forKey: .subject)
        try c.encode(event.payload, forKey: .payload)
        try c.encode(event.createdAt, forKey: .createdAt)
    }
}
