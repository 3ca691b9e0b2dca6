import Foundation
import HTTPTypes
import Hummingbird
import TurboCore
import TurboServices

/// `GET /api/v1/reviews`, `POST /api/v1/issues/{key}/approve|request-changes`, `GET /api/v1/stats`, and an issue's
/// checks and diff (`GET /api/v1/issues/{key}/checks|diff`). Decisions need an admin token (the middleware's rule for writes).
struct ReviewRoutes: Sendable {
    let store: any TurboStore
    let review: ReviewService?

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("reviews") { request, _ in
            let review = try operations()
            var project = try request.uri.queryParameters.get("project").map { try ProjectRef(parsing: $0) }
            if project == nil {
                project = .id(
                    try await ProjectSetup.resolve(nil, repository: review.worktrees.repository, store: store).id)
            }
            return Reply(try await review.list(project: project).map(\.document))
        }
        api.post("issues/:issue/approve") { request, context in
            let body = try await APIController.optionalBody(DecisionRequest.self, request, context)
            let (_, check) = try await operations().approve(
                try APIController.issue(context), reviewer: APIController.actor(context), comment: body?.comment)
            return EditedResponse(status: .created, response: Reply(CheckDocument(check)))
        }
        api.post("issues/:issue/request-changes") { request, context in
            let body = try await request.decode(as: DecisionRequest.self, context: context)
            let comment = body.comment ?? ""
            let lineComments = body.lineComments ?? []
            guard !comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || !lineComments.isEmpty else {
                throw APIError(
                    .unprocessableContent, code: "invalid_input",
                    message: "say what to change in 'comment' or 'line_comments'")
            }
            let (_, check) = try await operations().requestChanges(
                try APIController.issue(context), reviewer: APIController.actor(context), comment: comment,
                lineComments: lineComments)
            return EditedResponse(status: .created, response: Reply(CheckDocument(check)))
        }
        api.get("issues/:issue/checks/:check/log") { _, context in
            guard let id = UUID(uuidString: try context.parameters.require("check")) else {
                throw APIError(.badRequest, code: "malformed_request", message: "a check id is a UUID")
            }
            let review = try operations()
            let issue = try APIController.issue(context)
            guard let check = try await store.checks(of: issue).first(where: { $0.id == id }) else {
                throw APIError(.notFound, code: "not_found", message: "\(issue.description) has no such check")
            }
            guard let log = try review.log(of: check) else {
                throw APIError(.notFound, code: "not_found", message: "this check kept no log")
            }
            // Agent-written text on the dashboard's origin: never sniffed, never run, never cached.
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/plain; charset=utf-8", .contentTypeOptions: "nosniff",
                    .contentSecurityPolicy: "default-src 'none'", .cacheControl: "no-store",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(string: log)))
        }
        api.get("issues/:issue/diff") { _, context in
            Reply(try await operations().diffDocument(try APIController.issue(context)))
        }
        api.get("issues/:issue/checks") { _, context in
            Reply(try await store.checks(of: try APIController.issue(context)).map(CheckDocument.init))
        }
        api.get("stats") { request, _ in
            let query = request.uri.queryParameters
            let project = try query.get("project").map { try ProjectRef(parsing: $0) }
            var since: Date?
            if let text = query.get("since") {
                guard let date = StatsService.parseSince(text) else {
                    throw APIError(
                        .badRequest, code: "malformed_request",
                        message: "since is an ISO-8601 time or a span like 7d, 12h, 30m")
                }
                since = date
            }
            return Reply(try await StatsService.compute(store: store, project: project, since: since))
        }
    }

    func operations() throws -> ReviewService {
        guard let review else {
            throw APIError(
                .conflict, code: "no_repository", message: "this server was started without a repository")
        }
        return review
    }
}

struct DecisionRequest: Decodable {
    var comment: String?
    /// Comments on lines of the diff (request changes only).
    var lineComments: [LineComment]?

    enum CodingKeys: String, CodingKey {
        case comment, lineComments = "line_comments"
    }
}
