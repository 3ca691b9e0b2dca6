import Foundation
import HTTPTypes
import Hummingbird
import TurboCore

/// One of the dashboard's files.
struct DashboardAsset: Sendable {
    /// Its `Content-Type`.
    let contentType: String
    /// Its text.
    let text: String
}

/// The dashboard's signed-in browsers: a random session id (the `turbocode_session` cookie, HttpOnly and
/// SameSite=Strict) for an admin token. The secret stays in the server's memory and every request authenticates it
/// again, so a revoked token signs its sessions out at once. Sessions end after 12 hours, at sign-out, or when the
/// server stops.
public actor DashboardSessions {
    /// The cookie's name.
    static let cookie = "turbocode_session"
    /// How long a session lasts.
    static let lifetime: TimeInterval = 12 * 3_600
    /// At most this many sessions; the oldest goes first.
    static let capacity = 1_000

    private var sessions: [String: (secret: String, expires: Date)] = [:]

    /// No sessions.
    public init() {}

    /// A new session for `secret`; returns its id.
    func create(secret: String, now: Date = Date()) -> String {
        sessions = sessions.filter { $0.value.expires > now }
        if sessions.count >= Self.capacity, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires }) {
            sessions[oldest.key] = nil
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let id = bytes.map { String(format: "%02x", $0) }.joined()
        sessions[id] = (secret, now.addingTimeInterval(Self.lifetime))
        return id
    }

    /// The token secret of a live session.
    func secret(of id: String, now: Date = Date()) -> String? {
        guard let session = sessions[id], session.expires > now else { return nil }
        return session.secret
    }

    /// Ends a session.
    func remove(_ id: String) { sessions[id] = nil }
}

/// The dashboard at `/`: the sign-in page, the inbox, the board, the queue, the merge queue, the timeline, an issue's
/// page, the metrics, and their assets, served from the binary. Every page carries a
/// strict Content-Security-Policy (no inline script, nothing from elsewhere) and asks not to be framed.
struct DashboardRoutes: Sendable {
    let configuration: APIConfiguration

    /// The headers every dashboard response carries.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        .contentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
        .frameOptions: "DENY",
        .cacheControl: "no-store",
    ]

    func register(on router: Router<AppRequestContext>) {
        let sessions = configuration.sessions
        // Each view its own address, so the back button and a shared link work.
        for (path, file) in [
            ("/", "index.html"), ("board", "board.html"), ("queue", "queue.html"), ("timeline", "timeline.html"),
            ("issues/:key", "issue.html"), ("stats", "stats.html"), ("merge", "merge.html"),
            ("review", "review.html"), ("review/:key", "review.html"), ("fleet", "fleet.html"),
        ] {
            router.get(RouterPath(path)) { request, _ -> Response in
                guard try await signedIn(request) else { return Self.redirect("/login") }
                return Self.page(file)
            }
        }
        router.get("login") { request, _ -> Response in
            if try await signedIn(request) { return Self.redirect("/") }
            return Self.page("login.html")
        }
        router.post("login") { request, context -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 16_384)
            let form = String(decoding: body.readableBytesView, as: UTF8.self)
            let secret = Self.formValue("token", in: form)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !secret.isEmpty, let token = try await configuration.authenticate(secret) else {
                return Self.page("login.html", status: .unauthorized, error: "Unknown or revoked token.")
            }
            guard token.role == .admin else {
                return Self.page(
                    "login.html", status: .forbidden, error: "Agent tokens cannot sign in; use an admin token.")
            }
            let id = await sessions.create(secret: secret)
            var response = Self.redirect("/")
            response.setCookie(
                Cookie(
                    name: DashboardSessions.cookie, value: id, maxAge: Int(DashboardSessions.lifetime), path: "/",
                    httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("logout") { request, _ -> Response in
            if let id = request.cookies[DashboardSessions.cookie]?.value { await sessions.remove(id) }
            var response = Self.redirect("/login")
            response.setCookie(
                Cookie(
                    name: DashboardSessions.cookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("assets/:file") { _, context -> Response in
            let name = try context.parameters.require("file")
            guard name.hasSuffix(".js") || name.hasSuffix(".css"), DashboardAssets.files[name] != nil else {
                throw APIError(.notFound, code: "not_found", message: "no dashboard file \(name)")
            }
            return Self.page(name)
        }
    }

    /// Whether the request carries a live session of a token that still authenticates as an admin.
    private func signedIn(_ request: Request) async throws -> Bool {
        guard let id = request.cookies[DashboardSessions.cookie]?.value,
            let secret = await configuration.sessions.secret(of: id)
        else { return false }
        return try await configuration.authenticate(secret)?.role == .admin
    }

    static func page(_ name: String, status: HTTPResponse.Status = .ok, error: String? = nil) -> Response {
        guard let asset = DashboardAssets.files[name] else { return Response(status: .notFound) }
        var text = asset.text
        if let error {
            text = text.replacingOccurrences(of: "<!--error-->", with: "<p class=\"error\">\(escape(error))</p>")
        }
        var headers = securityHeaders
        headers[.contentType] = asset.contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// `&`, `<`, `>`, `"` and `'` as entities.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A field of an `application/x-www-form-urlencoded` body.
    static func formValue(_ name: String, in form: String) -> String? {
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
