import Foundation
public import Hummingbird
import Logging
public import TurboCore

/// An API failure as `{"error": {"code": "…", "message": "…"}}` with its status.
public struct APIError: HTTPResponseError, Sendable {
    /// The response's HTTP status.
    public var status: HTTPResponse.Status
    /// A stable, machine-readable error code, such as `not_found` or `stale_lease`.
    public var code: String
    /// A human-readable explanation for the caller.
    public var message: String
    /// Seconds until a retry may succeed (`Retry-After`), for 429.
    public var retryAfter: Int?

    /// An error with an explicit status and code; `retryAfter` sets the `Retry-After` header.
    public init(_ status: HTTPResponse.Status, code: String, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    /// The status and code of a domain failure.
    public init(_ error: TurboError) {
        let code: String =
            switch error {
            case .invalidTransition: "invalid_transition"
            case .dependencyCycle: "dependency_cycle"
            case .duplicateProjectKey, .duplicateDependency: "duplicate"
            case .projectNotFound, .issueNotFound, .dependencyNotFound, .noActiveWorkLog, .noWorktree, .webhookNotFound:
                "not_found"
            case .worktreeHasWork: "worktree_has_work"
            case .conflictingState: "conflicting_state"
            case .staleLease: "stale_lease"
            case .invalidIssueReference, .invalidProjectKey: "malformed_reference"
            default: error.kind.rawValue
            }
        let status: HTTPResponse.Status =
            switch error.kind {
            case _ where code == "malformed_reference": .badRequest
            case .notFound: .notFound
            case .conflict: .conflict
            case .invalid: .unprocessableContent
            case .storage: .internalServerError
            }
        self.init(status, code: code, message: error.description)
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
        }
        var error: Detail
    }

    /// `{"error": {"code": …, "message": …}}`.
    func body() throws -> Data { try JSONEncoder().encode(Body(error: .init(code: code, message: message))) }

    /// The JSON error body with this status, plus `Retry-After` when set.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try body()
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every failure into an ``APIError``: domain errors by kind, undecodable bodies as 400, Hummingbird's own
/// errors (404 route, 413 body) with their status. Unexpected errors are logged and become a generic 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as TurboError {
            if case .storage = error {
                context.logger.error("Storage failure", metadata: ["error": "\(error)"])
            }
            throw APIError(error)
        } catch is DecodingError {
            throw APIError(.badRequest, code: "malformed_body", message: "the request body is not the expected JSON")
        } catch let error as HTTPError {
            let message = error.body ?? error.status.reasonPhrase
            let code =
                switch error.status {
                case .contentTooLarge: "body_too_large"
                case .notFound: "not_found"
                case .badRequest: "malformed_request"
                default: "http_\(error.status.code)"
                }
            throw APIError(error.status, code: code, message: message)
        } catch let error as any HTTPResponseError {
            // Hummingbird's own failures, such as a body over the upload limit.
            let code = error.status == .contentTooLarge ? "body_too_large" : "http_\(error.status.code)"
            throw APIError(error.status, code: code, message: error.status.reasonPhrase)
        } catch {
            context.logger.error("Unexpected failure", metadata: ["error": "\(error)"])
            throw APIError(.internalServerError, code: "internal", message: "internal error")
        }
    }
}
