import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TurboCore
import TurboSQLite

@testable import TurboHTTP

/// Rate limits, metrics, request ids and the OpenAPI document.
@Suite(.timeLimit(.minutes(1)))
struct OperationsTests {
    @Test func aCallerOverItsBudgetGets429WithRetryAfterAndOthersAreUnaffected() async throws {
        try await APITests.withApp(rateLimit: RateLimit(requestsPerSecond: 0.001, burst: 2)) { client, _ in
            for _ in 0..<2 {
                let response = try await client.execute(uri: "/api/v1/projects", method: .get)
                #expect(response.status == .ok)
            }
            let limited = try await client.execute(uri: "/api/v1/projects", method: .get)
            #expect(limited.status == .tooManyRequests)
            #expect(try APITests.errorCode(limited) == "rate_limited")
            // One request per 1,000 s: the next one is that far away, in whole seconds, less the time since the
            // first request (in a loaded parallel run, tens of seconds; the suite's limit is a minute).
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect((940...1_000).contains(retryAfter))
            // A token has a budget of its own, and the probes are never limited.
            let withToken = try await client.execute(
                uri: "/api/v1/projects", method: .get, headers: [.authorization: "Bearer \(APITests.admin)"])
            #expect(withToken.status == .ok)
            for _ in 0..<3 {
                let health = try await client.execute(uri: "/healthz", method: .get)
                #expect(health.status == .ok)
            }
        }
    }

