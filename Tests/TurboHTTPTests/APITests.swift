import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TurboCore
import TurboHTTP
import TurboSQLite

/// The REST API over HummingbirdTesting's in-process router: routes, statuses, error bodies and auth.
@Suite(.timeLimit(.minutes(1)))
struct APITests {
    static let admin = "tc_admin_test-secret"
    static let agent = "tc_agent_test-secret"

    /// The API's configuration on `store` with one admin and one agent token (secrets ``admin`` and ``agent``).
    static func configuration(
        store: any TurboStore, requireTokenForReads: Bool = false, rateLimit: RateLimit? = nil,
        feed: EventFeed? = nil
    ) async throws -> APIConfiguration {
        let adminToken = try await store.createToken(
            role: .admin, agentID: nil, name: "t", hash: "a", prefix: "tc_admin_tes")
        let agentToken = try await store.createToken(
            role: .agent, agentID: "backend-1", name: nil, hash: "b", prefix: "tc_agent_tes")
        return APIConfiguration(
            store: store,
            authenticate: { secret in secret == admin ? adminToken : secret == agent ? agentToken : nil },
            requireTokenForReads: requireTokenForReads, feed: feed, rateLimit: rateLimit)
    }

    /// An app on a fresh in-memory store, tested in process.
    static func withApp(
        requireTokenForReads: Bool = false, rateLimit: RateLimit? = nil,
        _ body: @Sendable (any TestClientProtocol, any TurboStore) async throws -> Void
    ) async throws {
        let store = try SQLiteStore.inMemory()
        let configuration = try await configuration(
            store: store, requireTokenForReads: requireTokenForReads, rateLimit: rateLimit)
        let app = Application(router: buildRouter(configuration))
        try await app.test(.router) { client in try await body(client, store) }
    }

