import Foundation
import GRDB
import TurboCore
public import TurboSQL

/// The embedded store: the use cases of ``SQLStore`` on one SQLite file in WAL mode (``SQLiteEngine``).
public typealias SQLiteStore = SQLStore<SQLiteEngine>

extension SQLStore where Engine == SQLiteEngine {
    /// Opens (creating if needed) the database file at `path` and migrates it to the latest schema.
    public init(path: String) throws {
        do {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            try self.init(writer: DatabasePool(path: path, configuration: SQLiteEngine.configuration()), path: path)
        } catch let error as DatabaseError {
            throw TurboError.storage("cannot open SQLite database at \(path): \(error.message ?? "\(error)")")
        }
    }

    /// An in-memory database, for tests.
    public static func inMemory() throws -> SQLiteStore {
        try SQLiteStore(writer: DatabaseQueue(configuration: SQLiteEngine.configuration()), path: nil)
    }

    init(writer: any DatabaseWriter, path: String?) throws {
        let migrator = SQLiteMigrations.migrator
        do {
            try migrator.migrate(writer)
        } catch {
            // Another process opening the same file may have applied the migration between GRDB's check and its
            // transaction; that is success as long as the schema is now complete.
            guard try writer.read({ db in try migrator.hasCompletedMigrations(db) }) else { throw error }
        }
        self.init(engine: SQLiteEngine(writer: writer, path: path))
    }

    /// The names of the migrations applied to this database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await engine.writer.read { db in try SQLiteMigrations.migrator.appliedMigrations(db) }
    }

    /// The journal mode in use (`wal` for files).
    public func journalMode() async throws -> String {
        try await engine.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Closes the database file. The store is unusable afterwards.
    public func close() async throws {
        if let pool = engine.writer as? DatabasePool { try pool.close() }
    }
}
