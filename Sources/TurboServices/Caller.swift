import Foundation
public import TurboCore

/// Who is acting, for every face (CLI, REST, MCP): an agent (from an agent token, `TURBOCODE_TOKEN` or `--agent`),
/// or a person with full rights (an admin token, the local user on the CLI or on stdio).
public struct Caller: Sendable, Hashable {
    /// The agent id the work tools act for; nil for a person.
    public var agentID: String?
    /// `ai:<agent>` or `user:<name>`, for comments and events.
    public var actor: String
    /// The lease a per-session agent token was made for (`turbocode up` makes one per session): a work call from it
    /// without an epoch acts on exactly that lease, never on a newer one of the same agent.
    public var session: SessionLease?

    /// An issue and the epoch of the lease a token was made for.
    public struct SessionLease: Sendable, Hashable {
        /// The issue's key as the token's name gives it (`SHOP-1`).
        public var issue: String
        /// The epoch of the lease the token was made for.
        public var epoch: Int

        /// The lease of `issue` with `epoch`.
        public init(issue: String, epoch: Int) {
            self.issue = issue
            self.epoch = epoch
        }

        /// The name `turbocode up` gives a session's token: `run of SHOP-1 (epoch 3)`.
        public var tokenName: String { "run of \(issue) (epoch \(epoch))" }

        /// The lease a token's name says it was made for, if it is a session token.
        public init?(tokenName: String?) {
            guard let name = tokenName, name.hasPrefix("run of "), name.hasSuffix(")"),
                let open = name.range(of: " (epoch ", options: .backwards)
            else { return nil }
            let issue = String(name[name.index(name.startIndex, offsetBy: 7)..<open.lowerBound])
            guard let epoch = Int(name[open.upperBound..<name.index(before: name.endIndex)]), !issue.isEmpty else {
                return nil
            }
            self.init(issue: issue, epoch: epoch)
        }
    }

    /// An agent acting as itself (`ai:<id>`), not tied to one session's lease.
    public static func agent(_ id: String) -> Caller { Caller(agentID: id, actor: "ai:\(id)") }

    /// A person with full rights, written as `user:<name>`.
    public static func person(_ name: String) -> Caller { Caller(agentID: nil, actor: "user:\(name)") }

    /// The caller a token stands for.
    public init(token: APIToken) {
        if token.role == .agent, let agent = token.agentID {
            self = .agent(agent)
            session = SessionLease(tokenName: token.name)
        } else {
            self = .person(token.name ?? "admin")
        }
    }

    /// A caller from its parts, not tied to a session's lease.
    public init(agentID: String?, actor: String) {
        self.agentID = agentID
        self.actor = actor
    }
}
