public import TurboCore

/// Who is acting, for every face (CLI, REST, MCP): an agent (from an agent token, `TURBOCODE_TOKEN` or `--agent`),
/// or a person with full rights (an admin token, the local user on the CLI or on stdio).
public struct Caller: Sendable, Hashable {
    /// The agent id the work tools act for; nil for a person.
    public var agentID: String?
    /// `ai:<agent>` or `user:<name>`, for comments and events.
    public var actor: String

    public static func agent(_ id: String) -> Caller { Caller(agentID: id, actor: "ai:\(id)") }

    public static func person(_ name: String) -> Caller { Caller(agentID: nil, actor: "user:\(name)") }

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
