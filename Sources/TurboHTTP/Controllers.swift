import Foundation
import Hummingbird
import TurboCore
import TurboServices

/// The REST routes under `/api/v1` for projects, issues, comments, dependencies, work logs, the queue and events.
struct APIController: Sendable {
    let configuration: APIConfiguration
    var store: any TurboStore { configuration.store }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("projects") { _, _ in Reply(try await store.projects().map { ProjectDocument($0) }) }
        api.post("projects", use: createProject)
        api.get("projects/:project") { _, context in
            Reply(
                ProjectDocument(try await store.project(try ProjectRef(parsing: context.parameters.require("project"))))
            )
        }

        api.get("issues", use: listIssues)
        api.post("issues", use: createIssue)
        api.get("issues/:issue") { _, context in Reply(IssueDocument(try await store.issue(try Self.issue(context)))) }
        api.patch("issues/:issue", use: patchIssue)
        api.delete("issues/:issue") { _, context in
            _ = try await store.deleteIssue(try Self.issue(context))
            return HTTPResponse.Status.noContent
        }
        api.post("issues/:issue/ready") { _, context in try await transition(context, to: .ready, reason: nil) }
        api.post("issues/:issue/reopen") { _, context in try await transition(context, to: .open, reason: nil) }
        api.post("issues/:issue/close") { request, context in
            let body = try await Self.optionalBody(CloseRequest.self, request, context)
            return try await transition(
                context, to: .closed, reason: try ClosedReason(parsing: body?.reason ?? ClosedReason.done.rawValue))
        }

        api.get("issues/:issue/comments") { _, context in
            Reply(try await store.comments(of: try Self.issue(context)).map { CommentDocument($0) })
        }
        api.post("issues/:issue/comments") { request, context in
            let body = try await request.decode(as: CommentRequest.self, context: context)
            let comment = try await IssueService(store: store).comment(
                on: try Self.issue(context), body: body.body, author: body.author, caller: Self.caller(context))
            return EditedResponse(status: .created, response: Reply(CommentDocument(comment)))
        }

        api.get("issues/:issue/dependencies") { _, context in
            let ref = try Self.issue(context)
            let issue = try await store.issue(ref)
            return Reply(DependencyDocument(issue: issue.key, view: try await store.dependencies(of: ref)))
        }
        api.post("issues/:issue/dependencies") { request, context in
            let body = try await request.decode(as: DependencyRequest.self, context: context)
            let edge = try await store.addDependency(
                blocker: try IssueRef(parsing: body.blocker), blocked: Self.issue(context))
            return EditedResponse(
                status: .created,
                response: Reply(
                    DependencyEdgeDocument(blocker: edge.blocker.description, blocked: edge.blocked.description)))
        }
        api.delete("issues/:issue/dependencies/:blocker") { _, context in
            _ = try await IssueService(store: store).removeDependency(
                blocker: try IssueRef(parsing: context.parameters.require("blocker")), blocked: Self.issue(context),
                caller: Self.caller(context))
            return HTTPResponse.Status.noContent
        }

        api.get("issues/:issue/work-logs") { _, context in
            Reply(try await store.workLogs(of: try Self.issue(context)).map { WorkLogDocument(log: $0) })
        }
        api.get("work-logs") { request, _ in
            guard request.uri.queryParameters.get("active") == "true" else {
                throw APIError(.badRequest, code: "malformed_request", message: "only ?active=true is supported")
            }
            return Reply(try await store.activeWorkLogs().map { WorkLogDocument(log: $0) })
        }

