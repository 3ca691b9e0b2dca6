import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import Testing
import TurboCore
import TurboHTTP
import TurboSQL
import TurboSQLite

/// The event WebSocket over a real socket: replay, live events (also from another store handle on the same file),
/// reconnection without gaps or repeats, slow clients, authentication.
@Suite(.timeLimit(.minutes(1)))
struct EventSocketTests {
    /// One message as the client decoded it.
    struct ReceivedEvent: Sendable {
        var id: Int64
        var type: String?
        var subject: String?
        var title: String?
        var createdAt: String?
    }

    /// What a client received.
    actor Received {
        var events: [ReceivedEvent] = []
        var ids: [Int64] { events.map(\.id) }

        func append(_ text: String) throws -> Int64 {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let event = ReceivedEvent(
                id: try #require((object["id"] as? NSNumber)?.int64Value), type: object["type"] as? String,
                subject: object["subject"] as? String,
                title: (object["payload"] as? [String: Any])?["title"] as? String,
                createdAt: object["created_at"] as? String)
            events.append(event)
            return event.id
        }
    }

    /// A live server on a SQLite file in a fresh directory, with the feed it runs.
    static func withLiveServer(
        pollInterval: Duration = .milliseconds(20), capacity: Int = 4096, requireTokenForReads: Bool = false,
        _ body: @Sendable (any TestClientProtocol, SQLiteStore, String, EventFeed) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-ws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("turbocode.db").path
        let store = try SQLiteStore(path: path)
        let feed = EventFeed(store: store, pollInterval: pollInterval, capacity: capacity)
        let configuration = try await APITests.configuration(
            store: store, requireTokenForReads: requireTokenForReads, feed: feed)
        let app = buildApplication(
            configuration, address: .hostname("127.0.0.1", port: 0), logger: Logger(label: "test"))
        try await app.test(.live) { client in try await body(client, store, path, feed) }
        try await store.close()
    }

    static func project(_ store: any TurboStore) async throws -> ProjectRef {
        if let existing = try await store.projects().first { return .id(existing.id) }
        return .id(try await store.createProject(NewProject(key: try ProjectKey("WS"), name: "Sockets")).id)
    }

