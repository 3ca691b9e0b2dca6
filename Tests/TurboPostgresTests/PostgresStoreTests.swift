import Foundation
import Logging
import Testing
import TurboCore
import TurboPostgres
import TurboSQL
import TurboTestSupport

/// PostgreSQL specifics: migrations shared by concurrent coordinators, and numbering across separate clients.
@Suite(.timeLimit(.minutes(2)))
struct PostgresStoreTests {
    static var enabled: Bool { TestPostgres.enabled }

    static let logger = TestPostgres.logger

    @Test(.enabled(if: enabled, "needs TURBOCODE_TEST_POSTGRES_URL (scripts/with-postgres.sh)"))
    func coordinatorsStartingTogetherMigrateOnceAndShareNumbering() async throws {
        try await TestPostgres.withTemporaryDatabase { settings in
            // Four clients start at once, as four `turbocode serve` processes would: the advisory lock lets one
            // migrate while the others wait, and all see the same schema.
            let migrations = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await PostgresStore.withStore(settings, logger: Self.logger) { store in
                            try await store.appliedMigrations()
                        }
                    }
                }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            #expect(Set(migrations.map { $0.joined(separator: "|") }).count == 1)
            #expect(migrations.first?.count == 11)

            try await PostgresStore.withStore(settings, logger: Self.logger) { store in
                _ = try await store.createProject(NewProject(key: try ProjectKey("PG"), name: "pg"))
            }
            let numbers = try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in 0..<3 {
                    group.addTask {
                        try await PostgresStore.withStore(settings, logger: Self.logger) { store in
                            try await withThrowingTaskGroup(of: Int.self) { inner in
                                for index in 0..<30 {
                                    inner.addTask {
                                        try await store.createIssue(
                                            NewIssue(project: .key(try ProjectKey("PG")), title: "c\(client) i\(index)")
                                        ).number
                                    }
                                }
                                return try await inner.reduce(into: [Int]()) { $0.append($1) }
                            }
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(numbers.sorted() == Array(1...90))
            // Events are readable in id order with no gaps between those committed.
            let events = try await PostgresStore.withStore(settings, logger: Self.logger) { store in
                try await store.events(after: 0, limit: 1_000)
            }
            #expect(events.filter { $0.type == "issue.created" }.count == 90)
            #expect(events.map(\.id) == events.map(\.id).sorted())
        }
    }

    /// Statements are prepared once per connection and kept by name (postgres-nio keeps a failed preparation's error
    /// for the name as long as the connection lives): a statement first prepared in a transaction that had already
    /// failed runs in the transactions after it.
    @Test(.enabled(if: enabled, "needs TURBOCODE_TEST_POSTGRES_URL (scripts/with-postgres.sh)"))
    func aStatementWhosePreparationFailedRunsLater() async throws {
        try await TestPostgres.withTemporaryDatabase { settings in
            try await PostgresStore.withStore(settings, logger: Self.logger) { store in
                // A text no other test sends, so its first preparation is this one.
                let statement: SQL = "SELECT \(1) AS one, \(raw: "'\(UUID().uuidString)'") AS marker"
                let failures = try await store.engine.write { tx in
                    var failures = 0
                    do { try await tx.execute("SELECT 1 / \(0)") } catch { failures += 1 }
                    // The transaction has failed: the statement's preparation is refused (25P02).
                    do { _ = try await tx.rows(statement) } catch { failures += 1 }
                    return failures
                }
                #expect(failures == 2)
                // Sequential transactions take the pool's idle connection: the one whose preparation failed.
                for _ in 0..<8 {
                    let one = try await store.engine.write { tx in try await tx.rows(statement).first?.int("one") }
                    #expect(one == 1)
                }
            }
        }
    }

    /// A prepared statement whose result columns changed under it (another coordinator's migration added a column)
    /// runs again: PostgreSQL refuses the old plan once, and the transaction is run afresh under a new name.
    @Test(.enabled(if: enabled, "needs TURBOCODE_TEST_POSTGRES_URL (scripts/with-postgres.sh)"))
    func aStatementWhoseColumnsChangedRunsAgain() async throws {
        try await TestPostgres.withTemporaryDatabase { settings in
            try await PostgresStore.withStore(settings, logger: Self.logger) { store in
                let project = try await store.createProject(NewProject(key: try ProjectKey("COLS"), name: "cols"))
                let statement: SQL = "SELECT * FROM projects WHERE id = \(project.id)"
                #expect(try await store.engine.read { tx in try await tx.rows(statement).count } == 1)
                try await PostgresStore.withStore(settings, logger: Self.logger) { other in
                    try await other.engine.write { tx in
                        try await tx.execute("ALTER TABLE projects ADD COLUMN added_by_another_coordinator integer")
                    }
                }
                for _ in 0..<4 {
                    #expect(try await store.engine.read { tx in try await tx.rows(statement).count } == 1)
                    #expect(try await store.engine.write { tx in try await tx.rows(statement).count } == 1)
                }
            }
        }
    }

    /// A claim reads an issue's lease history with the issue, from its statement's snapshot, while the row comes
    /// locked in its newest version: an issue claimed and given back within that statement would get an epoch
    /// already taken. The unique index refuses it and the claim runs again on fresh reads. (PostgreSQL's own
    /// refusal is raised here by a trigger on the first lease insert: the race lasts less than a statement.)
    @Test(.enabled(if: enabled, "needs TURBOCODE_TEST_POSTGRES_URL (scripts/with-postgres.sh)"))
    func aClaimWhoseEpochWasTakenMeanwhileRunsAgain() async throws {
        try await TestPostgres.withTemporaryDatabase { settings in
            try await PostgresStore.withStore(settings, logger: Self.logger) { store in
                let project = try await store.createProject(NewProject(key: try ProjectKey("RACE"), name: "race"))
                let issue = try await store.createIssue(
                    NewIssue(project: .id(project.id), title: "Taken meanwhile", status: .ready))
                try await store.engine.write { tx in
                    // A sequence, because the refused transaction is rolled back: its count stays.
                    try await tx.execute("CREATE SEQUENCE lease_inserts")
                    try await tx.execute(
                        """
                        CREATE FUNCTION refuse_first_lease() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            IF nextval('lease_inserts') = 1 THEN
                                RAISE unique_violation USING CONSTRAINT = 'leases_issue_id_epoch_key',
                                    MESSAGE = 'duplicate key value violates unique constraint "leases_issue_id_epoch_key"';
                            END IF;
                            RETURN NEW;
                        END $$
                        """)
                    try await tx.execute(
                        """
                        CREATE TRIGGER refuse_first_lease BEFORE INSERT ON leases
                        FOR EACH ROW EXECUTE FUNCTION refuse_first_lease()
                        """)
                }
                let claimed = try #require(
                    try await store.claimNext(
                        ClaimRequest(project: .id(project.id), agent: "racer", capabilities: nil, ttl: .seconds(60))))
                #expect(claimed.issue.key == issue.key)
                #expect(claimed.lease.epoch == 1)
                // The refused attempt was rolled back whole: one lease, and the claim's events once.
                let leases = try await store.engine.read { tx in
                    try await tx.rows("SELECT epoch FROM leases WHERE issue_id = \(issue.id)").map {
                        try $0.int("epoch")
                    }
                }
                #expect(leases == [1])
                let acquired = try await store.events(after: 0, limit: 100).filter { $0.type == "lease.acquired" }
                #expect(acquired.count == 1)
            }
        }
    }

