import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Synchronization
import TurboCore

/// The coordinator's REST API as a remote worker and `turbocode work` use it: the operations generated from
/// `openapi.yaml` into `Generated/`, called with the caller's bearer token; every refusal of the API comes out as one
/// ``APIRefusal``.
package struct CoordinatorAPI: Sendable {
    /// The server, e.g. `http://127.0.0.1:7420` (the document's paths carry `/api/v1`).
    package let base: String
    let client: Client

    /// A client of the server at `base`; with `token`, every call carries it (without, only a server on loopback
    /// answers, and only reads).
    package init(base: String, token: String?, timeout: Duration = .seconds(60)) throws {
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw TurboError.invalidInput("not a server address: '\(base)' (expected http://host:port)")
        }
        self.base = base
        client = Client(
            serverURL: url, configuration: Configuration(dateTranscoder: LenientDateTranscoder()),
            transport: AsyncHTTPClientTransport(
                configuration: .init(
                    client: .shared, timeout: .milliseconds(max(1, Int64(timeout / .milliseconds(1)))))),
            middlewares: [BearerToken(token: token), Refusals(), AnswerRecorder.Middleware()])
    }

    /// Runs one call; a refusal comes out as ``APIRefusal``, an unreachable server as a ``TurboError`` that names
    /// it, an answer this client cannot read as one that says so.
    func call<T: Sendable>(_ operation: (Client) async throws -> T) async throws -> T {
        do {
            return try await operation(client)
        } catch let error as ClientError {
            if let refusal = error.underlyingError as? APIRefusal { throw refusal }
            if error.response == nil {
                throw TurboError.invalidInput(
                    "cannot reach \(base): \(error.underlyingError); is 'turbocode serve' running?")
            }
            throw TurboError.invalidInput(
                "the coordinator's answer to \(error.operationID) is not what this client understands: "
                    + "\(error.underlyingError)")
        }
    }
}

/// Keeps the body of a call's successful answer as the server sent it, for callers that print the API's own JSON
/// (the generated types drop the `null` fields the API promises when encoded again).
final class AnswerRecorder: Sendable {
    private let body = Mutex(Data())

    /// The recorder of the calls made in the current task, if any.
    @TaskLocal static var current: AnswerRecorder?

    /// The body recorded last.
    var recorded: Data { body.withLock { $0 } }

    /// Records answers below 300 when a recorder is set for the task.
    struct Middleware: ClientMiddleware {
        func intercept(
            _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
            next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
        ) async throws -> (HTTPResponse, HTTPBody?) {
            let (response, responseBody) = try await next(request, body, baseURL)
            guard let recorder = AnswerRecorder.current, response.status.code < 300, let responseBody else {
                return (response, responseBody)
            }
            let bytes = try await Data(collecting: responseBody, upTo: 64 << 20)
            recorder.body.withLock { $0 = bytes }
            return (response, HTTPBody(bytes))
        }
    }
}

extension CoordinatorAPI {
    /// Runs one call (as ``call(_:)``) and returns the body of its answer as the server sent it too.
    func recording<T: Sendable>(_ operation: (Client) async throws -> T) async throws -> (T, Data) {
        let recorder = AnswerRecorder()
        let value = try await AnswerRecorder.$current.withValue(recorder) { try await call(operation) }
        return (value, recorder.recorded)
    }
}

/// An error the API answered with: its HTTP status and the `code` and `message` of its body.
package struct APIRefusal: Error, CustomStringConvertible {
    /// The HTTP status code, 400 or more.
    package var status: Int
    /// The body's error code (`stale_lease`…), or `error` when the body is not the API's JSON.
    package var code: String
    /// The body's message, or the raw body when it is not the API's JSON.
    package var message: String

    /// `409 stale_lease: …`, as the CLI prints it.
    package var description: String { "\(status) \(code): \(message)" }
}

/// Sends `Authorization: Bearer …` when there is a token.
struct BearerToken: ClientMiddleware {
    let token: String?

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let token { request.headerFields[.authorization] = "Bearer \(token)" }
        return try await next(request, body, baseURL)
    }
}

/// Turns every answer of 400 or more into an ``APIRefusal`` read from the API's error body
/// (`{"error": {"code", "message"}}`), so that callers handle refusals in one place.
struct Refusals: ClientMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard response.status.code >= 400 else { return (response, responseBody) }
        var bytes = Data()
        if let responseBody { bytes = try await Data(collecting: responseBody, upTo: 1 << 20) }
        let detail = try? JSONDecoder().decode(ErrorBody.self, from: bytes).error
        throw APIRefusal(
            status: response.status.code, code: detail?.code ?? "error",
            message: detail?.message ?? String(decoding: bytes, as: UTF8.self))
    }

    private struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var code: String
            var message: String
        }

        var error: Detail
    }
}

/// RFC 3339 times with or without fractional seconds (the runtime's own transcoders take only one of the two).
struct LenientDateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String { date.formatted(.iso8601) }

    func decode(_ text: String) throws -> Date {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
