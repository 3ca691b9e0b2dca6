import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TurboCore

/// The dashboard's HTTP side in process: the files served are the ones under Dashboard/ (the generated
/// DashboardAssets.swift has not drifted), the security headers, sign-in and its cookie, and the CSRF guard.
@Suite(.timeLimit(.minutes(1)))
struct DashboardTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Dashboard")

    @Test func theServedFilesAreTheDashboardsSources() async throws {
        try await APITests.withApp { client, _ in
            for (path, file) in [
                ("/assets/common.js", "common.js"), ("/assets/inbox.js", "inbox.js"), ("/assets/board.js", "board.js"),
                ("/assets/app.css", "app.css"), ("/login", "login.html"),
            ] {
                let source = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    let served = String(buffer: response.body)
                    #expect(
                        served.trimmingCharacters(in: .newlines) == source.trimmingCharacters(in: .newlines),
                        "\(file) changed: run scripts/generate-dashboard.py")
                    let policy = response.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
                    #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "\(path)")
                    #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                }
            }
            try await client.execute(uri: "/assets/..%2Fopenapi.json", method: .get) { response in
                #expect(response.status == .notFound)
            }
            for page in ["/", "/board"] {
                try await client.execute(uri: page, method: .get) { response in
                    #expect(response.status == .seeOther && response.headers[.location] == "/login", "\(page)")
                }
            }
        }
    }

    @Test func signingInSetsAStrictCookieThatChangesNeedTheDashboardsHeaderFor() async throws {
        try await APITests.withApp { client, _ in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            try await client.execute(
                uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=tc_nope")
            ) { response in
                #expect(response.status == .unauthorized && response.headers[.setCookie] == nil)
                #expect(String(buffer: response.body).contains("Unknown or revoked token."))
            }
            try await client.execute(
                uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=\(APITests.agent)")
            ) { response in
                #expect(response.status == .forbidden && response.headers[.setCookie] == nil)
            }
            let signedIn = try await client.execute(
                uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=\(APITests.admin)"))
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/")
            let cookie = try #require(signedIn.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            let session = try #require(cookie.split(separator: ";").first.map(String.init))

            try await client.execute(uri: "/", method: .get, headers: [.cookie: session]) { response in
                #expect(response.status == .ok && String(buffer: response.body).contains("/assets/inbox.js"))
            }
            let create = ByteBuffer(string: #"{"title": "From the dashboard"}"#)
            try await client.execute(
                uri: "/api/v1/issues", method: .post, headers: [.cookie: session, .contentType: "application/json"],
                body: create
            ) { response in
                #expect(response.status == .forbidden, "a cookie alone does not change anything")
            }
            // The dashboard's own requests say so; no project exists, so the create is refused for that reason.
            try await client.execute(
                uri: "/api/v1/issues", method: .post,
                headers: [
                    .cookie: session, .contentType: "application/json",
                    HTTPField.Name("X-Requested-With")!: "turbocode-dashboard",
                ], body: create
            ) { response in
                #expect(response.status != .forbidden && response.status != .unauthorized, "\(response.status)")
            }
            try await client.execute(uri: "/logout", method: .post, headers: [.cookie: session]) { response in
                #expect(response.status == .seeOther && response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: session]) { response in
                #expect(response.status == .seeOther, "the session ended")
            }
        }
    }
}
