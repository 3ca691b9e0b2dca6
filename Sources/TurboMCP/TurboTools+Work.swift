import Foundation
import MCP
import TurboCore
import TurboServices

// MARK: - Work

extension TurboTools {
    /// The agent the work tools act for: the token's agent, else the id the caller names.
    func agent(named: String?, caller: Caller, tool: String) throws -> String {
        if let agent = caller.agentID { return agent }
        guard let named = named?.trimmingCharacters(in: .whitespacesAndNewlines), !named.isEmpty else {
            throw TurboError.invalidInput(
                "\(tool) needs an agent identity: call with an agent token (TURBOCODE_TOKEN), start 'turbocode mcp "
                    + "--agent ID', or name the agent in the arguments")
        }
        if named.hasPrefix("user:") { return try IssueValidation.actor(named) }
        return try APIToken.validatedAgentID(named.hasPrefix("ai:") ? String(named.dropFirst(3)) : named)
    }

    /// The epoch named, else the one this session obtained for the issue, else the live lease's when the caller
    /// holds it (an agent under `up` never started the work itself: its per-session token acts on its own live
    /// lease). Still fenced: a lapsed or re-assigned lease is refused, naming the live epoch.
    func epoch(_ arguments: ToolArguments, _ ref: IssueRef, caller: Caller, session: SessionLeases) async throws
        -> Int
    {
        if let epoch = try arguments.integer("epoch") { return epoch }
        let issue = try await store.issue(ref)
        if let epoch = await session.epoch(of: issue.id) { return epoch }
        return try await requireWork("a work tool").epoch(
            nil, of: .id(issue.id), agent: caller.agentID, session: caller.session)
    }

    func startWork(_ arguments: ToolArguments, caller: Caller, session: SessionLeases) async throws
        -> StartedWorkDocument
    {
        let work = try requireWork("start_work_on_issue")
        if let path = try arguments.string("project_path") {
            let named = try? Repository.locate(from: (path as NSString).expandingTildeInPath)
            let coordinated = work.worktrees.repository.root
            guard named?.root == coordinated else {
                throw TurboError.invalidInput(
                    "project_path \(path) is not the repository this server coordinates "
                        + "(\(coordinated))")
            }
        }
        let agent = try agent(named: try arguments.requiredString("started_by"), caller: caller, tool: "start_work")
        let started = try await work.start(try arguments.issue("issue_id"), agent: agent)
        await session.record(issue: started.issue.id, epoch: started.lease.epoch)
        return StartedWorkDocument(started, ttl: work.ttl)
    }

    func claimNext(_ arguments: ToolArguments, caller: Caller, session: SessionLeases) async throws
        -> ClaimDocument
    {
        let work = try requireWork("claim_next_issue")
        let agent = try agent(named: try arguments.string("agent_id"), caller: caller, tool: "claim_next_issue")
        let project: ProjectRef? = try arguments.string("project_id").map { try ProjectRef(parsing: $0) }
        // Without a project named, the coordinator's own (the claim refuses any other).
        let started = try await work.claimNext(
            agent: agent, capabilities: try arguments.strings("capabilities"), project: project)
        if let started { await session.record(issue: started.issue.id, epoch: started.lease.epoch) }
        return ClaimDocument(
            work: started.map { StartedWorkDocument($0, ttl: work.ttl) },
            message: started == nil ? "No eligible issue matches your capabilities now." : nil)
    }

    func submit(_ arguments: ToolArguments, caller: Caller, session: SessionLeases) async throws
        -> SubmittedDocument
    {
        let work = try requireWork("submit_issue_for_review")
        let ref = try arguments.issue("issue_id")
        // Every argument is checked before anything is written.
        let commitURL = try arguments.string("commit_url")
        _ = try arguments.bool("cleanup_worktree")
        let epoch = try await epoch(arguments, ref, caller: caller, session: session)
        let submitted = try await work.submit(ref, agent: caller.agentID, epoch: epoch, commitURL: commitURL)
        return SubmittedDocument(
            issue: IssueDocument(submitted.issue), head: submitted.head, commits: submitted.commits,
            message:
                "\(submitted.issue.key) is in testing: the coordinator verifies \(submitted.commits) commit(s) "
                + "(head \(submitted.head.prefix(12))). The worktree stays until the merge; your lease has ended.")
    }
}
