import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TurboCore
import TurboGit
import TurboServices

/// The coordinator as a remote worker sees it: the REST API with the worker's agent token.
struct CoordinatorClient: Sendable {
    let base: String
    /// Nil: no Authorization header (a server on loopback that does not require tokens for reads).
    let token: String?

    /// A refusal from the coordinator, with its HTTP status and error code.
    struct Refused: Error, CustomStringConvertible {
        var status: Int
        var message: String
        var description: String { "\(status) \(message)" }
    }

    /// Calls `path` under /api/v1 (POST with a body, else GET); the decoded JSON, nil for an empty answer.
    func call(_ path: String, body: [String: Any]? = nil) async throws -> Any? {
        var request = HTTPClientRequest(url: base + "/api/v1" + path)
        request.method = body == nil ? .GET : .POST
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let (status, bytes) = try await Turbocode.Api.call(request, base: base)
        if status == 409, Turbocode.Api.errorCode(bytes) == "stale_lease" {
            throw TurboError.staleLease(issue: path, reason: Turbocode.Api.errorMessage(bytes))
        }
        // A refusal the agent can fix (nothing committed, files left over): the session explains it in a nudge.
        if status == 409, Turbocode.Api.errorCode(bytes) == "conflicting_state" {
            throw TurboError.conflictingState(Turbocode.Api.errorMessage(bytes))
        }
        guard status < 400 else { throw Refused(status: status, message: Turbocode.Api.errorMessage(bytes)) }
        return bytes.isEmpty ? nil : try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
    }
}

/// A remote worker's work source: the coordinator's REST work routes with the worker's agent token. Commits reach
/// the coordinator through git hooks as they are made; a submission pushes once more first. Usage and permission
/// denials stay in the worker's logs (the coordinator has no route for them yet).
struct CoordinatorWorkSource: WorkSource {
    let client: CoordinatorClient
    let issue: IssueKey
    let epoch: Int
    let agent: String
    let git: GitRepository
    let remote: String
    let branch: String
    let worktree: String?
    let report: @Sendable (String) -> Void

    func heartbeat() async throws {
        do {
            _ = try await client.call("/issues/\(issue)/heartbeat", body: ["epoch": epoch])
        } catch let refused as CoordinatorClient.Refused where refused.status == 403 || refused.status == 404 {
            // The lease went to another agent (or the issue is gone): as lost as a stale epoch.
            throw TurboError.staleLease(issue: issue.description, reason: refused.message)
        }
    }

    func state() async throws -> AgentSession.State {
        let document = try await client.call("/issues/\(issue)") as? [String: Any]
        guard let text = document?["status"] as? String, let status = IssueStatus(rawValue: text) else {
            throw TurboError.invalidInput("the coordinator did not say \(issue)'s status")
        }
        let last = (try await client.call("/issues/\(issue)/work-logs") as? [[String: Any]])?.last
        return .from(
            startedBy: last?["started_by"] as? String, active: last.map { !($0["ended_at"] is String) } ?? false,
            outcome: (last?["outcome"] as? String).flatMap(WorkOutcome.init(rawValue:)), agent: agent, status: status)
    }

    func submit() async throws {
        if let worktree { try await RemoteWorker.push(git: git, remote: remote, branch: branch, from: worktree) }
        _ = try await client.call("/issues/\(issue)/submit", body: ["epoch": epoch])
    }

    /// `release` back to the queue, or `blocked` (the route that sets an issue aside with a comment); a busy
    /// coordinator may fail a call, and the lease would only come back at its expiry, so it is tried a few times.
    func giveBack(_ after: AgentSession.Aftermath) async {
        let path: String
        switch after.giveBack {
        case .none: return
        case .ready: path = "release"
        case .setAside: path = "blocked"
        }
        let (client, issue, epoch) = (client, issue, epoch)
        let reason = after.comment ?? after.reason
        var lastError: (any Error)?
        for attempt in 0..<4 {
            do {
                _ = try await Task {
                    _ = try await client.call("/issues/\(issue)/\(path)", body: ["epoch": epoch, "reason": reason])
                }.value
                return
            } catch TurboError.staleLease {
                return  // Already expired or taken over: nothing of ours to give back.
            } catch {
                lastError = error
                try? await Task { try await Task.sleep(for: .milliseconds(250 << attempt)) }.value
            }
        }
        report(
            "\(issue): could not give the issue back (\(lastError.map { "\($0)" } ?? "?")); its lease expires on its own"
        )
    }

    func alert(_ kind: AlertKind, _ message: String) async { report("alert (\(kind.rawValue)) \(issue): \(message)") }

    func usage(inputTokens: Int, outputTokens: Int, costUSD: Double?) async {}

    func denied(_ denial: String) async { report("\(issue): \(agent) was refused \(denial)") }
}
