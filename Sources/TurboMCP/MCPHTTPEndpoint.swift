import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import MCP
import ServiceLifecycle
import TurboCore
public import TurboHTTP
import TurboServices

/// MCP over Streamable HTTP at `/mcp` (POST, GET for the server's SSE stream, DELETE to end a session).
///
/// One `MCP.Server` and one `StatefulHTTPServerTransport` per session, because an MCP server is initialized only once.
/// A session belongs to the token that opened it: every later request must present the same token. Origin and Host
/// are checked against loopback when the server listens on loopback (DNS-rebinding protection).
public actor MCPHTTPEndpoint {
    struct Session {
        let server: MCP.Server
        let transport: StatefulHTTPServerTransport
        let tokenID: UUID
        var lastSeen: ContinuousClock.Instant
    }

    private struct FixedSessionID: SessionIDGenerator {
        let id: String
        func generateSessionID() -> String { id }
    }

    let tools: TurboTools
    let version: String
    let loopbackOnly: Bool
    let idleTimeout: Duration
    /// Open sessions per token; opening one more closes that token's least recently used.
    let sessionsPerToken = 16
    let logger: Logger
    private var sessions: [String: Session] = [:]

    /// `version` is what sessions report in `initialize`; `loopbackOnly` turns on the Origin and Host checks; a
    /// session idle longer than `idleTimeout` is closed when the next request arrives.
    public init(
        tools: TurboTools, version: String, loopbackOnly: Bool, idleTimeout: Duration = .seconds(3600),
        logger: Logger
    ) {
        self.tools = tools
        self.version = version
        self.loopbackOnly = loopbackOnly
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    /// The number of open sessions.
    public var sessionCount: Int { sessions.count }

    /// Adds `POST|GET|DELETE /mcp` to the API router. The router's auth middleware has already checked the token.
    public nonisolated func register(on router: Router<AppRequestContext>) {
        router.post("mcp") { request, context in try await self.respond(request, context) }
        router.get("mcp") { request, context in try await self.respond(request, context) }
        router.delete("mcp") { request, context in try await self.respond(request, context) }
    }

    nonisolated func respond(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let token = context.token else {
            throw APIError(.unauthorized, code: "unauthorized", message: "/mcp needs 'Authorization: Bearer <token>'")
        }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        // HTTP/1's Host header travels as the :authority pseudo-header; the SDK's origin check reads "Host".
        var headers: [String: String] = request.head.authority.map { ["Host": $0] } ?? [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let answer = await handle(
            MCP.HTTPRequest(
                method: request.method.rawValue, headers: headers,
                body: body.readableBytes > 0 ? Data(body.readableBytesView) : nil, path: request.uri.path),
            token: token)
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        let status = HTTPResponse.Status(code: answer.statusCode)
        switch answer {
        case .stream(let events, _):
            return Response(
                status: status, headers: fields,
                body: ResponseBody { writer in
                    // An SSE stream can stay open for as long as the session (and a client cannot send its DELETE
                    // once the listener closes): end every session when the server shuts down, which ends the
                    // streams, or graceful shutdown would wait for them forever.
                    try await withGracefulShutdownHandler {
                        for try await chunk in events { try await writer.write(ByteBuffer(bytes: chunk)) }
                    } onGracefulShutdown: {
                        Task { await self.closeAll() }
                    }
                    try await writer.finish(nil)
                })
        default:
            return Response(
                status: status, headers: fields,
                body: answer.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody())
        }
    }

    func handle(_ request: MCP.HTTPRequest, token: APIToken) async -> MCP.HTTPResponse {
        await expireIdleSessions()
        if request.method == "POST", let body = request.body, let refusal = Self.precheck(body) { return refusal }
        if let id = request.header(HTTPHeaderName.sessionID), var session = sessions[id] {
            guard session.tokenID == token.id else {
                return .error(statusCode: 403, .invalidRequest("this session belongs to another token"))
            }
            session.lastSeen = .now
            sessions[id] = session
            let answer = await session.transport.handleRequest(request)
            if request.method == "DELETE", answer.statusCode == 200 {
                sessions[id] = nil
                await session.server.stop()
            }
            return answer
        }
        if request.header(HTTPHeaderName.sessionID) != nil {
            return .error(statusCode: 404, .invalidRequest("unknown or expired session; initialize again"))
        }
        guard request.method == "POST", Self.isInitialize(request.body) else {
            return .error(statusCode: 400, .invalidRequest("missing MCP-Session-Id: send initialize first"))
        }
        let id = UUID().uuidString
        let validators: [any HTTPRequestValidator] = [
            loopbackOnly ? OriginValidator.localhost() : OriginValidator.disabled,
            AcceptHeaderValidator(mode: .sseRequired), ContentTypeValidator(), ProtocolVersionValidator(),
            SessionValidator(),
        ]
        let transport = StatefulHTTPServerTransport(
            sessionIDGenerator: FixedSessionID(id: id),
            validationPipeline: StandardValidationPipeline(validators: validators), logger: logger)
        let server = await TurboMCPServer.make(tools: tools, caller: Caller(token: token), version: version)
        do {
            try await server.start(transport: transport)
        } catch {
            return .error(statusCode: 500, .internalError("cannot start an MCP session: \(error)"))
        }
        let answer = await transport.handleRequest(request)
        if answer.statusCode < 300 {
            let mine = sessions.filter { $0.value.tokenID == token.id }
            if mine.count >= sessionsPerToken, let oldest = mine.min(by: { $0.value.lastSeen < $1.value.lastSeen }) {
                sessions[oldest.key] = nil
                await oldest.value.server.stop()
            }
            sessions[id] = Session(server: server, transport: transport, tokenID: token.id, lastSeen: .now)
        } else {
            await server.stop()
        }
        return answer
    }

    /// Stops every session; for shutdown.
    public func closeAll() async {
        for session in sessions.values { await session.server.stop() }
        sessions.removeAll()
    }

    private func expireIdleSessions() async {
        let now = ContinuousClock.now
        for (id, session) in sessions where now - session.lastSeen > idleTimeout {
            sessions[id] = nil
            await session.server.stop()
        }
    }

    /// Whether a JSON-RPC body is (or, as a batch, contains) an `initialize` request.
    static func isInitialize(_ body: Data?) -> Bool {
        guard let body, let object = try? JSONSerialization.jsonObject(with: body) else { return false }
        if let message = object as? [String: Any] { return message["method"] as? String == "initialize" }
        if let batch = object as? [[String: Any]] { return batch.contains { $0["method"] as? String == "initialize" } }
        return false
    }

    /// JSON-RPC's own rules, checked before the SDK sees the message (it answered a bad `params` with -32603 and took
    /// a request whose `id` is an object for a notification, answering nothing): an `id` is a string, a number or
    /// null, else -32600 with a null id; MCP's `params` is an object, else -32602 with the request's id. Nil when
    /// the body passes (or is not JSON at all: the SDK answers that with its parse error).
    static func precheck(_ body: Data) -> MCP.HTTPResponse? {
        guard let parsed = try? JSONDecoder().decode(JSONValue.self, from: body) else { return nil }
        let messages: [JSONValue] = if case .array(let batch) = parsed { batch } else { [parsed] }
        for case .object(let message) in messages {
            let id = message["id"] ?? .null
            switch id {
            case .string, .number, .null: break
            case .bool, .array, .object:
                return .error(statusCode: 400, .invalidRequest("'id' must be a string, a number or null"))
            }
            if message["method"] != nil, let params = message["params"] {
                guard case .object = params else {
                    let answer: JSONValue = .object([
                        "jsonrpc": .string("2.0"), "id": id,
                        "error": .object([
                            "code": .number(-32602), "message": .string("Invalid params: 'params' must be an object"),
                        ]),
                    ])
                    guard let data = try? JSONEncoder().encode(answer) else { return nil }
                    return .data(data, headers: ["Content-Type": "application/json"])
                }
            }
        }
        return nil
    }
}
