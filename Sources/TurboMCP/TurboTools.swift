import Foundation
public import MCP
public import TurboCore
public import TurboServices

/// The tools' behaviour over the store and, when there is a repository, the worktree and work services.
public struct TurboTools: Sendable {
    /// Where every tool reads and writes.
    public let store: any TurboStore
    /// The checkout the server runs in, for the default project and the worktrees; nil when there is none.
    public let repository: Repository?
    let work: WorkService?

    /// Throws when the repository's `turbocode.yaml` cannot be read. Without a repository, the tools that need
    /// one answer with an error saying so.
    public init(store: any TurboStore, repository: Repository?, leaseTTL: Duration = LeaseDefaults.ttl) throws {
        self.store = store
        self.repository = repository
        self.work = try repository.map { repository in
            WorkService(worktrees: try WorktreeService(store: store, repository: repository), ttl: leaseTTL)
        }
    }

    /// Runs a tool. Domain failures and bad arguments are results with `isError: true` and a message the agent can
    /// act on; only an unknown tool is a protocol error.
    public func call(
        _ name: String, arguments: [String: Value]?, caller: Caller, session: SessionLeases = SessionLeases()
    ) async throws -> CallTool.Result {
        guard let allowed = ToolCatalogue.parameters[name] else {
            throw MCPError.invalidParams("unknown tool '\(name)'")
        }
        do {
            let arguments = try ToolArguments(arguments, tool: name, allowed: allowed)
            let value = try await run(name, arguments, caller: caller, session: session)
            return try Self.result(value)
        } catch let error as TurboError {
            return Self.failure(error.description)
        } catch let error as MCPError {
            throw error
        } catch {
            return Self.failure("\(name) failed: \(error)")
        }
    }

    static func failure(_ message: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)], isError: true)
    }

    /// The JSON text (compact, sorted keys: an agent's context is precious) and the same value as
    /// `structuredContent`.
    static func result(_ value: some Encodable) throws -> CallTool.Result {
        let data = try JSONEncoder.turbo(pretty: false).encode(value)
        let structured = try JSONDecoder().decode(Value.self, from: data)
        return try CallTool.Result(
            content: [.text(text: String(decoding: data, as: UTF8.self), annotations: nil, _meta: nil)],
            structuredContent: structured, isError: false)
    }

    func requireWork(_ tool: String) throws -> WorkService {
        guard let work else {
            throw TurboError.invalidInput("\(tool) needs a repository: start the server inside the project's checkout")
        }
        return work
    }

    // MARK: Dispatch

    func run(_ name: String, _ arguments: ToolArguments, caller: Caller, session: SessionLeases) async throws
        -> any Encodable
    {
        switch name {
        case "get_issue":
            let ref = try arguments.issue("issue_id")
            // An agent sees its own live lease: the epoch its work calls act under.
            var lease: Lease?
            if let agent = caller.agentID, let work { lease = try await work.ownLease(of: ref, agent: agent) }
            return IssueDocument(try await store.issue(ref), comments: try await store.comments(of: ref), lease: lease)
        case "list_issues": return try await listIssues(arguments)
        case "create_issue": return try await createIssue(arguments, caller: caller)
        case "update_issue": return try await updateIssue(arguments, caller: caller)
        case "add_comment":
            return CommentDocument(
                try await IssueService(store: store).comment(
                    on: try arguments.issue("issue_id"), body: try arguments.requiredString("content"),
                    author: try arguments.string("author_name"), caller: caller))
        case "get_issue_comments":
            let ref = try arguments.issue("issue_id")
            let issue = try await store.issue(ref)
            return CommentsDocument(
                issue: issue.key.description, comments: try await store.comments(of: ref).map(CommentDocument.init))
        case "get_next_issue": return try await nextIssue()
        case "get_work_queue": return try await workQueue(arguments)
        case "start_work_on_issue": return try await startWork(arguments, caller: caller, session: session)
        case "claim_next_issue": return try await claimNext(arguments, caller: caller, session: session)
        case "heartbeat":
            let ref = try arguments.issue("issue_id")
            let lease = try await requireWork(name).heartbeat(
                ref, agent: caller.agentID, epoch: try arguments.requiredInteger("epoch"))
            return LeaseDocument(lease)
        case "report_progress":
            let ref = try arguments.issue("issue_id")
            let work = try requireWork(name)
            let lease = try await work.heartbeat(
                ref, agent: caller.agentID, epoch: try await epoch(arguments, ref, caller: caller, session: session),
                message: try arguments.requiredString("message"), percent: try arguments.integer("percent"))
            return LeaseDocument(lease)
        case "report_blocked":
            let ref = try arguments.issue("issue_id")
            let issue = try await requireWork(name).reportBlocked(
                ref, agent: caller.agentID, epoch: try await epoch(arguments, ref, caller: caller, session: session),
                reason: try arguments.requiredString("reason"))
            return IssueDocument(issue)
        case "submit_issue_for_review": return try await submit(arguments, caller: caller, session: session)
        case "list_worktrees": return try await listWorktrees(arguments)
        case "get_worktree_status": return try await worktreeStatus(arguments)
        case "add_blocker":
            let edge = try await store.addDependency(
                blocker: try arguments.issue("blocking_issue_id"), blocked: try arguments.issue("blocked_issue_id"))
            return DependencyEdgeDocument(blocker: edge.blocker.description, blocked: edge.blocked.description)
        case "remove_blocker":
            let removed = try await IssueService(store: store).removeDependency(
                blocker: try arguments.issue("blocking_issue_id"), blocked: try arguments.issue("blocked_issue_id"),
                caller: caller)
            return DependencyEdgeDocument(
                blocker: removed.blocker.description, blocked: removed.blocked.description, removed: true)
        case "get_blocking_issues", "get_blocked_issues":
            let ref = try arguments.issue("issue_id")
            let issue = try await store.issue(ref)
            let view = try await store.dependencies(of: ref)
            let blocking = name == "get_blocking_issues"
            return RelatedIssuesDocument(
                issueID: issue.key.description, field: blocking ? "blocking_issues" : "blocked_issues",
                issues: (blocking ? view.blockers : view.blocked).map { IssueDocument($0) })
        case "list_projects":
            return ProjectsDocument(projects: try await store.projects().map { ProjectDocument($0) })
        case "get_project":
            let project = try await store.project(try ProjectRef(parsing: try arguments.requiredString("project_id")))
            var counts: [IssueStatus: Int] = [:]
            for status in IssueStatus.allCases {
                counts[status] = try await store.countIssues(IssueFilter(project: .id(project.id), statuses: [status]))
            }
            return ProjectDocument(project, issueCounts: counts)
        case "get_conflicts": return try await conflicts(arguments)
        case "get_attention":
            let now = Date()
            let project = try arguments.string("project_id").map { try ProjectRef(parsing: $0) }
            return AttentionDocument(
                items: try await AttentionService(store: store).items(project: project, now: now), now: now)
        default:
            throw MCPError.invalidParams("unknown tool '\(name)'")
        }
    }

}
