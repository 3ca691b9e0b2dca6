import Foundation
public import TurboCore

/// Who is calling the tools: an agent (from an agent token, `TURBOCODE_TOKEN` or `--agent`), or a person with full
/// rights (an admin token, or the local user on stdio).
public struct MCPCaller: Sendable, Hashable {
    /// The agent id the work tools act for; nil for a person.
    public var agentID: String?
    /// `ai:<agent>` or `user:<name>`, for comments and events.
    public var actor: String

    public static func agent(_ id: String) -> MCPCaller { MCPCaller(agentID: id, actor: "ai:\(id)") }

    public static func person(_ name: String) -> MCPCaller { MCPCaller(agentID: nil, actor: "user:\(name)") }

    /// The caller a token stands for.
    public init(token: APIToken) {
        if token.role == .agent, let agent = token.agentID {
            self = .agent(agent)
        } else {
            self = .person(token.name ?? "admin")
        }
    }

    public init(agentID: String?, actor: String) {
        self.agentID = agentID
        self.actor = actor
    }
}

/// The leases one MCP session obtained (issue → epoch), so a work tool called without an epoch uses this session's,
/// never whatever lease is live now: an old process of the same agent cannot hand in a newer run's work.
public actor SessionLeases {
    private var epochs: [UUID: Int] = [:]

    public init() {}

    func record(issue: UUID, epoch: Int) { epochs[issue] = epoch }

    func epoch(of issue: UUID) -> Int? { epochs[issue] }
}