    @Test func replaysThenStreamsEventsFromAnotherProcessAndResumesWithoutGapsOrRepeats() async throws {
        try await Self.withLiveServer { client, store, path, _ in
            let project = try await Self.project(store)
            for title in ["One", "Two"] { _ = try await store.createIssue(NewIssue(project: project, title: title)) }
            let before = try await store.latestEventID()
            #expect(before >= 3)
            // A second handle on the same file, as the CLI in another process would open.
            let other = try SQLiteStore(path: path)
            let first = Received()
            let close = try await client.ws("/api/v1/events/ws?after=0") { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    let id = try await first.append(text)
                    if id == before {
                        // Replay done: this one can only arrive live, by tailing the log.
                        _ = try await other.createIssue(NewIssue(project: project, title: "From the CLI"))
                    }
                    if id == before + 1 { break }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(close?.closeCode == .normalClosure)
            #expect(await first.ids == Array(1...(before + 1)))
            let live = try #require(await first.events.last)
            #expect(live.type == "issue.created" && live.subject == "WS-3" && live.title == "From the CLI")
            #expect(live.createdAt?.hasSuffix("Z") == true)

            // Written while nobody listens; the reconnecting client gets exactly these.
            _ = try await other.createIssue(NewIssue(project: project, title: "Missed one"))
            _ = try await other.createIssue(NewIssue(project: project, title: "Missed two"))
            let expected = try await store.latestEventID()
            let second = Received()
            _ = try await client.ws("/api/v1/events/ws?after=\(before + 1)") { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    if try await second.append(text) == expected { break }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(await second.ids == Array((before + 2)...expected))
            try await other.close()
        }
    }

    @Test func withoutAfterOnlyNewEventsArrive() async throws {
        try await Self.withLiveServer { client, store, _, feed in
            let project = try await Self.project(store)
            _ = try await store.createIssue(NewIssue(project: project, title: "Old"))
            let received = Received()
            _ = try await client.ws("/api/v1/events/ws") { inbound, outbound, _ in
                while await feed.subscriberCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
                let issue = try await store.createIssue(NewIssue(project: project, title: "New"))
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    _ = try await received.append(text)
                    if await received.events.last?.subject == issue.key.description { break }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(await received.events.map(\.subject) == ["WS-2"])
        }
    }

    @Test func aClientThatFallsBehindIsClosedWith1013() async throws {
        // The feed looks only when told to, so the burst below reaches the subscriber in one go: 200 events handed
        // over in microseconds, against a buffer of 2 and a consumer that writes each to a socket.
        try await Self.withLiveServer(pollInterval: .seconds(3600), capacity: 2) { client, store, _, feed in
            let project = try await Self.project(store)
            let received = Received()
            let close = try await client.ws("/api/v1/events/ws") { inbound, _, _ in
                while await feed.subscriberCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
                for index in 1...200 {
                    _ = try await store.createIssue(NewIssue(project: project, title: "B\(index)"))
                }
                try await feed.poll()
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    // Had it kept up with all of them (it cannot), fail on the close code rather than wait.
                    guard case .text(let text) = message else { continue }
                    _ = try await received.append(text)
                    if await received.ids.count == 200 { break }
                }
            }
            #expect(close?.closeCode == .unknown(1013))
            // What was buffered before the overflow still arrives, in order; the rest is for the reconnect.
            let ids = await received.ids
            #expect(ids.count < 200 && ids == ids.sorted())
            let dropped = await feed.droppedSubscribers
            let subscribers = await feed.subscriberCount
            #expect(dropped == 1 && subscribers == 0)
        }
    }

    @Test func beyondLoopbackTheSocketNeedsAToken() async throws {
        try await Self.withLiveServer(requireTokenForReads: true) { client, _, _, _ in
            await #expect(throws: (any Error).self) {
                _ = try await client.ws("/api/v1/events/ws") { _, outbound, _ in
                    try await outbound.close(.normalClosure, reason: nil)
                }
            }
            let close = try await client.ws("/api/v1/events/ws?token=\(APITests.admin)") { _, outbound, _ in
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(close?.closeCode == .normalClosure)
        }
    }

    /// A refused upgrade is answered like any refused request: 400 with the JSON error for a bad `after`, 401 for an
    /// unknown token or none, 404 where there is no socket (hummingbird-websocket itself writes a bodiless 400).
    @Test func aRefusedUpgradeSaysWhy() async throws {
        try await Self.withLiveServer(requireTokenForReads: true) { client, _, _, _ in
            let port = try #require(client.port)
            let cases: [(String, Int, String)] = [
                ("/api/v1/events/ws?token=\(APITests.admin)&after=x", 400, "malformed_request"),
                ("/api/v1/events/ws?token=nope", 401, "unauthorized"),
                ("/api/v1/events/ws", 401, "unauthorized"),
                ("/api/v1/nothing/ws?token=\(APITests.admin)", 404, "not_found"),
            ]
            for (uri, status, code) in cases {
                // curl, one connection per request: the server closes a refused upgrade's connection.
                let curl = Process()
                curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                curl.arguments = [
                    "curl", "-sS", "-i", "--max-time", "60", "-H", "Connection: Upgrade", "-H", "Upgrade: websocket",
                    "-H", "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                    "http://127.0.0.1:\(port)\(uri)",
                ]
                let output = Pipe()
                let errors = Pipe()
                curl.standardOutput = output
                curl.standardError = errors
                try curl.run()
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                curl.waitUntilExit()
                #expect(curl.terminationStatus == 0, "\(uri): curl: \(complaint)")
                let parts = text.components(separatedBy: "\r\n\r\n")
                let head = parts[0].components(separatedBy: "\r\n")
                #expect(head.first?.hasPrefix("HTTP/1.1 \(status) ") == true, "\(uri): \(text)")
                #expect(head.contains("Content-Type: application/json; charset=utf-8"), "\(uri): \(text)")
                let body = try JSONSerialization.jsonObject(with: Data((parts.last ?? "").utf8))
                let error = (body as? [String: Any])?["error"] as? [String: Any]
                #expect(error?["code"] as? String == code, "\(uri): \(text)")
            }
            // The socket still opens for a request it accepts.
            let close = try await client.ws("/api/v1/events/ws?token=\(APITests.admin)") { _, outbound, _ in
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(close?.closeCode == .normalClosure)
        }
    }

    /// Why an upgrade would be refused is an ordinary JSON error on a plain GET too: 400 for a bad `after`, 401 for an
    /// unknown token or none, and 426 when the upgrade would go through.
    @Test func aPlainRequestSaysWhyTheUpgradeWouldBeRefused() async throws {
        try await Self.withLiveServer(requireTokenForReads: true) { client, _, _, _ in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("/api/v1/events/ws?token=\(APITests.admin)&after=x", .badRequest, "malformed_request"),
                ("/api/v1/events/ws?token=nope", .unauthorized, "unauthorized"),
                ("/api/v1/events/ws", .unauthorized, "unauthorized"),
                ("/api/v1/events/ws?token=\(APITests.admin)&after=0", .upgradeRequired, "upgrade_required"),
            ]
            for (uri, status, code) in cases {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == status, "\(uri)")
                let body = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))
                let error = (body as? [String: Any])?["error"] as? [String: Any]
                #expect(error?["code"] as? String == code, "\(uri): \(String(buffer: response.body))")
            }
        }
    }
}