    static func json(_ object: Any) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    static func decode(_ response: TestResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView), options: [.fragmentsAllowed])
    }

    static func errorCode(_ response: TestResponse) throws -> String? {
        ((try decode(response) as? [String: Any])?["error"] as? [String: Any])?["code"] as? String
    }

    static var adminHeaders: HTTPFields { [.authorization: "Bearer \(admin)", .contentType: "application/json"] }

    @Test func projectsAndIssuesRoundTrip() async throws {
        try await Self.withApp { client, _ in
            try await client.execute(
                uri: "/api/v1/projects", method: .post, headers: Self.adminHeaders,
                body: try Self.json(["key": "shop", "name": "Web shop"])
            ) { response in
                #expect(response.status == .created)
                #expect(response.headers[.location] == "/api/v1/projects/SHOP")
            }
            let created = try await client.execute(
                uri: "/api/v1/issues", method: .post, headers: Self.adminHeaders,
                body: try Self.json([
                    "title": "Checkout", "priority": "high", "status": "ready", "capabilities": ["web"],
                ]))
            #expect(created.status == .created && created.headers[.location] == "/api/v1/issues/SHOP-1")
            let issue = try #require(try Self.decode(created) as? [String: Any])
            #expect(issue["key"] as? String == "SHOP-1" && issue["created_by"] as? String == "user:t")
            for field in ["id", "number", "project", "blocked_by", "blocks", "assigned_to", "work_rank", "updated_at"] {
                #expect(issue.keys.contains(field), "\(field)")
            }
            _ = try await client.execute(
                uri: "/api/v1/issues", method: .post, headers: Self.adminHeaders,
                body: try Self.json(["project": "SHOP", "title": "Receipts", "blocked_by": ["shop-1"]]))

            try await client.execute(uri: "/api/v1/issues?status=ready&limit=1", method: .get) { response in
                let page = try #require(try Self.decode(response) as? [String: Any])
                #expect(page["total"] as? Int == 1 && (page["items"] as? [Any])?.count == 1)
            }
            try await client.execute(uri: "/api/v1/issues?limit=1&offset=1", method: .get) { response in
                let page = try #require(try Self.decode(response) as? [String: Any])
                #expect(page["total"] as? Int == 2)
                #expect(((page["items"] as? [[String: Any]])?.first?["key"] as? String) == "SHOP-2")
            }
            try await client.execute(
                uri: "/api/v1/issues/shop-2", method: .patch, headers: Self.adminHeaders,
                body: try Self.json(["priority": "critical", "work_rank": 2])
            ) { response in
                let patched = try #require(try Self.decode(response) as? [String: Any])
                #expect(patched["priority"] as? String == "critical" && patched["work_rank"] as? Int == 2)
            }
            try await client.execute(uri: "/api/v1/issues/SHOP-2/ready", method: .post, headers: Self.adminHeaders) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/v1/queue", method: .get) { response in
                let queue = try #require(try Self.decode(response) as? [[String: Any]])
                #expect(queue.map { $0["key"] as? String } == ["SHOP-1", "SHOP-2"])
                #expect(queue.map { $0["eligible"] as? Bool } == [true, false])
                #expect(response.headers[.init("X-Total-Count")!] == "2")
            }
            try await client.execute(uri: "/api/v1/queue?limit=1", method: .get) { response in
                let queue = try #require(try Self.decode(response) as? [[String: Any]])
                #expect(queue.map { $0["key"] as? String } == ["SHOP-1"])
                #expect(response.headers[.init("X-Total-Count")!] == "2")
            }
            try await client.execute(
                uri: "/api/v1/issues/SHOP-2/comments", method: .post, headers: Self.adminHeaders,
                body: try Self.json(["content": "waiting on checkout", "author_name": "ai:backend-1"])
            ) { #expect($0.status == .created) }
            try await client.execute(uri: "/api/v1/issues/SHOP-2/comments", method: .get) { response in
                let comments = try #require(try Self.decode(response) as? [[String: Any]])
                #expect(comments.first?["author"] as? String == "ai:backend-1")
            }
            try await client.execute(uri: "/api/v1/issues/SHOP-2/dependencies", method: .get) { response in
                let deps = try #require(try Self.decode(response) as? [String: Any])
                #expect(((deps["chain"] as? [[String: Any]])?.map { $0["key"] as? String }) == ["SHOP-1", "SHOP-2"])
            }
            try await client.execute(
                uri: "/api/v1/issues/SHOP-2/dependencies/SHOP-1", method: .delete, headers: Self.adminHeaders
            ) { #expect($0.status == .noContent) }
            try await client.execute(
                uri: "/api/v1/issues/SHOP-1/close", method: .post, headers: Self.adminHeaders,
                body: try Self.json(["reason": "wont_fix"])
            ) { response in
                let closed = try Self.decode(response) as? [String: Any]
                #expect(closed?["status"] as? String == "closed")
            }
            try await client.execute(uri: "/api/v1/events?after=0&limit=3", method: .get) { response in
                let events = try #require(try Self.decode(response) as? [[String: Any]])
                #expect(events.map { $0["type"] as? String } == ["token.created", "token.created", "project.created"])
                #expect(events.allSatisfy { $0["id"] != nil && $0["payload"] != nil && $0["created_at"] != nil })
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/issues/SHOP-2", method: .delete, headers: Self.adminHeaders) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/issues/SHOP-2", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func theAttentionInboxAnswersWhatNeedsAPerson() async throws {
        try await Self.withApp { client, store in
            try await client.execute(uri: "/api/v1/attention", method: .get) { response in
                #expect(response.status == .ok)
                let body = try Self.decode(response) as? [String: Any]
                #expect((body?["items"] as? [Any])?.isEmpty == true && body?["broken"] as? Int == 0)
            }
            _ = try await store.appendEvent(
                .driverPaused(
                    "claude", until: Date().addingTimeInterval(600), kind: "rate_limited", reason: "usage limit"))
            try await client.execute(uri: "/api/v1/attention", method: .get) { response in
                let body = try Self.decode(response) as? [String: Any]
                let item = (body?["items"] as? [[String: Any]])?.first
                #expect(body?["broken"] as? Int == 1 && body?["decisions"] as? Int == 0)
                #expect(item?["kind"] as? String == "driver_paused" && item?["subject"] as? String == "claude")
                #expect(item?["until"] is String && item?["message"] as? String == "rate_limited: usage limit")
            }
            try await client.execute(uri: "/api/v1/attention?project=NOPE", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func errorsHaveTheirStatusAndCodeAndChangeNothing() async throws {
        try await Self.withApp { client, store in
            _ = try await store.createProject(NewProject(key: try ProjectKey("AB"), name: "ab"))
            _ = try await store.createIssue(NewIssue(project: .key(try ProjectKey("AB")), title: "one"))
            _ = try await store.createIssue(
                NewIssue(project: .key(try ProjectKey("AB")), title: "busy", status: .ready))
            _ = try await store.transition(try IssueRef(parsing: "AB-2"), to: .assigned, reason: nil, actor: nil)
            let before = try await store.events(after: 0, limit: 1_000).count
            let cases: [(String, HTTPRequest.Method, [String: Any]?, HTTPResponse.Status, String)] = [
                ("/api/v1/issues/AB-99", .get, nil, .notFound, "not_found"),
                ("/api/v1/issues/not-a-key", .get, nil, .badRequest, "malformed_reference"),
                ("/api/v1/issues/AB-1/close", .post, ["reason": "because"], .unprocessableContent, "invalid"),
                ("/api/v1/issues/AB-1/reopen", .post, nil, .conflict, "invalid_transition"),
                ("/api/v1/issues/AB-1/dependencies", .post, ["blocker": "AB-1"], .unprocessableContent, "invalid"),
                ("/api/v1/projects", .post, ["key": "AB"], .conflict, "duplicate"),
                ("/api/v1/projects", .post, ["key": "1x"], .badRequest, "malformed_reference"),
                ("/api/v1/issues", .post, ["title": ""], .unprocessableContent, "invalid"),
                ("/api/v1/issues", .post, ["titel": "typo"], .badRequest, "malformed_request"),
                ("/api/v1/issues?limit=0", .get, nil, .badRequest, "malformed_request"),
                ("/api/v1/nothing-here", .get, nil, .notFound, "not_found"),
                ("/api/v1/issues/AB-2", .delete, nil, .conflict, "conflicting_state"),
            ]
            for (uri, method, body, status, code) in cases {
                try await client.execute(
                    uri: uri, method: method, headers: Self.adminHeaders, body: try body.map(Self.json) ?? ByteBuffer()
                ) { response in
                    #expect(response.status == status, "\(method) \(uri)")
                    let actual = try Self.errorCode(response)
                    #expect(actual == code, "\(method) \(uri)")
                }
            }
            let huge = ByteBuffer(bytes: Array(repeating: UInt8(ascii: "x"), count: 2 << 20))
            try await client.execute(uri: "/api/v1/issues", method: .post, headers: Self.adminHeaders, body: huge) {
                #expect($0.status == .contentTooLarge)
            }
            #expect(try await store.events(after: 0, limit: 1_000).count == before)
            #expect(try await store.countIssues(IssueFilter()) == 2)
        }
    }

    @Test func mutatingCallsNeedAnAdminToken() async throws {
        try await Self.withApp { client, store in
            let body = try Self.json(["key": "ZZ"])
            try await client.execute(uri: "/api/v1/projects", method: .post, body: body) { response in
                let code = try Self.errorCode(response)
                #expect(response.status == .unauthorized && code == "unauthorized")
            }
            try await client.execute(
                uri: "/api/v1/projects", method: .post, headers: [.authorization: "Bearer \(Self.agent)"], body: body
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/api/v1/projects", method: .get, headers: [.authorization: "Bearer tc_admin_revoked"]
            ) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/projects", method: .get) { #expect($0.status == .ok) }
            #expect(try await store.projects().isEmpty)
        }
        try await Self.withApp(requireTokenForReads: true) { client, _ in
            try await client.execute(uri: "/api/v1/projects", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(
                uri: "/api/v1/projects", method: .get, headers: [.authorization: "Bearer \(Self.agent)"]
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }
}
