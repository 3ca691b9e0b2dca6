import Foundation
import Hummingbird
import TurboCore
import TurboServices

/// `POST /api/v1/queue/claim` and `POST /api/v1/issues/{key}/heartbeat|submit|release|blocked`: the lease-fenced work
/// operations over REST (for Aider, scripts, `turbocode work`). Agent tokens act as their agent and may only touch
/// their own leases (403); admin tokens act for the lease's holder. A stale epoch is 409 `stale_lease`.
struct AgentRoutes: Sendable {
    let store: any TurboStore
    let work: WorkService?

    func register(on api: RouterGroup<AppRequestContext>) {
        api.post("queue/claim") { request, context in
            let work = try operations()
            // The claim is tied to its request: when the client's connection closes before the answer (a client that
            // timed out), the claim is given back at once instead of holding the issue until its lease expires.
            let body = try await APIController.optionalBody(ClaimRequest.self, request, context)
            return try await ConnectionWatch.watching(context.connection) { presence in
                try await claim(request, body, context, work: work, presence: presence)
            }
        }
        api.post("issues/:issue/heartbeat") { request, context in
            let (ref, agent, body) = try await fenced(request, context, as: HeartbeatRequest.self)
            let work = try operations()
            let epoch = try await work.epoch(body.epoch, of: ref, agent: agent, session: session(context))
            let lease = try await work.heartbeat(
                ref, agent: agent, epoch: epoch, message: body.message, percent: body.percent)
            return Reply(LeaseDocument(lease))
        }
        api.post("issues/:issue/submit") { request, context in
            let (ref, agent, body) = try await fenced(request, context, as: SubmitRequest.self)
            let work = try operations()
            let epoch = try await work.epoch(body.epoch, of: ref, agent: agent, session: session(context))
            let submitted = try await work.submit(ref, agent: agent, epoch: epoch, commitURL: body.commitURL)
            return Reply(
                SubmittedDocument(
                    issue: IssueDocument(submitted.issue), head: submitted.head, commits: submitted.commits))
        }
        api.post("issues/:issue/release") { request, context in
            let (ref, agent, body) = try await fenced(request, context, as: ReleaseRequest.self)
            let work = try operations()
            let epoch = try await work.epoch(body.epoch, of: ref, agent: agent, session: session(context))
            return Reply(IssueDocument(try await work.release(ref, agent: agent, epoch: epoch, reason: body.reason)))
        }
        api.post("issues/:issue/blocked") { request, context in
            let (ref, agent, body) = try await fenced(request, context, as: BlockedRequest.self)
            let work = try operations()
            let epoch = try await work.epoch(body.epoch, of: ref, agent: agent, session: session(context))
            return Reply(
                IssueDocument(try await work.reportBlocked(ref, agent: agent, epoch: epoch, reason: body.reason)))
        }
    }

    /// `POST /api/v1/queue/claim` once the connection is watched: `presence` says when the client has left.
    private func claim(
        _ request: Request, _ body: ClaimRequest?, _ context: AppRequestContext, work: WorkService,
        presence: ClientPresence
    ) async throws -> Response {
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
        let capabilities = body?.capabilities ?? []
        let claimed: ClaimedDocument
        if let location {
            // A worker on another machine: no worktree here; it pushes the branch.
            guard
                let started = try await work.claimNextRemote(
                    agent: agent, capabilities: capabilities, project: project, location: location,
                    presence: presence)
            else { return Response(status: .noContent) }
            claimed = ClaimedDocument(
                issue: IssueDocument(started.issue), epoch: started.lease.epoch, worktree: location,
                branch: started.branch, baseBranch: started.baseBranch)
        } else {
            guard
                let started = try await work.claimNext(
                    agent: agent, capabilities: capabilities, project: project, presence: presence)
            else { return Response(status: .noContent) }
            claimed = ClaimedDocument(
                issue: IssueDocument(started.issue), epoch: started.lease.epoch, worktree: started.worktree.path,
                branch: started.worktree.branch,
                baseBranch: try await work.coordinatorProject().baseBranch)
        }
        return try Reply(claimed).response(from: request, context: context)
    }

    func operations() throws -> WorkService {
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

/// The lease a per-session agent token was made for, if the caller presented one.
func session(_ context: AppRequestContext) -> Caller.SessionLease? {
    context.token.flatMap { Caller(token: $0).session }
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

/// Every claim answers one: written directly, like the issue inside it.
extension ClaimedDocument: JSONWritable {
    func writeJSON(to out: inout [UInt8]) -> Bool {
        var json = JSONWriter()
        json.beginObject()
        json.key("issue")
        guard json.value(issue) else { return false }
        json.key("epoch")
        json.integer(epoch)
        json.key("worktree")
        json.string(worktree)
        json.key("branch")
        json.string(branch)
        json.key("base_branch")
        json.string(baseBranch)
        json.endObject()
        out += json.bytes
        return true
    }
}

struct SubmittedDocument: Encodable, Sendable {
    var issue: IssueDocument
    var head: String
    var commits: Int
}
