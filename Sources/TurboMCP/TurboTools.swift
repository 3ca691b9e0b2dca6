import Foundation
public import MCP
public import TurboCore
public import TurboServices

/// The tools' behaviour over the store and, when there is a repository, the worktree and work services.
public struct TurboTools: Sendable {
    public let store: any TurboStore
    public let repository: Repository?
    let work: WorkService?

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
        _ name: String, arguments: [String: Value]?, caller: MCPCaller, session: SessionLeases = SessionLeases()
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

    func run(_ name: String, _ arguments: ToolArguments, caller: MCPCaller, session: SessionLeases) async throws
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
            let author = try arguments.string("author_name").map { try IssueValidation.actor($0) } ?? caller.actor
            return CommentDocument(
                try await store.addComment(
                    to: try arguments.issue("issue_id"), author: author, body: try arguments.requiredString("content")))
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
        default:
            throw MCPError.invalidParams("unknown tool '\(name)'")
        }
    }

    // MARK: Issues

    func listIssues(_ arguments: ToolArguments) async throws -> IssueListDocument {
        let limit = try arguments.integer("limit") ?? 100
        guard (1...1_000).contains(limit) else { throw TurboError.invalidInput("list_issues: limit must be 1–1000") }
        var filter = IssueFilter(
            project: try arguments.string("project_id").map { try ProjectRef(parsing: $0) },
            statuses: try arguments.string("status").map { [try IssueStatus(parsing: $0)] },
            priority: try arguments.string("priority").map { try IssuePriority(parsing: $0) },
            type: try arguments.string("type").map { try IssueType(parsing: $0) },
            assignedTo: try arguments.string("assignee"))
        let total = try await store.countIssues(filter)
        filter.limit = limit
        return IssueListDocument(issues: try await store.issues(filter).map { IssueDocument($0) }, total: total)
    }

    func createIssue(_ arguments: ToolArguments, caller: MCPCaller) async throws -> IssueDocument {
        let project: ProjectRef =
            if let named = try arguments.string("project_id") {
                try ProjectRef(parsing: named)
            } else {
                .id(try await ProjectSetup.resolve(nil, repository: repository, store: store).id)
            }
        let status = try arguments.string("status").map { try IssueStatus(parsing: $0) } ?? .open
        guard status == .open || status == .ready else {
            throw TurboError.invalidInput("create_issue: a new issue is open or ready, not \(status)")
        }
        let assignee = try arguments.string("assignee")
        let new = NewIssue(
            project: project, title: try arguments.requiredString("title"),
            description: try arguments.string("description") ?? "",
            type: try IssueType(parsing: try arguments.requiredString("type")),
            priority: try IssuePriority(parsing: try arguments.requiredString("priority")), status: status,
            createdBy: caller.actor)
        var issue = try await store.createIssue(new)
        if let assignee {
            var changes = IssueChanges()
            changes.assignedTo = .some(assignee)
            issue = try await store.updateIssue(.id(issue.id), changes)
        }
        return IssueDocument(issue)
    }

    func updateIssue(_ arguments: ToolArguments, caller: MCPCaller) async throws -> IssueDocument {
        let ref = try arguments.issue("issue_id")
        var changes = IssueChanges()
        changes.title = try arguments.string("title")
        changes.description = try arguments.string("description")
        changes.priority = try arguments.string("priority").map { try IssuePriority(parsing: $0) }
        changes.type = try arguments.string("type").map { try IssueType(parsing: $0) }
        if arguments.values.keys.contains("assignee") { changes.assignedTo = .some(try arguments.string("assignee")) }
        let status = try arguments.string("status").map { try IssueStatus(parsing: $0) }
        return IssueDocument(
            try await IssueService(store: store).update(ref, changes, status: status, caller: caller))
    }

    func nextIssue() async throws -> NextIssueDocument {
        let project = try? await ProjectSetup.resolve(nil, repository: repository, store: store)
        guard let entry = try await store.queue(project: project.map { .id($0.id) }).first(where: \.isEligible) else {
            return NextIssueDocument(issue: nil, score: nil, message: "No issue is eligible now.")
        }
        return NextIssueDocument(
            issue: IssueDocument(try await store.issue(.id(entry.candidate.id))), score: entry.score,
            message: "Call start_work_on_issue to take it, or claim_next_issue to take the best one for you.")
    }

    func workQueue(_ arguments: ToolArguments) async throws -> QueueDocument {
        let limit = try arguments.integer("limit") ?? 50
        guard (1...1_000).contains(limit) else { throw TurboError.invalidInput("get_work_queue: limit must be 1–1000") }
        let status = try arguments.string("status").map { try IssueStatus(parsing: $0) }
        let priority = try arguments.string("priority").map { try IssuePriority(parsing: $0) }
        let project = try? await ProjectSetup.resolve(nil, repository: repository, store: store)
        // The queue holds ready issues only, so another status matches nothing.
        let entries = try await store.queue(project: project.map { .id($0.id) }).filter { entry in
            (status == nil || status == .ready) && (priority == nil || entry.candidate.priority == priority)
        }
        var position = 0
        return QueueDocument(
            entries: entries.prefix(limit).map { entry in
                if entry.isEligible { position += 1 }
                return QueueEntryDocument(entry, position: entry.isEligible ? position : nil)
            }, total: entries.count)
    }

    // MARK: Work

    /// The agent the work tools act for: the token's agent, else the id the caller names.
    func agent(named: String?, caller: MCPCaller, tool: String) throws -> String {
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
    func epoch(_ arguments: ToolArguments, _ ref: IssueRef, caller: MCPCaller, session: SessionLeases) async throws
        -> Int
    {
        if let epoch = try arguments.integer("epoch") { return epoch }
        let issue = try await store.issue(ref)
        if let epoch = await session.epoch(of: issue.id) { return epoch }
        return try await requireWork("a work tool").liveEpoch(of: .id(issue.id), agent: caller.agentID)
    }

    func startWork(_ arguments: ToolArguments, caller: MCPCaller, session: SessionLeases) async throws
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

    func claimNext(_ arguments: ToolArguments, caller: MCPCaller, session: SessionLeases) async throws
        -> ClaimDocument
    {
        let work = try requireWork("claim_next_issue")
        let agent = try agent(named: try arguments.string("agent_id"), caller: caller, tool: "claim_next_issue")
        let project: ProjectRef =
            if let named = try arguments.string("project_id") {
                try ProjectRef(parsing: named)
            } else {
                .id(try await ProjectSetup.resolve(nil, repository: repository, store: store).id)
            }
        let started = try await work.claimNext(
            agent: agent, capabilities: try arguments.strings("capabilities"), project: project)
        if let started { await session.record(issue: started.issue.id, epoch: started.lease.epoch) }
        return ClaimDocument(
            work: started.map { StartedWorkDocument($0, ttl: work.ttl) },
            message: started == nil ? "No eligible issue matches your capabilities now." : nil)
    }

    func submit(_ arguments: ToolArguments, caller: MCPCaller, session: SessionLeases) async throws
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

    // MARK: Worktrees and conflicts

    func listWorktrees(_ arguments: ToolArguments) async throws -> WorktreeListDocument {
        var project: ProjectRef?
        if let path = try arguments.string("project_path") {
            let located = try Repository.locate(from: (path as NSString).expandingTildeInPath)
            guard let found = try await store.project(repositoryPath: located.root) else {
                throw TurboError.projectNotFound(path)
            }
            project = .id(found.id)
        }
        return WorktreeListDocument(
            worktrees: try await store.activeWorktrees(project: project).map { WorktreeDocument($0) })
    }

    func worktreeStatus(_ arguments: ToolArguments) async throws -> WorktreeDetailDocument {
        let work = try requireWork("get_worktree_status")
        let record: WorktreeRecord
        if let issue = try arguments.string("issue_id") {
            guard let found = try await store.worktree(of: try IssueRef(parsing: issue)), found.removedAt == nil else {
                throw TurboError.noWorktree(try await store.issue(try IssueRef(parsing: issue)).key.description)
            }
            record = found
        } else if let path = try arguments.string("worktree_path") {
            let wanted = URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL.path
            guard
                let found = try await store.activeWorktrees(project: nil).first(where: {
                    URL(fileURLWithPath: $0.path).standardizedFileURL.path == wanted
                })
            else { throw TurboError.invalidInput("no issue worktree at \(path)") }
            record = found
        } else {
            throw TurboError.invalidInput("get_worktree_status needs issue_id or worktree_path")
        }
        return WorktreeDetailDocument(record: record, status: try await work.worktrees.status(.id(record.issueID)))
    }

    func conflicts(_ arguments: ToolArguments) async throws -> ConflictListDocument {
        let issue = try arguments.string("issue_id").map { try IssueRef(parsing: $0) }
        var key: IssueKey?
        if let issue { key = try await store.issue(issue).key }
        let all: [ConflictRecord]
        if let work {
            all = try await work.worktrees.predictConflicts().conflicts
        } else {
            all = try await store.conflicts(project: nil)
        }
        return ConflictListDocument(
            conflicts: all.filter { key == nil || $0.issue == key || $0.other == key }.map { ConflictDocument($0) })
    }
}
