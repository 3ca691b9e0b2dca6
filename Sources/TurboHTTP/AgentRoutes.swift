import Foundation
import Hummingbird
public import TurboCore

/// The work operations for agents that do not speak MCP, as closures so this module stays free of git.
public struct WorkOperations: Sendable {
    /// A started issue: its lease epoch and worktree.
    public struct Claimed: Sendable {
        public var issue: Issue
        public var epoch: Int
        public var worktree: String
        public var branch: String
        public var baseBranch: String

        public init(issue: Issue, epoch: Int, worktree: String, branch: String, baseBranch: String) {
            self.issue = issue
            self.epoch = epoch
            self.worktree = worktree
            self.branch = branch
            self.baseBranch = baseBranch
        }
    }

    /// With a `location` (a worker on another machine), no worktree is made here: the worker pushes the branch.
    public var claim:
        @Sendable (_ agent: String, _ capabilities: [String]?, _ project: ProjectRef?, _ location: String?)
            async throws -> Claimed?
    // A nil epoch acts under the live lease when `agent` (nil: a person acting for the holder) holds it.
    public var heartbeat:
        @Sendable (IssueRef, _ agent: String?, _ epoch: Int?, _ message: String?, _ percent: Int?) async throws -> Lease
    public var submit:
        @Sendable (IssueRef, _ agent: String?, _ epoch: Int?, _ commitURL: String?) async throws -> (
            issue: Issue, head: String, commits: Int
        )
    public var release: @Sendable (IssueRef, _ agent: String?, _ epoch: Int?, _ reason: String?) async throws -> Issue
    public var blocked: @Sendable (IssueRef, _ agent: String?, _ epoch: Int?, _ reason: String) async throws -> Issue

    public init(
        claim: @escaping @Sendable (String, [String]?, ProjectRef?, String?) async throws -> Claimed?,
        heartbeat: @escaping @Sendable (IssueRef, String?, Int?, String?, Int?) async throws -> Lease,
        submit:
            @escaping @Sendable (IssueRef, String?, Int?, String?) async throws -> (
                issue: Issue, head: String, commits: Int
            ),
        release: @escaping @Sendable (IssueRef, String?, Int?, String?) async throws -> Issue,
        blocked: @escaping @Sendable (IssueRef, String?, Int?, String) async throws -> Issue
    ) {
        self.claim = claim
        self.heartbeat = heartbeat
        self.submit = submit
        self.release = release
        self.blocked = blocked
    }
}

/// `POST /api/v1/queue/claim` and `POST /api/v1/issues/{key}/heartbeat|submit|release|blocked`: the lease-fenced work
/// operations over REST (for Aider, scripts, `turbocode work`). Agent tokens act as their agent and may only touch
/// their own leases (403); admin tokens act for the lease's holder. A stale epoch is 409 `stale_lease`.
struct AgentRoutes: Sendable {
    let store: any TurboStore
    let work: WorkOperations?

