import HTTPTypes
import Hummingbird
import TurboCore

/// Bearer-token authentication: a presented token is looked up and put in the context; an unknown or revoked one is
/// 401 on every route. Without a bearer token, the dashboard's session cookie stands for the admin token that signed
/// in; a request that changes something that way must also carry `X-Requested-With: turbocode-dashboard`, which a
/// page on another site cannot send without the server's consent (CSRF). Who may call what is each route group's
/// ``AccessPolicy``.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    /// Looks a presented secret up; nil when unknown.
    let authenticate: @Sendable (String) async throws -> APIToken?
    /// The dashboard's sessions.
    let sessions: DashboardSessions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        if request.uri.path == "/healthz" { return try await next(request, context) }
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer "), let token = try await authenticate(String(header.dropFirst(7))) else {
                throw APIError(.unauthorized, code: "unauthorized", message: "unknown or revoked token")
            }
            context.token = token
        } else if let id = request.cookies[DashboardSessions.cookie]?.value,
            let secret = await sessions.secret(of: id), let token = try await authenticate(secret)
        {
            let changes = request.method != .get && request.method != .head && request.method != .options
            let page = request.uri.path == "/login" || request.uri.path == "/logout"
            if changes, !page, request.headers[.requestedWith] != "turbocode-dashboard" {
                throw APIError(
                    .forbidden, code: "forbidden",
                    message: "a change made with the dashboard's session needs 'X-Requested-With: turbocode-dashboard'")
            }
            context.token = token
        }
        return try await next(request, context)
    }
}

/// Who may call a group of routes, attached to the group (`router.group("api/v1").add(middleware: …)`), never decided
/// from path strings.
struct AccessPolicy: RouterMiddleware {
    typealias Context = AppRequestContext

    enum Rule: Sendable {
        /// Reads are open (unless the server listens beyond loopback); every write needs an admin token.
        case readOpenWriteAdmin
        /// Admin tokens only, reads included (webhook endpoints and delivery logs may carry credentials).
        case admin
        /// Any valid token, admin or agent (the agent work routes; they check that an agent touches only its own
        /// leases).
        case anyToken
    }

    let rule: Rule
    /// Whether reads need a token too (the server listens beyond loopback).
    let requireTokenForReads: Bool

    init(_ rule: Rule, requireTokenForReads: Bool) {
        self.rule = rule
        self.requireTokenForReads = requireTokenForReads
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let isRead = request.method == .get || request.method == .head
        let needsToken =
            switch rule {
            case .readOpenWriteAdmin: !isRead || requireTokenForReads
            case .admin, .anyToken: true
            }
        if needsToken, context.token == nil {
            throw APIError(
                .unauthorized, code: "unauthorized", message: "this call needs 'Authorization: Bearer <token>'")
        }
        let needsAdmin =
            switch rule {
            case .readOpenWriteAdmin: !isRead
            case .admin: true
            case .anyToken: false
            }
        if needsAdmin, context.token?.role != .admin {
            throw APIError(.forbidden, code: "forbidden", message: "this call needs an admin token")
        }
        return try await next(request, context)
    }
}
