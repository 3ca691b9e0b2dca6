import Foundation
import GRDB
public import TurboCore

/// The embedded store: one SQLite file in WAL mode through GRDB.
///
/// Each mutation is one IMMEDIATE write transaction (GRDB's default for writes), so check-and-set guards hold across
/// processes too; `busy_timeout` makes concurrent CLI processes wait instead of failing.
public struct SQLiteStore: TurboStore {
    private let writer: any DatabaseWriter

    /// Opens (creating if needed) the database file at `path` and migrates it to the latest schema.
    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        do {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            try self.init(writer: DatabasePool(path: path, configuration: config))
        } catch let error as DatabaseError {
            throw TurboError.storage("cannot open SQLite database at \(path): \(error.message ?? "\(error)")")
        }
    }

    /// An in-memory database, for tests.
    public static func inMemory() throws -> SQLiteStore {
        try SQLiteStore(writer: DatabaseQueue())
    }

    init(writer: any DatabaseWriter) throws {
        self.writer = writer
        let migrator = SQLiteMigrations.migrator
        do {
            try migrator.migrate(writer)
        } catch {
            // Another process opening the same file may have applied the migration between GRDB's check and its
            // transaction; that is success as long as the schema is now complete.
            guard try writer.read({ db in try migrator.hasCompletedMigrations(db) }) else { throw error }
        }
    }

    /// The names of the migrations applied to this database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await writer.read { db in try SQLiteMigrations.migrator.appliedMigrations(db) }
    }

    /// The journal mode in use (`wal` for files).
    public func journalMode() async throws -> String {
        try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Closes the database file. The store is unusable afterwards.
    public func close() async throws {
        if let pool = writer as? DatabasePool { try pool.close() }
    }

    // MARK: Projects

    public func createProject(_ new: NewProject) async throws -> Project {
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM projects WHERE key = ?", arguments: [new.key.rawValue]) != nil
            {
                throw TurboError.duplicateProjectKey(new.key.rawValue)
            }
            if let path = new.repositoryPath,
                let existing = try String.fetchOne(
                    db, sql: "SELECT key FROM projects WHERE repository_path = ?", arguments: [path])
            {
                throw TurboError.invalidInput("the repository \(path) already belongs to project \(existing)")
            }
            let now = Date.storageNow()
            let project = Project(
                id: UUID(), key: new.key, name: new.name, repositoryPath: new.repositoryPath,
                baseBranch: new.baseBranch, createdAt: now, updatedAt: now)
            try db.execute(
                sql: """
                    INSERT INTO projects (id, key, name, repository_path, base_branch, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    project.id.lowercasedString, project.key.rawValue, project.name, project.repositoryPath,
                    project.baseBranch, now, now,
                ])
            try appendEvents(db, [.projectCreated(project)])
            return project
        }
    }

    public func projects() async throws -> [Project] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM projects ORDER BY key").map(SQLiteRows.project)
        }
    }

    public func project(_ ref: ProjectRef) async throws -> Project {
        try await read { db in try Self.fetchProject(db, ref) }
    }

    public func project(repositoryPath path: String) async throws -> Project? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM projects WHERE repository_path = ?", arguments: [path])
                .map(SQLiteRows.project)
        }
    }

    // MARK: Issues

    public func createIssue(_ new: NewIssue) async throws -> Issue {
        let new = try new.validated()
        return try await write { db in
            let project = try Self.fetchProject(db, new.project)
            var blockers: [Issue] = []
            for ref in new.blockedBy {
                let blocker = try Self.fetchIssue(db, ref)
                if !blockers.contains(where: { $0.id == blocker.id }) { blockers.append(blocker) }
            }
            guard
                let number = try Int.fetchOne(
                    db,
                    sql: """
                        UPDATE projects SET next_issue_number = next_issue_number + 1
                        WHERE id = ? RETURNING next_issue_number - 1
                        """,
                    arguments: [project.id.lowercasedString])
            else { throw TurboError.projectNotFound(new.project.description) }
            let now = Date.storageNow()
            var issue = Issue(
                id: UUID(), projectID: project.id, key: IssueKey(project: project.key, number: number),
                title: new.title, description: new.description, type: new.type, priority: new.priority,
                status: new.status, capabilities: new.capabilities, paths: new.paths, createdBy: new.createdBy,
                assignedTo: nil, workRank: new.workRank, closedReason: nil, createdAt: now, updatedAt: now,
                closedAt: nil, blockedBy: blockers.map(\.key).sorted())
            try db.execute(
                sql: """
                    INSERT INTO issues (id, project_id, number, key, title, description, type, priority, status,
                        capabilities, paths, created_by, work_rank, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    issue.id.lowercasedString, project.id.lowercasedString, number, issue.key.description,
                    issue.title, issue.description, issue.type.rawValue, issue.priority.rawValue,
                    issue.status.rawValue, StringArray.encode(issue.capabilities), StringArray.encode(issue.paths),
                    issue.createdBy, issue.workRank, now, now,
                ])
            var events: [EventDraft] = [.issueCreated(issue)]
            for blocker in blockers {
                try Self.insertDependency(db, blocker: blocker.id, blocked: issue.id, at: now)
                events.append(.dependency(.dependencyAdded, blocker: blocker.key, blocked: issue.key))
            }
            if issue.status == .ready { events.append(.transition(issue, from: nil, actor: new.createdBy)) }
            try appendEvents(db, events)
            issue.blocks = []
            return issue
        }
    }

    public func issue(_ ref: IssueRef) async throws -> Issue {
        try await read { db in try Self.withDependencyKeys(db, [try Self.fetchIssue(db, ref)])[0] }
    }

    public func issues(_ filter: IssueFilter) async throws -> [Issue] {
        try await read { db in
            let (whereSQL, arguments) = try Self.filterClause(db, filter)
            var sql = """
                SELECT \(SQLiteRows.issueColumns) FROM issues \(whereSQL)
                ORDER BY substr(key, 1, instr(key, '-') - 1), number
                """
            if let limit = filter.limit { sql += " LIMIT \(max(0, limit)) OFFSET \(max(0, filter.offset))" }
            let issues = try Row.fetchAll(db, sql: sql, arguments: arguments).map(SQLiteRows.issue)
            return try Self.withDependencyKeys(db, issues)
        }
    }

    public func countIssues(_ filter: IssueFilter) async throws -> Int {
        try await read { db in
            let (whereSQL, arguments) = try Self.filterClause(db, filter)
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM issues \(whereSQL)", arguments: arguments) ?? 0
        }
    }

    public func updateIssue(_ ref: IssueRef, _ changes: IssueChanges) async throws -> Issue {
        let changes = try changes.validated()
        return try await write { db in
            var issue = try Self.fetchIssue(db, ref)
            let changed = changes.apply(to: &issue)
            guard !changed.isEmpty else { return try Self.withDependencyKeys(db, [issue])[0] }
            issue.updatedAt = Date.storageNow()
            try db.execute(
                sql: """
                    UPDATE issues SET title = ?, description = ?, type = ?, priority = ?, capabilities = ?, paths = ?,
                        assigned_to = ?, work_rank = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    issue.title, issue.description, issue.type.rawValue, issue.priority.rawValue,
                    StringArray.encode(issue.capabilities), StringArray.encode(issue.paths), issue.assignedTo,
                    issue.workRank, issue.updatedAt, issue.id.lowercasedString,
                ])
            try appendEvents(db, [.issueUpdated(issue, changed: changed)])
            return try Self.withDependencyKeys(db, [issue])[0]
        }
    }

    public func deleteIssue(_ ref: IssueRef) async throws -> Issue {
        try await write { db in
            let issue = try Self.withDependencyKeys(db, [try Self.fetchIssue(db, ref)])[0]
            try IssueTransition.checkDeletable(issue, hasWorktree: try Self.activeWorktree(db, issue.id) != nil)
            try db.execute(sql: "DELETE FROM issues WHERE id = ?", arguments: [issue.id.lowercasedString])
            try appendEvents(
                db,
                [
                    EventDraft(
                        type: .issueDeleted, subject: issue.key.description,
                        payload: ["id": .string(issue.id.lowercasedString), "key": .string(issue.key.description)])
                ])
            return issue
        }
    }

    public func transition(
        _ ref: IssueRef, to status: IssueStatus, reason: ClosedReason?, actor: String?
    ) async throws -> Issue {
        try await write { db in
            let issue = try Self.fetchIssue(db, ref)
            let moved = try Self.move(db, issue, to: status, reason: reason)
            var events: [EventDraft] = [.transition(moved, from: issue.status, actor: actor)]
            if issue.status.endsLease(movingTo: status) {
                events += try Self.endLeasedWork(
                    db, moved, outcome: .released, reason: "released by \(actor ?? "user")")
            }
            try appendEvents(db, events)
            return try Self.withDependencyKeys(db, [moved])[0]
        }
    }

    /// Moves `issue` to `status` inside the caller's transaction (guarded: it must still be in its status).
    static func move(_ db: Database, _ issue: Issue, to status: IssueStatus, reason: ClosedReason?) throws -> Issue {
        var issue = issue
        let from = issue.status
        try IssueTransition.apply(to: &issue, status: status, reason: reason, now: Date.storageNow())
        try db.execute(
            sql: """
                UPDATE issues SET status = ?, closed_reason = ?, closed_at = ?, assigned_to = ?, updated_at = ?
                WHERE id = ? AND status = ?
                """,
            arguments: [
                issue.status.rawValue, issue.closedReason?.rawValue, issue.closedAt, issue.assignedTo,
                issue.updatedAt, issue.id.lowercasedString, from.rawValue,
            ])
        guard db.changesCount == 1 else {
            throw TurboError.invalidTransition(issue: issue.key.description, from: from, to: status)
        }
        return issue
    }

    // MARK: Dependencies

    public func addDependency(blocker: IssueRef, blocked: IssueRef) async throws -> Dependency {
        try await write { db in
            let blockerIssue = try Self.fetchIssue(db, blocker)
            let blockedIssue = try Self.fetchIssue(db, blocked)
            guard blockerIssue.id != blockedIssue.id else {
                throw TurboError.selfDependency(blockerIssue.key.description)
            }
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM dependencies WHERE blocker_id = ? AND blocked_id = ?",
                arguments: [blockerIssue.id.lowercasedString, blockedIssue.id.lowercasedString]) != nil
            {
                throw TurboError.duplicateDependency(
                    blocker: blockerIssue.key.description, blocked: blockedIssue.key.description)
            }
            // Every edge reachable downwards from the blocked issue: adding the edge closes a cycle when the
            // blocker is among them.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    WITH RECURSIVE down(id) AS (
                        SELECT ? UNION SELECT d.blocked_id FROM dependencies d JOIN down ON d.blocker_id = down.id
                    )
                    SELECT b.key AS blocker, c.key AS blocked FROM dependencies d
                    JOIN down ON d.blocker_id = down.id
                    JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
                    """,
                arguments: [blockedIssue.id.lowercasedString])
            var edges: [IssueKey: [IssueKey]] = [:]
            for row in rows {
                edges[try SQLiteRows.issueKey(row["blocker"]), default: []].append(
                    try SQLiteRows.issueKey(row["blocked"]))
            }
            if let cycle = DependencyGraph.cycle(adding: blockerIssue.key, blocks: blockedIssue.key, edges: edges) {
                throw TurboError.dependencyCycle(cycle.map(\.description))
            }
            let now = Date.storageNow()
            try Self.insertDependency(db, blocker: blockerIssue.id, blocked: blockedIssue.id, at: now)
            try appendEvents(db, [.dependency(.dependencyAdded, blocker: blockerIssue.key, blocked: blockedIssue.key)])
            return Dependency(blocker: blockerIssue.key, blocked: blockedIssue.key, createdAt: now)
        }
    }

    public func removeDependency(blocker: IssueRef, blocked: IssueRef) async throws {
        try await write { db in
            let blockerIssue = try Self.fetchIssue(db, blocker)
            let blockedIssue = try Self.fetchIssue(db, blocked)
            try db.execute(
                sql: "DELETE FROM dependencies WHERE blocker_id = ? AND blocked_id = ?",
                arguments: [blockerIssue.id.lowercasedString, blockedIssue.id.lowercasedString])
            guard db.changesCount == 1 else {
                throw TurboError.dependencyNotFound(
                    blocker: blockerIssue.key.description, blocked: blockedIssue.key.description)
            }
            try appendEvents(
                db, [.dependency(.dependencyRemoved, blocker: blockerIssue.key, blocked: blockedIssue.key)])
        }
    }

    public func dependencies(of ref: IssueRef) async throws -> DependencyView {
        try await read { db in
            let issue = try Self.fetchIssue(db, ref)
            let id = issue.id.lowercasedString
            let blockers = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(SQLiteRows.issueColumns) FROM issues
                    WHERE id IN (SELECT blocker_id FROM dependencies WHERE blocked_id = ?) ORDER BY number
                    """, arguments: [id]
            ).map(SQLiteRows.issue)
            let blocked = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(SQLiteRows.issueColumns) FROM issues
                    WHERE id IN (SELECT blocked_id FROM dependencies WHERE blocker_id = ?) ORDER BY number
                    """, arguments: [id]
            ).map(SQLiteRows.issue)
            // Every issue upstream of this one, and the edges between them.
            let upstreamSQL = """
                WITH RECURSIVE up(id) AS (
                    SELECT ? UNION SELECT d.blocker_id FROM dependencies d JOIN up ON d.blocked_id = up.id
                )
                """
            let upstream = try Row.fetchAll(
                db, sql: "\(upstreamSQL) SELECT \(SQLiteRows.issueColumns) FROM issues WHERE id IN (SELECT id FROM up)",
                arguments: [id]
            ).map(SQLiteRows.issue)
            var edges: [IssueKey: [IssueKey]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    \(upstreamSQL)
                    SELECT b.key AS blocker, c.key AS blocked FROM dependencies d JOIN up ON d.blocked_id = up.id
                    JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
                    """, arguments: [id])
            {
                edges[try SQLiteRows.issueKey(row["blocked"]), default: []].append(
                    try SQLiteRows.issueKey(row["blocker"]))
            }
            let byKey = Dictionary(uniqueKeysWithValues: upstream.map { ($0.key, $0) })
            let chain = DependencyGraph.chain(of: issue.key, blockers: edges).compactMap { byKey[$0] }
            return DependencyView(
                blockers: try Self.withDependencyKeys(db, blockers), blocked: try Self.withDependencyKeys(db, blocked),
                chain: try Self.withDependencyKeys(db, chain))
        }
    }

    // MARK: Comments and work logs

    public func addComment(to ref: IssueRef, author: String, body: String) async throws -> Comment {
        let author = try IssueValidation.actor(author)
        let body = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw TurboError.invalidInput("a comment needs a non-empty body") }
        return try await write { db in
            let comment = try Self.insertComment(db, try Self.fetchIssue(db, ref), author: author, body: body)
            try appendEvents(db, [.commentAdded(comment)])
            return comment
        }
    }

    /// Adds a (validated) comment inside the caller's transaction.
    static func insertComment(_ db: Database, _ issue: Issue, author: String, body: String) throws -> Comment {
        let comment = Comment(
            id: UUID(), issueID: issue.id, issueKey: issue.key, author: author, body: body, createdAt: Date.storageNow()
        )
        try db.execute(
            sql: "INSERT INTO comments (id, issue_id, author, body, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [comment.id.lowercasedString, issue.id.lowercasedString, author, body, comment.createdAt])
        return comment
    }

    public func comments(of ref: IssueRef) async throws -> [Comment] {
        try await read { db in
            let issue = try Self.fetchIssue(db, ref)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, i.key AS issue_key FROM comments c JOIN issues i ON i.id = c.issue_id
                    WHERE c.issue_id = ? ORDER BY c.created_at, c.rowid
                    """, arguments: [issue.id.lowercasedString]
            ).map(SQLiteRows.comment)
        }
    }

    public func startWorkLog(on ref: IssueRef, _ new: NewWorkLog) async throws -> WorkLog {
        let new = try new.validated()
        return try await write { db in
            let log = try Self.insertWorkLog(db, try Self.fetchIssue(db, ref), new)
            try appendEvents(db, [.workLog(.workLogStarted, log)])
            return log
        }
    }

    /// Starts a work log inside the caller's transaction; refuses a second active one.
    static func insertWorkLog(_ db: Database, _ issue: Issue, _ new: NewWorkLog) throws -> WorkLog {
        if try Bool.fetchOne(
            db, sql: "SELECT 1 FROM work_logs WHERE issue_id = ? AND ended_at IS NULL",
            arguments: [issue.id.lowercasedString]) != nil
        {
            throw TurboError.activeWorkLogExists(issue: issue.key.description)
        }
        let log = WorkLog(
            id: UUID(), issueID: issue.id, issueKey: issue.key, startedBy: new.startedBy,
            startedAt: Date.storageNow(),
            endedAt: nil, worktreePath: new.worktreePath, branchName: new.branchName, commit: nil, commitURL: nil,
            outcome: nil, inputTokens: nil, outputTokens: nil, costUSD: nil)
        try db.execute(
            sql: """
                INSERT INTO work_logs (id, issue_id, started_by, started_at, worktree_path, branch_name)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                log.id.lowercasedString, issue.id.lowercasedString, log.startedBy, log.startedAt,
                log.worktreePath, log.branchName,
            ])
        return log
    }

    public func endWorkLog(on ref: IssueRef, _ end: WorkLogEnd) async throws -> WorkLog {
        try await write { db in
            let issue = try Self.fetchIssue(db, ref)
            guard let log = try Self.endActiveWorkLog(db, issue, end) else {
                throw TurboError.noActiveWorkLog(issue: issue.key.description)
            }
            try appendEvents(db, [.workLog(.workLogEnded, log)])
            return log
        }
    }

    /// Ends the issue's active work log inside the caller's transaction; nil when there is none.
    static func endActiveWorkLog(_ db: Database, _ issue: Issue, _ end: WorkLogEnd) throws -> WorkLog? {
        guard
            var log = try Row.fetchOne(
                db,
                sql: """
                    \(Self.workLogSelect)
                    WHERE w.issue_id = ? AND w.ended_at IS NULL
                    """, arguments: [issue.id.lowercasedString]
            ).map(SQLiteRows.workLog)
        else { return nil }
        log.end(with: end, at: Date.storageNow())
        try db.execute(
            sql: """
                UPDATE work_logs SET ended_at = ?, outcome = ?, commit_sha = ?, commit_url = ?, input_tokens = ?,
                    output_tokens = ?, cost_usd = ?
                WHERE id = ?
                """,
            arguments: [
                log.endedAt, log.outcome?.rawValue, log.commit, log.commitURL, log.inputTokens, log.outputTokens,
                log.costUSD, log.id.lowercasedString,
            ])
        return log
    }

    public func workLogs(of ref: IssueRef) async throws -> [WorkLog] {
        try await read { db in
            let issue = try Self.fetchIssue(db, ref)
            return try Row.fetchAll(
                db,
                sql: """
                    \(Self.workLogSelect)
                    WHERE w.issue_id = ? ORDER BY w.started_at, w.rowid
                    """, arguments: [issue.id.lowercasedString]
            ).map(SQLiteRows.workLog)
        }
    }

    public func activeWorkLogs() async throws -> [WorkLog] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    \(Self.workLogSelect)
                    WHERE w.ended_at IS NULL ORDER BY w.started_at, w.rowid
                    """
            ).map(SQLiteRows.workLog)
        }
    }

    // MARK: Queue and events

    public func queueSnapshot(project: ProjectRef?) async throws -> QueueSnapshot {
        try await read { db in
            var scope = ""
            var arguments: StatementArguments = []
            if let project {
                scope = "AND c.project_id = ?"
                arguments = [try Self.fetchProject(db, project).id.lowercasedString]
            }
            // This runs for every scheduling decision over possibly thousands of rows: cursors instead of arrays,
            // columns by index, keys built from the number and a per-project key, dates converted by SQLite.
            var projectKeys: [String: ProjectKey] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, key FROM projects") {
                projectKeys[row[0]] = try ProjectKey(row[1] as String)
            }
            func key(_ projectID: String, _ number: Int) throws -> IssueKey {
                guard let project = projectKeys[projectID] else {
                    throw TurboError.storage("issue of unknown project \(projectID)")
                }
                return IssueKey(project: project, number: number)
            }
            let epochSeconds = "(julianday(c.created_at) - 2440587.5) * 86400.0"

            // Only blockers that still block (not closed as done or merged) matter to the queue.
            var blockers: [String: [QueueBlocker]] = [:]
            let blockerRows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT d.blocked_id, b.project_id, b.number, b.status, b.closed_reason FROM dependencies d
                    JOIN issues c ON c.id = d.blocked_id JOIN issues b ON b.id = d.blocker_id
                    WHERE c.status = 'ready' \(scope)
                        AND NOT (b.status = 'closed' AND b.closed_reason IN ('done', 'merged'))
                    """, arguments: arguments)
            while let row = try blockerRows.next() {
                let status = try IssueStatus(parsing: row[3])
                let reason = try (row[4] as String?).map { text throws(TurboError) in try ClosedReason(parsing: text) }
                blockers[row[0], default: []].append(
                    QueueBlocker(key: try key(row[1], row[2]), status: status, closedReason: reason))
            }
            var blocksCount: [String: Int] = [:]
            let countRows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT d.blocker_id, COUNT(*) FROM dependencies d
                    JOIN issues c ON c.id = d.blocker_id JOIN issues x ON x.id = d.blocked_id
                    WHERE c.status = 'ready' AND x.status <> 'closed' \(scope)
                    GROUP BY d.blocker_id
                    """, arguments: arguments)
            while let row = try countRows.next() { blocksCount[row[0]] = row[1] }

            var candidates: [QueueCandidate] = []
            let candidateRows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.id, c.project_id, c.number, c.title, c.priority, c.capabilities, c.paths, c.work_rank,
                        \(epochSeconds)
                    FROM issues c WHERE c.status = 'ready' \(scope)
                    """, arguments: arguments)
            while let row = try candidateRows.next() {
                let id: String = row[0]
                guard let uuid = UUID(uuidString: id) else { throw TurboError.storage("malformed id '\(id)'") }
                candidates.append(
                    QueueCandidate(
                        id: uuid, key: try key(row[1], row[2]), title: row[3],
                        priority: try IssuePriority(parsing: row[4]), capabilities: StringArray.decode(row[5]),
                        paths: StringArray.decode(row[6]), workRank: row[7],
                        createdAt: Date(timeIntervalSince1970: row[8]), blockers: blockers[id] ?? [],
                        blocksCount: blocksCount[id] ?? 0))
            }
            let inFlight = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.project_id, c.number, c.status, c.paths FROM issues c
                    WHERE c.status IN ('assigned', 'in_progress', 'testing', 'review') AND c.paths <> '[]' \(scope)
                    """, arguments: arguments
            ).map { row in
                InFlightIssue(
                    key: try key(row[0], row[1]), status: try IssueStatus(parsing: row[2]),
                    paths: StringArray.decode(row[3]))
            }
            return QueueSnapshot(now: Date(), candidates: candidates, inFlight: inFlight)
        }
    }

    public func events(after: Int64, limit: Int) async throws -> [Event] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [after, max(0, min(limit, 10_000))]
            ).map(SQLiteRows.event)
        }
    }

    public func latestEventID() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM events") ?? 0 }
    }
}

