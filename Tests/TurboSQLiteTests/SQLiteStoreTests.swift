import Foundation
import GRDB
import Testing
import TurboCore
import TurboSQL

@testable import TurboSQLite

/// SQLite specifics: the file, WAL, named migrations, and several connections (as several CLI processes) at once.
@Suite(.timeLimit(.minutes(1)))
struct SQLiteStoreTests {
    /// Dates are written as GRDB writes them (its `DateFormatter`, rounded to the millisecond), by our own formatter.
    @Test func datesAreStoredAsGRDBStoresThem() {
        var seconds: [Double] = [0, 0.0005, 0.0015, 86_399.9996, 951_782_400, 4_102_444_800, 253_402_300_799.999]
        var state: UInt64 = 7
        for index in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let fraction = Double(state >> 11) / Double(1 << 53)
            seconds.append(index.isMultiple(of: 2) ? (fraction * 4e12).rounded() / 1000 : fraction * 4e9)
        }
        for value in seconds {
            let date = Date(timeIntervalSince1970: value)
            #expect(date.storageValue == date.databaseValue, "\(value)")
        }
    }

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "turbo-sqlite-\(UUID().uuidString)/state/turbo.db"
        )
        .path
    }

    @Test func fileIsWALWithNamedMigrationsAndSurvivesReopening() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try SQLiteStore(path: path)
        #expect(try await store.journalMode() == "wal")
        #expect(
            try await store.appliedMigrations() == [
                "v1: projects, issues, dependencies, comments, work logs, events",
                "v2: worktrees and predicted conflicts", "v3: merge simulation cache", "v4: API tokens",
                "v5: leases", "v6: webhooks", "v7: webhook claims", "v8: checks", "v9: claimable issues",
                "v10: claim indexes in queue order", "v11: events by subject",
            ])
        _ = try await store.createProject(NewProject(key: try ProjectKey("DISK"), name: "disk"))
        _ = try await store.createIssue(NewIssue(project: .key(try ProjectKey("DISK")), title: "persisted"))
        try await store.close()

        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.issue(try IssueRef(parsing: "DISK-1")).title == "persisted")
        #expect(try await reopened.appliedMigrations().count == 11)
        try await reopened.close()
    }

    /// A ready issue that still holds a live lease (a crash between writes, a hand edit) is passed over by claims
    /// instead of failing every claim until the lease expires.
    @Test func aClaimPassesOverAReadyIssueStillLeased() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try SQLiteStore(path: path)
        let project = try await store.createProject(NewProject(key: try ProjectKey("DISK"), name: "disk"))
        for title in ["first", "second"] {
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: title, status: .ready))
        }
        _ = try await store.acquireLease(on: try IssueRef(parsing: "DISK-1"), agent: "crashed", ttl: .seconds(600))
        try await store.engine.writer.write { db in
            try db.execute(sql: "UPDATE issues SET status = 'ready', assigned_to = NULL WHERE key = 'DISK-1'")
        }
        let claimed = try await store.claimNext(
            ClaimRequest(project: .id(project.id), agent: "next", capabilities: nil, ttl: .seconds(60)))
        #expect(claimed?.issue.key.description == "DISK-2" && claimed?.lease.agentID == "next")
        try await store.close()
    }

    @Test func separateConnectionsToOneFileNumberIssuesWithoutGaps() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        // Each with a gate of its own (stores on one file in one process share theirs), so that they meet at
        // SQLite's write lock as separate processes do.
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let stores = try (0..<4).map { _ in
            try SQLiteStore(writer: DatabasePool(path: path, configuration: SQLiteEngine.configuration()), path: nil)
        }
        _ = try await stores[0].createProject(NewProject(key: try ProjectKey("MULTI"), name: "multi"))
        let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<80 {
                let store = stores[index % stores.count]
                group.addTask {
                    try await store.createIssue(NewIssue(project: .key(try ProjectKey("MULTI")), title: "i\(index)"))
                        .number
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(numbers.sorted() == Array(1...80))
        for store in stores { try await store.close() }
    }

    @Test func unreadableFileIsAClearError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("not-a-db").path
        try Data("this is not sqlite".utf8).write(to: URL(fileURLWithPath: file))
        let error = #expect(throws: (any Error).self) { try SQLiteStore(path: file) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("not a database"))
    }
}

/// The fast reader of stored ids agrees with Foundation's and refuses what is not an id.
@Suite
struct StoredIDTests {
    @Test func storedIDsParseAsFoundationParsesThem() {
        for _ in 0..<1_000 {
            let id = UUID()
            #expect(SQLiteRow.uuid(id.uuidString.lowercased()) == id)
            #expect(SQLiteRow.uuid(id.uuidString) == id)
        }
        for malformed in [
            "", "not-a-uuid", "0123456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcdeg",
            "01234567-89ab-cdef-0123_456789abcdef", "01234567-89ab-cdef-0123-456789abcdef0",
        ] {
            #expect(SQLiteRow.uuid(malformed) == nil, "\(malformed)")
        }
    }
}