    /// A snapshot sees one instant: a commit made meanwhile on another connection is not in its second read.
    @Test(.enabled(if: enabled, "needs TURBOCODE_TEST_POSTGRES_URL (scripts/with-postgres.sh)"))
    func aSnapshotKeepsItsFirstView() async throws {
        try await TestPostgres.withTemporaryDatabase { settings in
            try await PostgresStore.withStore(settings, logger: Self.logger) { store in
                let (before, after, outside) = try await store.engine.snapshot { tx in
                    let before = try await tx.rows("SELECT COUNT(*) AS n FROM projects").first?.int("n")
                    _ = try await store.createProject(NewProject(key: try ProjectKey("SNAP"), name: "snap"))
                    let after = try await tx.rows("SELECT COUNT(*) AS n FROM projects").first?.int("n")
                    let outside = try await store.projects().count
                    return (before, after, outside)
                }
                #expect(before == 0)
                #expect(after == 0)
                #expect(outside == 1)
            }
        }
    }

    @Test(.enabled(if: enabled, "needs TURBOCODE_TEST_POSTGRES_URL (scripts/with-postgres.sh)"))
    func unreachableServerIsAClearError() async throws {
        let settings = DatabaseURL.PostgresSettings(host: "127.0.0.1", port: 1, user: "nobody", database: "none")
        await #expect(throws: TurboError.self) {
            try await PostgresStore.withStore(settings, logger: Self.logger) { _ in () }
        }
    }

    /// A commit that writes events notifies every listener at once, also an EventFeed in another process; a commit
    /// that writes none does not.
    @Test(.enabled(if: enabled, "needs TURBOCODE_TEST_POSTGRES_URL (scripts/with-postgres.sh)"))
    func eventCommitsWakeListeners() async throws {
        try await TestPostgres.withTemporaryDatabase { settings in
            try await PostgresStore.withStore(settings, logger: Self.logger) { store in
                let (wakeups, continuation) = AsyncStream<Void>.makeStream()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        await PostgresEventWakeups.listen(settings, logger: Self.logger) { continuation.yield() }
                    }
                    var iterator = wakeups.makeAsyncIterator()
                    // The first wake-up comes once listening, so nothing written after it can be missed.
                    await iterator.next()
                    // A read writes no event and sends no notification; the next wake-up is the project's.
                    _ = try await store.projects()
                    _ = try await store.createProject(NewProject(key: try ProjectKey("NOTE"), name: "Notify"))
                    await iterator.next()
                    let events = try await store.events(after: 0, limit: 10)
                    #expect(events.map(\.type) == ["project.created"])
                    group.cancelAll()
                }
            }
        }
    }
}
