import Foundation
import Testing
import TurboApp
import TurboCore
import TurboServices
import TurboTestSupport

/// The stores every conformance test runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// SQLite always; PostgreSQL when a test server is configured or required (``TestPostgres/enabled``).
    static var enabled: [StoreKind] { TestPostgres.enabled ? allCases : [.sqlite] }
}

/// Runs `body` with a fresh, empty store of the given kind: a new SQLite file, or a new PostgreSQL database.
func withFreshStore<T: Sendable>(
    _ kind: StoreKind, _ body: @Sendable (any TurboStore) async throws -> T
) async throws -> T {
    try await withFreshDatabase(kind) { url in try await TurboApp.withStore(url, logger: TestPostgres.logger, body) }
}

/// Runs `body` with two handles on one fresh database, as two processes or coordinators would hold them.
func withFreshStores<T: Sendable>(
    _ kind: StoreKind, _ body: @Sendable (any TurboStore, any TurboStore) async throws -> T
) async throws -> T {
    try await withFreshDatabase(kind) { url in
        try await TurboApp.withStore(url, logger: TestPostgres.logger) { first in
            try await TurboApp.withStore(url, logger: TestPostgres.logger) { second in try await body(first, second) }
        }
    }
}

/// Runs `body` with the address of a fresh, empty database of the given kind, removed afterwards.
private func withFreshDatabase<T: Sendable>(
    _ kind: StoreKind, _ body: @Sendable (DatabaseURL) async throws -> T
) async throws -> T {
    switch kind {
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(.sqlite(path: directory.appendingPathComponent("turbocode.db").path))
    case .postgres:
        return try await TestPostgres.withTemporaryDatabase { settings in try await body(.postgres(settings)) }
    }
}

/// A project `TEST` in the store.
@discardableResult
func makeProject(_ store: any TurboStore, key: String = "TEST") async throws -> Project {
    try await store.createProject(NewProject(key: try ProjectKey(key), name: "Test \(key)"))
}

/// An issue in project `TEST` with the given title and options.
@discardableResult
func makeIssue(
    _ store: any TurboStore, _ title: String, project: String = "TEST", priority: IssuePriority = .medium,
    status: IssueStatus = .open, paths: [String] = [], rank: Int? = nil, blockedBy: [String] = []
) async throws -> TurboCore.Issue {
    try await store.createIssue(
        NewIssue(
            project: .key(try ProjectKey(project)), title: title, priority: priority, status: status, paths: paths,
            workRank: rank, blockedBy: try blockedBy.map { try IssueRef(parsing: $0) }))
}

/// Parses a key in tests.
func ref(_ text: String) throws -> IssueRef { try IssueRef(parsing: text) }

/// The types of every event after `after`.
func eventTypes(_ store: any TurboStore, after: Int64 = 0) async throws -> [String] {
    try await store.events(after: after, limit: 10_000).map(\.type)
}

/// The id of the newest event (0 when none).
func lastEventID(_ store: any TurboStore) async throws -> Int64 {
    try await store.events(after: 0, limit: 10_000).last?.id ?? 0
}