    func register(on router: Router<AppRequestContext>) {
        let api = router.group("api/v1")
        api.post("queue/claim") { request, context in
            let work = try operations()
            let body = try await APIController.optionalBody(ClaimRequest.self, request, context)
            let agent: String
            if let token = context.token, token.role == .agent, let id = token.agentID {
                agent = id
            } else if let named = body?.agent, !named.isEmpty {
                agent = try APIToken.validatedAgentID(named)
            } else {
                throw APIError(.badRequest, code: "malformed_request", message: "an admin token must name the 'agent'")
            }
            let project = try body?.project.map { try ProjectRef(parsing: $0) }
            let location = body?.location?.trimmingCharacters(in: .whitespacesAndNewlines)
            if let location, location.isEmpty || location.count > 1_000 {
                throw APIError(
                    .unprocessableContent, code: "invalid_input",
                    message: "'location' names where a remote worker keeps the worktree (host:path), 1–1000 characters")
            }
            // No capabilities listed: the agent has none, so only issues that need none.
            guard let claimed = try await work.claim(agent, body?.capabilities ?? [], project, location) else {
                return Response(status: .noContent)
            }
            return try await Reply(
                ClaimedDocument(
                    issue: IssueDocument(claimed.issue), epoch: claimed.epoch, worktree: claimed.worktree,
                    branch: claimed.branch, baseBranch: claimed.baseBranch)
            ).response(from: request, context: context)
        }
        api.post("issues/:issue/heartbeat") { request, context in
            let (ref, agent, body) = try await fenced(request, context, as: HeartbeatRequest.self)
            let lease = try await operations().heartbeat(ref, agent, body.epoch, body.message, body.percent)
            return Reply(LeaseDocument(lease))
        }
        api.post("issues/:issue/submit") { request, context in
            let (ref, agent, body) = try await fenced(request, context, as: SubmitRequest.self)
            let submitted = try await operations().submit(ref, agent, body.epoch, body.commitURL)
            return Reply(
                SubmittedDocument(
                    issue: IssueDocument(submitted.issue), head: submitted.head, commits: submitted.commits))
        }
        api.post("issues/:issue/release") { request, context in
            let (ref, agent, body) = try await fenced(request, context, as: ReleaseRequest.self)
            return Reply(IssueDocument(try await operations().release(ref, agent, body.epoch, body.reason)))
        }
        api.post("issues/:issue/blocked") { request, context in
            let (ref, agent, body) = try await fenced(request, context, as: BlockedRequest.self)
            return Reply(IssueDocument(try await operations().blocked(ref, agent, body.epoch, body.reason)))
        }
    }

    func operations() throws -> WorkOperations {
        guard let work else {
            throw APIError(
                .conflict, code: "no_repository",
                message: "this server was started without a repository and cannot hand out work")
        }
        return work
    }

    /// The issue, the agent acting (nil for an admin: the lease's holder), and the body; an agent token touching
    /// another agent's lease is refused with 403.
    func fenced<Body: Decodable & EpochCarrying>(
        _ request: Request, _ context: AppRequestContext, as type: Body.Type
    ) async throws -> (IssueRef, String?, Body) {
        let ref = try APIController.issue(context)
        let body = try await request.decode(as: Body.self, context: context)
        guard let token = context.token, token.role == .agent else { return (ref, nil, body) }
        if let lease = try await store.currentLease(of: ref), lease.releasedAt == nil, lease.agentID != token.agentID {
            throw APIError(
                .forbidden, code: "forbidden",
                message: "\(lease.issueKey)'s lease belongs to \(lease.agentID), not \(token.agentID ?? "this token")")
        }
        return (ref, token.agentID, body)
    }
}

protocol EpochCarrying { var epoch: Int? { get } }

struct ClaimRequest: Decodable {
    var agent: String?
    var capabilities: [String]?
    var project: String?
    /// Set by a worker on another machine (`turbocode agent run`): where its worktree lives (host:path).
    var location: String?
}

struct HeartbeatRequest: Decodable, EpochCarrying {
    var epoch: Int?
    var message: String?
    var percent: Int?
}

struct SubmitRequest: Decodable, EpochCarrying {
    var epoch: Int?
    var commitURL: String?

    enum CodingKeys: String, CodingKey { case epoch, commitURL = "commit_url" }
}

struct ReleaseRequest: Decodable, EpochCarrying {
    var epoch: Int?
    var reason: String?
}

struct BlockedRequest: Decodable, EpochCarrying {
    var epoch: Int?
    var reason: String
}

struct ClaimedDocument: Encodable, Sendable {
    var issue: IssueDocument
    var epoch: Int
    var worktree: String
    var branch: String
    var baseBranch: String

    enum CodingKeys: String, CodingKey { case issue, epoch, worktree, branch, baseBranch = "base_branch" }
}

struct SubmittedDocument: Encodable, Sendable {
    var issue: IssueDocument
    var head: String
    var commits: Int
}
