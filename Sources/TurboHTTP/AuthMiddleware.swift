import Hummingbird
import TurboCore

/// Bearer-token authentication: every mutating call needs an admin token; on a non-loopback address every call
/// does. `/mcp` takes any valid token, admin or agent. An unknown or revoked token is 401 even on an open route.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    /// Looks a presented secret up; nil when unknown.
    let authenticate: @Sendable (String) async throws -> APIToken?
    /// Whether reads need a token too (the server listens beyond loopback).
    let requireTokenForReads: Bool

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
        }
        // The router ignores empty segments ("/mcp/", "//mcp"), so compare the normalized path.
        if request.uri.path.split(separator: "/") == ["mcp"] {
            // MCP: any valid token (agents use theirs); the tools decide what the caller may do.
            guard context.token != nil else {
                throw APIError(
                    .unauthorized, code: "unauthorized", message: "/mcp needs 'Authorization: Bearer <token>'")
            }
            return try await next(request, context)
        }
        let isRead = request.method == .get || request.method == .head
        // Webhook subscriptions and their delivery logs are admin business even to read: endpoint URLs often carry
        // credentials, and logged response bodies may too.
        let segments = request.uri.path.split(separator: "/")
        let adminOnly =
            segments.count >= 3 && segments[0] == "api" && segments[1] == "v1"
            && ["webhooks", "deliveries"].contains(segments[2])
        if context.token == nil, !isRead || requireTokenForReads || adminOnly {
            throw APIError(
                .unauthorized, code: "unauthorized", message: "this call needs 'Authorization: Bearer <token>'")
        }
        // The agent work routes take agent tokens; the routes check that an agent touches only its own leases.
        let agentWork =
            request.method == .post && segments.count >= 4 && segments[0] == "api" && segments[1] == "v1"
            && ((segments.count == 4 && segments[2] == "queue" && segments[3] == "claim")
                || (segments.count == 5 && segments[2] == "issues"
                    && ["heartbeat", "submit", "release", "blocked"].contains(segments[4])))
        if agentWork, context.token != nil { return try await next(request, context) }
        if !isRead || adminOnly, context.token?.role != .admin {
            throw APIError(.forbidden, code: "forbidden", message: "this call needs an admin token")
        }
        return try await next(request, context)
    }
}