    @Test func metricsCountRequestsByRouteAndReportDomainGauges() async throws {
        try await APITests.withApp { client, store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("MET"), name: "Metrics"))
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "One", status: .ready))
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Two"))
            let read = try await client.execute(uri: "/api/v1/issues/MET-1", method: .get)
            #expect(read.status == .ok)
            let requestID = try #require(read.headers[.init("X-Request-Id")!])
            #expect(!requestID.isEmpty)
            let missing = try await client.execute(uri: "/api/v1/issues/MET-99", method: .get)
            #expect(missing.status == .notFound && missing.headers[.init("X-Request-Id")!] != requestID)

            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: metrics.body)
            let lines = Set(text.split(separator: "\n").map(String.init))
            #expect(
                lines.contains(
                    #"turbocode_http_requests_total{method="GET",route="/api/v1/issues/{issue}",status="200"} 1"#))
            #expect(
                lines.contains(
                    #"turbocode_http_requests_total{method="GET",route="/api/v1/issues/{issue}",status="404"} 1"#))
            #expect(text.contains("turbocode_http_request_duration_seconds_bucket{"))
            #expect(lines.contains(#"turbocode_issues{status="ready"} 1.0"#))
            #expect(lines.contains(#"turbocode_issues{status="open"} 1.0"#))
            #expect(lines.contains("turbocode_queue_depth 1.0"))
            #expect(lines.contains("turbocode_live_leases 0.0"))
            #expect(lines.contains("turbocode_open_conflicts 0.0"))
            #expect(lines.contains(#"turbocode_agents{status="working"} 0.0"#))
        }
    }

    /// A claim's answer, written directly, is the document `JSONEncoder` (as the server's context configures it)
    /// makes of it.
    @Test func aClaimsAnswerIsWrittenAsTheEncoderWritesIt() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let issue = Issue(
            id: UUID(), projectID: UUID(), key: IssueKey(project: try ProjectKey("SHOP"), number: 12),
            title: "Payment \"API\"", description: "line\nnext\té", type: .feature, priority: .high,
            status: .inProgress, capabilities: ["web"], paths: ["src/**"], createdBy: "ann", assignedTo: "worker-1",
            workRank: nil, closedReason: nil, createdAt: Date(timeIntervalSince1970: 1_765_000_000),
            updatedAt: Date(timeIntervalSince1970: 1_765_000_100), closedAt: nil,
            blockedBy: [IssueKey(project: try ProjectKey("SHOP"), number: 3)], blocks: [])
        let document = ClaimedDocument(
            issue: IssueDocument(issue), epoch: 4, worktree: "gpu-box:/w/SHOP-12", branch: "SHOP-12/payment-api",
            baseBranch: "main")
        var bytes: [UInt8] = []
        #expect(document.writeJSON(to: &bytes))
        let ours = try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: try encoder.encode(document)) as? NSDictionary
        #expect(ours != nil && ours == theirs, "\(String(decoding: bytes, as: UTF8.self))")
    }

    @Test func aPlainGetOnTheWebSocketPathIsTold426() async throws {
        try await APITests.withApp { client, _ in
            let response = try await client.execute(uri: "/api/v1/events/ws", method: .get)
            #expect(response.status == .upgradeRequired)
            #expect(try APITests.errorCode(response) == "upgrade_required")
        }
    }

    /// Every route of both routers appears in the OpenAPI document with its method, and the document names no
    /// route that does not exist.
    @Test func theOpenAPIDocumentDescribesEveryRoute() async throws {
        let store = try SQLiteStore.inMemory()
        let configuration = try await APITests.configuration(store: store)
        let routes =
            buildRouter(configuration).routes.map { ($0.method.rawValue, $0.path.description) }
            + buildWebSocketRouter(configuration).routes.map { ($0.method.rawValue, $0.path.description) }
        // The dashboard's pages are for browsers, not API operations (docs/dashboard.md).
        let pages: Set = [
            "GET /", "GET /board", "GET /queue", "GET /merge", "GET /timeline", "GET /issues/{key}", "GET /stats",
            "GET /review", "GET /review/{key}", "GET /fleet", "GET /assets/{file}", "GET /login", "POST /login",
            "POST /logout",
        ]
        let all = Set(routes.map { "\($0.0) \(Self.openAPIPath($0.1))" })
        #expect(pages.isSubset(of: all))
        let registered = all.subtracting(pages)
        #expect(registered.count >= 28)

        let app = Application(router: buildRouter(configuration))
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var described = Set<String>()
            for (path, item) in paths {
                for method in item.keys where ["get", "post", "put", "patch", "delete", "head"].contains(method) {
                    described.insert("\(method.uppercased()) \(path)")
                }
            }
            #expect(registered.subtracting(described).sorted() == [], "routes missing from the OpenAPI document")
            #expect(described.subtracting(registered).sorted() == [], "documented routes that do not exist")
        }
    }

    /// The code generated from `openapi.yaml` (the served document and the typed client) is what
    /// `scripts/generate-openapi.sh` made from the current `openapi.yaml` and config: their SHA-256 match the
    /// manifest the script wrote, so an edit of the spec without regenerating, or a hand edit of generated code, fails.
    @Test func theGeneratedCodeIsCurrentWithOpenAPIYaml() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let manifest = try String(
            contentsOf: root.appendingPathComponent("Sources/TurboAPI/Generated/checksums.txt"), encoding: .utf8)
        let entries = manifest.split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
            $0.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let files = Set(entries.map { $0[1] })
        #expect(files.isSuperset(of: ["openapi.yaml", "Sources/TurboHTTP/OpenAPIDocument.swift"]))
        let generated = try FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("Sources/TurboAPI/Generated").path
        ).filter { $0.hasSuffix(".swift") }.map { "Sources/TurboAPI/Generated/\($0)" }
        #expect(Set(generated).subtracting(files).sorted() == [], "generated files the manifest does not know")
        for entry in entries {
            let data = try Data(contentsOf: root.appendingPathComponent(entry[1]))
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            #expect(digest == entry[0], "\(entry[1]) changed since scripts/generate-openapi.sh ran; run it again")
        }
    }

    /// The document's enums are the domain's: statuses, types, priorities, closing reasons, work outcomes and event
    /// types are defined once in Swift, and `openapi.yaml` lists the same values.
    @Test func theDocumentsEnumsAreTheDomainsEnums() throws {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPI.json.utf8)) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func values(_ name: String) -> [String] {
            ((schemas[name] as? [String: Any])?["enum"] as? [Any] ?? []).compactMap { $0 as? String }
        }
        #expect(values("IssueStatus") == IssueStatus.allCases.map(\.rawValue))
        #expect(values("IssueType") == IssueType.allCases.map(\.rawValue))
        #expect(values("IssuePriority") == IssuePriority.allCases.map(\.rawValue))
        #expect(values("ClosedReason") == ClosedReason.allCases.map(\.rawValue))
        #expect(values("WorkOutcome") == WorkOutcome.allCases.map(\.rawValue))
        #expect(values("EventType") == EventType.allCases.map(\.rawValue))
    }

    /// `/api/v1/issues/:issue` → `/api/v1/issues/{issue}`.
    static func openAPIPath(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}