        api.get("queue") { request, _ in
            let project = try request.uri.queryParameters.get("project").map { try ProjectRef(parsing: $0) }
            let limit = try Self.integer(request, "limit", default: 1_000, range: 1...1_000)
            let entries = try await store.queue(project: project)
            var position = 0
            let documents = entries.prefix(limit).map { entry in
                if entry.isEligible { position += 1 }
                return QueueEntryDocument(entry, position: entry.isEligible ? position : nil)
            }
            return EditedResponse(headers: [.totalCount: String(entries.count)], response: Reply(Array(documents)))
        }
        api.get("events") { request, _ in
            if let subject = request.uri.queryParameters.get("subject") {
                // The newest events about one subject (an issue's key), for its page.
                guard request.uri.queryParameters.get("after") == nil else {
                    throw APIError(
                        .badRequest, code: "malformed_request", message: "'subject' takes 'last', not 'after'")
                }
                let last = try Self.integer(request, "last", default: 100, range: 1...1_000)
                return Reply(
                    try await store.events(about: String(subject), limit: last).map { EventDocument(event: $0) })
            }
            let limit = try Self.integer(request, "limit", default: 100, range: 1...1_000)
            var after = Int64(try Self.integer(request, "after", default: 0, range: 0...Int.max))
            if request.uri.queryParameters.get("last") != nil {
                // The newest `last` events (still oldest first), for a view that starts from now.
                guard request.uri.queryParameters.get("after") == nil else {
                    throw APIError(.badRequest, code: "malformed_request", message: "give 'after' or 'last', not both")
                }
                let last = try Self.integer(request, "last", default: 100, range: 1...1_000)
                after = max(0, try await store.latestEventID() - Int64(last))
            }
            return Reply(try await store.events(after: after, limit: limit).map { EventDocument(event: $0) })
        }
        api.get("worktrees") { request, _ in
            let project = try request.uri.queryParameters.get("project").map { try ProjectRef(parsing: $0) }
            return Reply(try await store.activeWorktrees(project: project).map { WorktreeDocument($0) })
        }
        api.get("worktrees/:issue") { _, context in
            let ref = try Self.issue(context)
            guard let record = try await store.worktree(of: ref), record.removedAt == nil else {
                throw TurboError.noWorktree(try await store.issue(ref).key.description)
            }
            let status = try await configuration.worktrees?.status(ref)
            return Reply(WorktreeDetailDocument(record: record, status: status))
        }
        api.delete("worktrees/:issue") { request, context in
            guard let worktrees = configuration.worktrees else {
                throw APIError(
                    .conflict, code: "no_repository",
                    message: "this server was started without a repository and cannot remove worktrees")
            }
            let force = try Self.boolean(request, "force")
            let deleted = try await worktrees.remove(try Self.issue(context), force: force).branchDeleted
            return Reply(WorktreeRemovalDocument(removed: true, branchDeleted: deleted))
        }
        api.get("attention") { request, _ in
            let project = try request.uri.queryParameters.get("project").map { try ProjectRef(parsing: $0) }
            let now = Date()
            return Reply(
                AttentionDocument(
                    items: try await AttentionService(store: store).items(project: project, now: now), now: now))
        }
        api.get("graph") { request, _ in
            let project = try request.uri.queryParameters.get("project").map { try ProjectRef(parsing: $0) }
            let issues = try await store.issues(IssueFilter(project: project))
            return Reply(
                GraphDocument(DependencyLayout(issues: issues, includeAllClosed: try Self.boolean(request, "all"))))
        }
        api.get("conflicts") { request, _ in
            let project = try request.uri.queryParameters.get("project").map { try ProjectRef(parsing: $0) }
            return Reply(try await store.conflicts(project: project).map { ConflictDocument($0) })
        }
        api.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPI.json)))
        }
    }

    @Sendable func createProject(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<
        Reply<ProjectDocument>
    > {
        let body = try await request.decode(as: CreateProjectRequest.self, context: context)
        let key = try ProjectKey(body.key)
        let project = try await store.createProject(
            NewProject(
                key: key, name: body.name ?? key.rawValue, repositoryPath: body.repositoryPath,
                baseBranch: body.baseBranch ?? "main"))
        return EditedResponse(
            status: .created, headers: [.location: "/api/v1/projects/\(project.key)"],
            response: Reply(ProjectDocument(project)))
    }

    @Sendable func listIssues(_ request: Request, context: AppRequestContext) async throws -> Reply<Page<IssueDocument>>
    {
        let query = request.uri.queryParameters
        let limit = try Self.integer(request, "limit", default: 100, range: 1...1_000)
        let offset = try Self.integer(request, "offset", default: 0, range: 0...Int.max)
        var filter = IssueFilter(
            project: try query.get("project").map { try ProjectRef(parsing: $0) },
            statuses: try query.getAll("status").map { try IssueStatus(parsing: $0) },
            priority: try query.get("priority").map { try IssuePriority(parsing: $0) },
            type: try query.get("type").map { try IssueType(parsing: $0) }, capability: query.get("capability"))
        if filter.statuses?.isEmpty == true { filter.statuses = nil }
        let total = try await store.countIssues(filter)
        filter.limit = limit
        filter.offset = offset
        let issues = try await store.issues(filter)
        return Reply(Page(items: issues.map { IssueDocument($0) }, total: total, limit: limit, offset: offset))
    }

    @Sendable func createIssue(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<
        Reply<IssueDocument>
    > {
        let body = try await request.decode(as: CreateIssueRequest.self, context: context)
        let project: ProjectRef
        if let named = body.project {
            project = try ProjectRef(parsing: named)
        } else {
            let all = try await store.projects()
            guard all.count == 1 else {
                throw all.isEmpty
                    ? TurboError.invalidInput("no project exists yet")
                    : TurboError.ambiguousProject(all.map(\.key.rawValue))
            }
            project = .id(all[0].id)
        }
        let issue = try await IssueService(store: store).create(
            NewIssue(
                project: project, title: body.title, description: body.description ?? "",
                type: try body.type.map { try IssueType(parsing: $0) } ?? .task,
                priority: try body.priority.map { try IssuePriority(parsing: $0) } ?? .medium,
                status: try body.status.map { try IssueStatus(parsing: $0) } ?? .open,
                capabilities: body.capabilities ?? [], paths: body.paths ?? [],
                createdBy: try body.createdBy.map { try IssueValidation.actor($0) } ?? Self.actor(context),
                workRank: body.workRank, blockedBy: try (body.blockedBy ?? []).map { try IssueRef(parsing: $0) }),
            caller: Self.caller(context))
        return EditedResponse(
            status: .created, headers: [.location: "/api/v1/issues/\(issue.key)"], response: Reply(IssueDocument(issue))
        )
    }

    @Sendable func patchIssue(_ request: Request, context: AppRequestContext) async throws -> Reply<IssueDocument> {
        let body = try await request.decode(as: PatchIssueRequest.self, context: context)
        return Reply(
            IssueDocument(
                try await IssueService(store: store).update(
                    try Self.issue(context), body.changes, caller: Self.caller(context))))
    }

    func transition(_ context: AppRequestContext, to status: IssueStatus, reason: ClosedReason?) async throws
        -> Reply<IssueDocument>
    {
        Reply(
            IssueDocument(
                try await store.transition(
                    try Self.issue(context), to: status, reason: reason, actor: Self.actor(context))))
    }

    static func issue(_ context: AppRequestContext) throws -> IssueRef {
        try IssueRef(parsing: try context.parameters.require("issue"))
    }

    /// The acting person or agent, from the token (a caller without one, on loopback, is the person `api`).
    static func caller(_ context: AppRequestContext) -> Caller {
        context.token.map(Caller.init(token:)) ?? .person("api")
    }

    /// The acting person or agent as an actor (`ai:…`, `user:…`), from the token.
    static func actor(_ context: AppRequestContext) -> String { caller(context).actor }

    static func integer(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(
                .badRequest, code: "malformed_request",
                message: "'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    static func boolean(_ request: Request, _ name: String) throws -> Bool {
        switch request.uri.queryParameters.get(name) {
        case nil, "false", "0": return false
        case "true", "1", "": return true
        default: throw APIError(.badRequest, code: "malformed_request", message: "'\(name)' must be true or false")
        }
    }

    /// A JSON body that may be absent.
    static func optionalBody<T: Decodable>(_ type: T.Type, _ request: Request, _ context: AppRequestContext)
        async throws -> T?
    {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
    }
}