// MARK: - Helpers

extension SQLiteStore {
    /// Work log rows with their issue's key.
    static let workLogSelect = "SELECT w.*, i.key AS issue_key FROM work_logs w JOIN issues i ON i.id = w.issue_id"

    /// Runs a write transaction, translating SQLite failures into ``TurboError/storage(_:)``.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.write(body)
        } catch let error as DatabaseError {
            throw TurboError.storage(error.message ?? "\(error)")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch let error as DatabaseError {
            throw TurboError.storage(error.message ?? "\(error)")
        }
    }

    func appendEvents(_ db: Database, _ events: [EventDraft]) throws {
        let now = Date.storageNow()
        for event in events {
            try db.execute(
                sql: "INSERT INTO events (type, subject, payload, created_at) VALUES (?, ?, ?, ?)",
                arguments: [event.type.rawValue, event.subject, event.payloadJSON, now])
        }
    }

    static func fetchProject(_ db: Database, _ ref: ProjectRef) throws -> Project {
        let row: Row?
        switch ref {
        case .key(let key):
            row = try Row.fetchOne(db, sql: "SELECT * FROM projects WHERE key = ?", arguments: [key.rawValue])
        case .id(let id):
            row = try Row.fetchOne(db, sql: "SELECT * FROM projects WHERE id = ?", arguments: [id.lowercasedString])
        }
        guard let row else { throw TurboError.projectNotFound(ref.description) }
        return try SQLiteRows.project(row)
    }

    static func fetchIssue(_ db: Database, _ ref: IssueRef) throws -> Issue {
        let row: Row?
        switch ref {
        case .key(let key):
            row = try Row.fetchOne(
                db, sql: "SELECT \(SQLiteRows.issueColumns) FROM issues WHERE key = ?",
                arguments: [key.description])
        case .id(let id):
            row = try Row.fetchOne(
                db, sql: "SELECT \(SQLiteRows.issueColumns) FROM issues WHERE id = ?",
                arguments: [id.lowercasedString])
        }
        guard let row else { throw TurboError.issueNotFound(ref.description) }
        return try SQLiteRows.issue(row)
    }

    static func insertDependency(_ db: Database, blocker: UUID, blocked: UUID, at date: Date) throws {
        try db.execute(
            sql: "INSERT INTO dependencies (blocker_id, blocked_id, type, created_at) VALUES (?, ?, 'blocks', ?)",
            arguments: [blocker.lowercasedString, blocked.lowercasedString, date])
    }

    /// Fills `blockedBy` and `blocks` of each issue with one query over the edges touching them.
    static func withDependencyKeys(_ db: Database, _ issues: [Issue]) throws -> [Issue] {
        guard !issues.isEmpty else { return [] }
        let ids = Set(issues.map(\.id.lowercasedString))
        let sql = """
            SELECT d.blocker_id, d.blocked_id, b.key AS blocker_key, c.key AS blocked_key FROM dependencies d
            JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
            """
        let rows: [Row]
        if ids.count <= 50 {
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            let list = Array(ids)
            rows = try Row.fetchAll(
                db, sql: "\(sql) WHERE d.blocker_id IN (\(marks)) OR d.blocked_id IN (\(marks))",
                arguments: StatementArguments(list + list))
        } else {
            rows = try Row.fetchAll(db, sql: sql)
        }
        var blockedBy: [String: [IssueKey]] = [:]
        var blocks: [String: [IssueKey]] = [:]
        for row in rows {
            let blockerID: String = row["blocker_id"]
            let blockedID: String = row["blocked_id"]
            if ids.contains(blockedID) {
                blockedBy[blockedID, default: []].append(try SQLiteRows.issueKey(row["blocker_key"]))
            }
            if ids.contains(blockerID) {
                blocks[blockerID, default: []].append(try SQLiteRows.issueKey(row["blocked_key"]))
            }
        }
        return issues.map { issue in
            var copy = issue
            copy.blockedBy = (blockedBy[issue.id.lowercasedString] ?? []).sorted()
            copy.blocks = (blocks[issue.id.lowercasedString] ?? []).sorted()
            return copy
        }
    }

    /// The WHERE clause and arguments for a filter.
    static func filterClause(_ db: Database, _ filter: IssueFilter) throws -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let project = filter.project {
            clauses.append("project_id = ?")
            _ = arguments.append(contentsOf: [try fetchProject(db, project).id.lowercasedString])
        }
        if let statuses = filter.statuses, !statuses.isEmpty {
            clauses.append("status IN (\(Array(repeating: "?", count: statuses.count).joined(separator: ",")))")
            _ = arguments.append(contentsOf: StatementArguments(statuses.map(\.rawValue)))
        }
        if let priority = filter.priority {
            clauses.append("priority = ?")
            _ = arguments.append(contentsOf: [priority.rawValue])
        }
        if let type = filter.type {
            clauses.append("type = ?")
            _ = arguments.append(contentsOf: [type.rawValue])
        }
        if let capability = filter.capability {
            clauses.append("EXISTS (SELECT 1 FROM json_each(issues.capabilities) WHERE value = ?)")
            _ = arguments.append(contentsOf: [capability.lowercased()])
        }
        if let assignee = filter.assignedTo {
            clauses.append("assigned_to = ?")
            _ = arguments.append(contentsOf: [assignee])
        }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), arguments)
    }
}

extension Date {
    /// Now, at the millisecond precision SQLite stores: the value GRDB will read back, so that what a write returns
    /// equals what a later read returns.
    static func storageNow() -> Date {
        let now = Date()
        return Date.fromDatabaseValue(now.databaseValue) ?? now
    }
}