/// The routes the round-trip test does not reach: one project by key, reopening, and work logs.
@Suite(.timeLimit(.minutes(1)))
struct RemainingRouteTests {
    @Test func projectByKeyReopenAndWorkLogs() async throws {
        try await APITests.withApp { client, store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("WL"), name: "Work logs"))
            let issue = try await store.createIssue(NewIssue(project: .id(project.id), title: "Logged", status: .ready))
            _ = try await store.startWorkLog(
                on: .id(issue.id),
                NewWorkLog(startedBy: "ai:backend-1", worktreePath: "/tmp/wl-1", branchName: "WL-1/x"))

            let byKey = try await client.execute(uri: "/api/v1/projects/wl", method: .get)
            let byID = try await client.execute(uri: "/api/v1/projects/\(project.id.uuidString)", method: .get)
            let document = try #require(try APITests.decode(byKey) as? [String: Any])
            #expect(byKey.status == .ok && document["key"] as? String == "WL" && byID.status == .ok)

            let logs = try await client.execute(uri: "/api/v1/issues/WL-1/work-logs", method: .get)
            let list = try #require(try APITests.decode(logs) as? [[String: Any]])
            #expect(list.map { $0["started_by"] as? String } == ["ai:backend-1"])
            #expect(list.first?["is_active"] as? Bool == true && list.first?["branch_name"] as? String == "WL-1/x")
            let active = try await client.execute(uri: "/api/v1/work-logs?active=true", method: .get)
            #expect((try APITests.decode(active) as? [[String: Any]])?.count == 1)
            let everything = try await client.execute(uri: "/api/v1/work-logs", method: .get)
            #expect(everything.status == .badRequest)

            let closed = try await client.execute(
                uri: "/api/v1/issues/WL-1/close", method: .post, headers: APITests.adminHeaders,
                body: try APITests.json(["reason": "wont_fix"]))
            #expect((try APITests.decode(closed) as? [String: Any])?["closed_reason"] as? String == "wont_fix")
            let reopened = try await client.execute(
                uri: "/api/v1/issues/WL-1/reopen", method: .post, headers: APITests.adminHeaders)
            let reopenedIssue = try #require(try APITests.decode(reopened) as? [String: Any])
            #expect(reopened.status == .ok && reopenedIssue["status"] as? String == "open")
        }
    }

    /// An issue's own events, newest last; every live lease with its heartbeat; and under a server without a pool,
    /// a run and a fleet that say nothing is watched.
    @Test func eventsAboutAnIssueLeasesAndNoPool() async throws {
        try await APITests.withApp { client, store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("EV"), name: "Events"))
            for title in ["One", "Two"] {
                _ = try await store.createIssue(NewIssue(project: .id(project.id), title: title, status: .ready))
            }
            _ = try await store.acquireLease(on: try IssueRef(parsing: "EV-2"), agent: "bot", ttl: .seconds(60))
            let about = try await client.execute(uri: "/api/v1/events?subject=EV-2&last=2", method: .get)
            let events = try #require(try APITests.decode(about) as? [[String: Any]])
            #expect(events.map { $0["type"] as? String } == ["issue.assigned", "lease.acquired"])
            #expect(events.allSatisfy { $0["subject"] as? String == "EV-2" })
            let mixed = try await client.execute(uri: "/api/v1/events?subject=EV-2&after=1", method: .get)
            #expect(mixed.status == .badRequest)

            let leases = try #require(
                try APITests.decode(try await client.execute(uri: "/api/v1/leases", method: .get)) as? [[String: Any]])
            #expect(leases.map { $0["issue"] as? String } == ["EV-2"] && leases.first?["agent"] as? String == "bot")
            #expect(leases.first?["heartbeat_at"] is String)

            let run = try #require(
                try APITests.decode(try await client.execute(uri: "/api/v1/issues/EV-2/run?wait=1", method: .get))
                    as? [String: Any])
            #expect(run["watched"] as? Bool == false && run["live"] as? Bool == false)
            #expect((run["entries"] as? [Any])?.isEmpty == true)
            let missing = try await client.execute(uri: "/api/v1/issues/EV-9/run", method: .get)
            #expect(missing.status == .notFound)
            let fleet = try #require(
                try APITests.decode(try await client.execute(uri: "/api/v1/fleet", method: .get)) as? [String: Any])
            #expect(fleet["pool"] as? Bool == false && (fleet["agents"] as? [Any])?.isEmpty == true)
        }
    }
}
