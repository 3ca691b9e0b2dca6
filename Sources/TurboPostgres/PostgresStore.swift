import Foundation
public import Logging
public import PostgresNIO
public import TurboCore

/// The shared store: PostgreSQL through postgres-nio, for several coordinators and machines.
///
/// Same schema and semantics as the SQLite adapter. Guards use row locks (`FOR NO KEY UPDATE`) inside one transaction;
/// events are written last under an advisory lock so that they commit in id order; times come from the database clock.
public struct PostgresStore: TurboStore {
    let client: PostgresClient
    let logger: Logger

    /// Wraps a running client and migrates the database. The client's `run()` must already be running.
    public init(client: PostgresClient, logger: Logger) async throws {
        self.client = client
        self.logger = logger
        _ = try await Self.translating { try await PostgresMigrations.migrate(client, logger: logger) }
    }

    /// A client for the given settings (no TLS on loopback, `prefer` elsewhere).
    public static func makeClient(_ settings: DatabaseURL.PostgresSettings, logger: Logger) -> PostgresClient {
        let isLoopback = ["127.0.0.1", "localhost", "::1"].contains(settings.host)
        var config = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database,
            tls: isLoopback ? .disable : .prefer(.makeClientConfiguration()))
        config.options.maximumConnections = 16
        config.options.connectTimeout = .seconds(5)
        return PostgresClient(configuration: config, backgroundLogger: logger)
    }

    /// Runs `body` with a store on a fresh client, then shuts the client down.
    public static func withStore<T: Sendable>(
        _ settings: DatabaseURL.PostgresSettings, logger: Logger, _ body: @Sendable (PostgresStore) async throws -> T
    ) async throws -> T {
        try await probe(settings, logger: logger)
        let client = makeClient(settings, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let store = try await PostgresStore(client: client, logger: logger)
            return try await body(store)
        }
    }

    /// Opens and closes one connection, so that a wrong address or credentials fail at once with the server's
    /// reason instead of the pool retrying in the background.
    public static func probe(_ settings: DatabaseURL.PostgresSettings, logger: Logger) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(settings), id: 0, logger: logger)
        } catch {
            let reason =
                (error as? PSQLError)?.serverInfo?[.message] ?? (error as? PSQLError)?.underlying.map { "\($0)" }
                ?? "\(error)"
            throw TurboError.storage(
                "cannot connect to PostgreSQL at \(settings.host):\(settings.port) as \(settings.user): \(reason)")
        }
        try? await connection.close()
    }

    /// The settings of a single connection outside the pool (no TLS on loopback, `prefer` elsewhere).
    static func connectionConfiguration(_ settings: DatabaseURL.PostgresSettings) throws
        -> PostgresConnection.Configuration
    {
        let isLoopback = ["127.0.0.1", "localhost", "::1"].contains(settings.host)
        var config = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database,
            tls: isLoopback ? .disable : .prefer(try .init(configuration: .makeClientConfiguration())))
        config.options.connectTimeout = .seconds(5)
        return config
    }

    /// The names of the applied migrations, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await Self.translating {
            var names: [String] = []
            for try await name in try await client.query(
                "SELECT name FROM turbocode_migrations ORDER BY applied_at, name", logger: logger
            ).decode(String.self) {
                names.append(name)
            }
            return names
        }
    }

    // MARK: Projects

    public func createProject(_ new: NewProject) async throws -> Project {
        do {
            return try await insertProject(new)
        } catch TurboError.storage(let message) where message.contains("projects_key_key") {
            // Lost a race with a concurrent creation of the same key: report it as the pre-check would.
            throw TurboError.duplicateProjectKey(new.key.rawValue)
        } catch TurboError.storage(let message) where message.contains("projects_repository_path_key") {
            throw TurboError.invalidInput("the repository \(new.repositoryPath ?? "") already belongs to a project")
        }
    }

    private func insertProject(_ new: NewProject) async throws -> Project {
        try await transaction { conn in
            if try await conn.exists("SELECT 1 FROM projects WHERE key = \(new.key.rawValue)", logger) {
                throw TurboError.duplicateProjectKey(new.key.rawValue)
            }
            if let path = new.repositoryPath,
                let existing = try await conn.first(
                    "SELECT key FROM projects WHERE repository_path = \(path)", as: String.self, logger)
            {
                throw TurboError.invalidInput("the repository \(path) already belongs to project \(existing)")
            }
            let now = try await conn.now(logger)
            let project = Project(
                id: UUID(), key: new.key, name: new.name, repositoryPath: new.repositoryPath,
                baseBranch: new.baseBranch, createdAt: now, updatedAt: now)
            try await conn.query(
                """
                INSERT INTO projects (id, key, name, repository_path, base_branch, created_at, updated_at)
                VALUES (\(project.id), \(project.key.rawValue), \(project.name), \(project.repositoryPath),
                    \(project.baseBranch), \(now), \(now))
                """, logger: logger)
            try await appendEvents(conn, [.projectCreated(project)], now: now)
            return project
        }
    }

    public func projects() async throws -> [Project] {
        try await Self.translating {
            try await client.query("SELECT * FROM projects ORDER BY key", logger: logger).collect()
                .map(PostgresRows.project)
        }
    }

    public func project(_ ref: ProjectRef) async throws -> Project {
        try await connection { conn in try await fetchProject(conn, ref) }
    }

    public func project(repositoryPath path: String) async throws -> Project? {
        try await Self.translating {
            try await client.query("SELECT * FROM projects WHERE repository_path = \(path)", logger: logger)
                .collect().first.map(PostgresRows.project)
        }
    }

    // MARK: Issues

    public func createIssue(_ new: NewIssue) async throws -> Issue {
        let new = try new.validated()
        return try await transaction { conn in
            // One statement finds the project, takes the next number and reads the clock. The row lock on the
            // project serializes numbering; the number is used only if the transaction commits.
            let claim: PostgresQuery =
                switch new.project {
                case .key(let key):
                    """
                    UPDATE projects SET next_issue_number = next_issue_number + 1 WHERE key = \(key.rawValue)
                    RETURNING id, key, next_issue_number - 1, now()
                    """
                case .id(let id):
                    """
                    UPDATE projects SET next_issue_number = next_issue_number + 1 WHERE id = \(id)
                    RETURNING id, key, next_issue_number - 1, now()
                    """
                }
            var claimed: (UUID, String, Int, Date)?
            for try await row in try await conn.query(claim, logger: logger).decode((UUID, String, Int, Date).self) {
                claimed = row
            }
            guard let (projectID, projectKey, number, now) = claimed else {
                throw TurboError.projectNotFound(new.project.description)
            }
            let project = (id: projectID, key: try ProjectKey(projectKey))
            var blockers: [Issue] = []
            for ref in new.blockedBy {
                let blocker = try await fetchIssue(conn, ref)
                if !blockers.contains(where: { $0.id == blocker.id }) { blockers.append(blocker) }
            }
            let issue = Issue(
                id: UUID(), projectID: project.id, key: IssueKey(project: project.key, number: number),
                title: new.title, description: new.description, type: new.type, priority: new.priority,
                status: new.status, capabilities: new.capabilities, paths: new.paths, createdBy: new.createdBy,
                assignedTo: nil, workRank: new.workRank, closedReason: nil, createdAt: now, updatedAt: now,
                closedAt: nil, blockedBy: blockers.map(\.key).sorted())
            try await conn.query(
                """
                INSERT INTO issues (id, project_id, number, key, title, description, type, priority, status,
                    capabilities, paths, created_by, work_rank, created_at, updated_at)
                VALUES (\(issue.id), \(project.id), \(number), \(issue.key.description), \(issue.title),
                    \(issue.description), \(issue.type.rawValue), \(issue.priority.rawValue), \(issue.status.rawValue),
                    \(issue.capabilities), \(issue.paths), \(issue.createdBy), \(issue.workRank), \(now), \(now))
                """, logger: logger)
            var events: [EventDraft] = [.issueCreated(issue)]
            for blocker in blockers {
                try await insertDependency(conn, blocker: blocker.id, blocked: issue.id, at: now)
                events.append(.dependency(.dependencyAdded, blocker: blocker.key, blocked: issue.key))
            }
            if issue.status == .ready { events.append(.transition(issue, from: nil, actor: new.createdBy)) }
            try await appendEvents(conn, events, now: now)
            return issue
        }
    }

    public func issue(_ ref: IssueRef) async throws -> Issue {
        try await connection { conn in try await withDependencyKeys(conn, [try await fetchIssue(conn, ref)])[0] }
    }

    public func issues(_ filter: IssueFilter) async throws -> [Issue] {
        try await connection { conn in
            var query = try await filterClause(conn, filter)
            query.sql = """
                SELECT \(PostgresRows.issueColumns) FROM issues \(query.sql)
                ORDER BY split_part(key, '-', 1), number
                """
            if let limit = filter.limit { query.sql += " LIMIT \(max(0, limit)) OFFSET \(max(0, filter.offset))" }
            let issues = try await conn.query(query.postgresQuery, logger: logger).collect().map(PostgresRows.issue)
            return try await withDependencyKeys(conn, issues)
        }
    }

    public func countIssues(_ filter: IssueFilter) async throws -> Int {
        try await connection { conn in
            var query = try await filterClause(conn, filter)
            query.sql = "SELECT COUNT(*)::bigint FROM issues \(query.sql)"
            return try await conn.first(query.postgresQuery, as: Int.self, logger) ?? 0
        }
    }

    public func updateIssue(_ ref: IssueRef, _ changes: IssueChanges) async throws -> Issue {
        let changes = try changes.validated()
        return try await transaction { conn in
            var issue = try await fetchIssue(conn, ref, lock: true)
            let changed = changes.apply(to: &issue)
            guard !changed.isEmpty else { return try await withDependencyKeys(conn, [issue])[0] }
            issue.updatedAt = try await conn.now(logger)
            try await conn.query(
                """
                UPDATE issues SET title = \(issue.title), description = \(issue.description),
                    type = \(issue.type.rawValue), priority = \(issue.priority.rawValue),
                    capabilities = \(issue.capabilities), paths = \(issue.paths), assigned_to = \(issue.assignedTo),
                    work_rank = \(issue.workRank), updated_at = \(issue.updatedAt)
                WHERE id = \(issue.id)
                """, logger: logger)
            try await appendEvents(conn, [.issueUpdated(issue, changed: changed)], now: issue.updatedAt)
            return try await withDependencyKeys(conn, [issue])[0]
        }
    }

    public func deleteIssue(_ ref: IssueRef) async throws -> Issue {
        try await transaction { conn in
            let fetched = try await fetchIssue(conn, ref, lock: true)
            let issue = try await withDependencyKeys(conn, [fetched])[0]
            try IssueTransition.checkDeletable(issue, hasWorktree: try await activeWorktree(conn, issue.id) != nil)
            try await conn.query("DELETE FROM issues WHERE id = \(issue.id)", logger: logger)
            try await appendEvents(
                conn,
                [
                    EventDraft(
                        type: .issueDeleted, subject: issue.key.description,
                        payload: ["id": .string(issue.id.lowercasedString), "key": .string(issue.key.description)])
                ], now: try await conn.now(logger))
            return issue
        }
    }

    public func transition(
        _ ref: IssueRef, to status: IssueStatus, reason: ClosedReason?, actor: String?
    ) async throws -> Issue {
        try await transaction { conn in
            // The row lock makes a concurrent transition wait, then re-read the new status and fail its guard.
            let issue = try await fetchIssue(conn, ref, lock: true)
            let now = try await conn.now(logger)
            let moved = try await move(conn, issue, to: status, reason: reason, now: now)
            var events: [EventDraft] = [.transition(moved, from: issue.status, actor: actor)]
            if issue.status.endsLease(movingTo: status) {
                events += try await endLeasedWork(
                    conn, moved, outcome: .released, reason: "released by \(actor ?? "user")", now: now)
            }
            try await appendEvents(conn, events, now: now)
            return try await withDependencyKeys(conn, [moved])[0]
        }
    }

    /// Moves `issue` to `status` inside the caller's transaction, which holds its row lock (guarded: it must still be
    /// in its status).
    func move(_ conn: PostgresConnection, _ issue: Issue, to status: IssueStatus, reason: ClosedReason?, now: Date)
        async throws -> Issue
    {
        var issue = issue
        let from = issue.status
        try IssueTransition.apply(to: &issue, status: status, reason: reason, now: now)
        guard
            try await conn.exists(
                """
                UPDATE issues SET status = \(issue.status.rawValue), closed_reason = \(issue.closedReason?.rawValue),
                    closed_at = \(issue.closedAt), assigned_to = \(issue.assignedTo), updated_at = \(now)
                WHERE id = \(issue.id) AND status = \(from.rawValue)
                RETURNING 1
                """, logger)
        else { throw TurboError.invalidTransition(issue: issue.key.description, from: from, to: status) }
        return issue
    }

    // MARK: Dependencies

    public func addDependency(blocker: IssueRef, blocked: IssueRef) async throws -> Dependency {
        try await transaction { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(PostgresLocks.dependencyGraph))", logger: logger)
            let blockerIssue = try await fetchIssue(conn, blocker)
            let blockedIssue = try await fetchIssue(conn, blocked)
            guard blockerIssue.id != blockedIssue.id else {
                throw TurboError.selfDependency(blockerIssue.key.description)
            }
            if try await conn.exists(
                "SELECT 1 FROM dependencies WHERE blocker_id = \(blockerIssue.id) AND blocked_id = \(blockedIssue.id)",
                logger)
            {
                throw TurboError.duplicateDependency(
                    blocker: blockerIssue.key.description, blocked: blockedIssue.key.description)
            }
            var edges: [IssueKey: [IssueKey]] = [:]
            for try await (blockerKey, blockedKey) in try await conn.query(
                """
                WITH RECURSIVE down(id) AS (
                    SELECT \(blockedIssue.id)::uuid
                    UNION SELECT d.blocked_id FROM dependencies d JOIN down ON d.blocker_id = down.id
                )
                SELECT b.key, c.key FROM dependencies d JOIN down ON d.blocker_id = down.id
                JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
                """, logger: logger
            ).decode((String, String).self) {
                edges[try PostgresRows.issueKey(blockerKey), default: []].append(try PostgresRows.issueKey(blockedKey))
            }
            if let cycle = DependencyGraph.cycle(adding: blockerIssue.key, blocks: blockedIssue.key, edges: edges) {
                throw TurboError.dependencyCycle(cycle.map(\.description))
            }
            let now = try await conn.now(logger)
            try await insertDependency(conn, blocker: blockerIssue.id, blocked: blockedIssue.id, at: now)
            try await appendEvents(
                conn, [.dependency(.dependencyAdded, blocker: blockerIssue.key, blocked: blockedIssue.key)], now: now)
            return Dependency(blocker: blockerIssue.key, blocked: blockedIssue.key, createdAt: now)
        }
    }

    public func removeDependency(blocker: IssueRef, blocked: IssueRef) async throws {
        try await transaction { conn in
            let blockerIssue = try await fetchIssue(conn, blocker)
            let blockedIssue = try await fetchIssue(conn, blocked)
            guard
                try await conn.exists(
                    """
                    DELETE FROM dependencies WHERE blocker_id = \(blockerIssue.id) AND blocked_id = \(blockedIssue.id)
                    RETURNING 1
                    """, logger)
            else {
                throw TurboError.dependencyNotFound(
                    blocker: blockerIssue.key.description, blocked: blockedIssue.key.description)
            }
            try await appendEvents(
                conn, [.dependency(.dependencyRemoved, blocker: blockerIssue.key, blocked: blockedIssue.key)],
                now: try await conn.now(logger))
        }
    }

    public func dependencies(of ref: IssueRef) async throws -> DependencyView {
        try await connection { conn in
            let issue = try await fetchIssue(conn, ref)
            let blockers = try await conn.query(
                """
                SELECT \(unescaped: PostgresRows.issueColumns) FROM issues
                WHERE id IN (SELECT blocker_id FROM dependencies WHERE blocked_id = \(issue.id)) ORDER BY number
                """, logger: logger
            ).collect().map(PostgresRows.issue)
            let blocked = try await conn.query(
                """
                SELECT \(unescaped: PostgresRows.issueColumns) FROM issues
                WHERE id IN (SELECT blocked_id FROM dependencies WHERE blocker_id = \(issue.id)) ORDER BY number
                """, logger: logger
            ).collect().map(PostgresRows.issue)
            let upstream = try await conn.query(
                """
                WITH RECURSIVE up(id) AS (
                    SELECT \(issue.id)::uuid
                    UNION SELECT d.blocker_id FROM dependencies d JOIN up ON d.blocked_id = up.id
                )
                SELECT \(unescaped: PostgresRows.issueColumns) FROM issues WHERE id IN (SELECT id FROM up)
                """, logger: logger
            ).collect().map(PostgresRows.issue)
            let upstreamIDs = Set(upstream.map(\.id))
            var edges: [IssueKey: [IssueKey]] = [:]
            for try await (blockerID, blockerKey, blockedKey) in try await conn.query(
                """
                SELECT d.blocker_id, b.key, c.key FROM dependencies d
                JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
                WHERE d.blocked_id = ANY(\(Array(upstreamIDs)))
                """, logger: logger
            ).decode((UUID, String, String).self) where upstreamIDs.contains(blockerID) {
                edges[try PostgresRows.issueKey(blockedKey), default: []].append(try PostgresRows.issueKey(blockerKey))
            }
            let byKey = Dictionary(uniqueKeysWithValues: upstream.map { ($0.key, $0) })
            let chain = DependencyGraph.chain(of: issue.key, blockers: edges).compactMap { byKey[$0] }
            return DependencyView(
                blockers: try await withDependencyKeys(conn, blockers),
                blocked: try await withDependencyKeys(conn, blocked), chain: try await withDependencyKeys(conn, chain))
        }
    }

    // MARK: Comments and work logs

    public func addComment(to ref: IssueRef, author: String, body: String) async throws -> Comment {
        let author = try IssueValidation.actor(author)
        let body = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw TurboError.invalidInput("a comment needs a non-empty body") }
        return try await transaction { conn in
            let issue = try await fetchIssue(conn, ref)
            let now = try await conn.now(logger)
            let comment = try await insertComment(conn, issue, author: author, body: body, now: now)
            try await appendEvents(conn, [.commentAdded(comment)], now: now)
            return comment
        }
    }

    /// Adds a (validated) comment inside the caller's transaction.
    func insertComment(_ conn: PostgresConnection, _ issue: Issue, author: String, body: String, now: Date)
        async throws -> Comment
    {
        let comment = Comment(
            id: UUID(), issueID: issue.id, issueKey: issue.key, author: author, body: body, createdAt: now)
        try await conn.query(
            """
            INSERT INTO comments (id, issue_id, author, body, created_at)
            VALUES (\(comment.id), \(issue.id), \(author), \(body), \(now))
            """, logger: logger)
        return comment
    }

    public func comments(of ref: IssueRef) async throws -> [Comment] {
        try await connection { conn in
            let issue = try await fetchIssue(conn, ref)
            return try await conn.query(
                """
                SELECT c.*, i.key AS issue_key FROM comments c JOIN issues i ON i.id = c.issue_id
                WHERE c.issue_id = \(issue.id) ORDER BY c.created_at, c.seq
                """, logger: logger
            ).collect().map(PostgresRows.comment)
        }
    }

    public func startWorkLog(on ref: IssueRef, _ new: NewWorkLog) async throws -> WorkLog {
        let new = try new.validated()
        return try await transaction { conn in
            let issue = try await fetchIssue(conn, ref, lock: true)
            let now = try await conn.now(logger)
            let log = try await insertWorkLog(conn, issue, new, now: now)
            try await appendEvents(conn, [.workLog(.workLogStarted, log)], now: now)
            return log
        }
    }

    /// Starts a (validated) work log inside the caller's transaction, which holds the issue's row lock; refuses a
    /// second active one.
    func insertWorkLog(_ conn: PostgresConnection, _ issue: Issue, _ new: NewWorkLog, now: Date) async throws
        -> WorkLog
    {
        if try await conn.exists(
            "SELECT 1 FROM work_logs WHERE issue_id = \(issue.id) AND ended_at IS NULL", logger)
        {
            throw TurboError.activeWorkLogExists(issue: issue.key.description)
        }
        let log = WorkLog(
            id: UUID(), issueID: issue.id, issueKey: issue.key, startedBy: new.startedBy, startedAt: now,
            endedAt: nil, worktreePath: new.worktreePath, branchName: new.branchName, commit: nil, commitURL: nil,
            outcome: nil, inputTokens: nil, outputTokens: nil, costUSD: nil)
        try await conn.query(
            """
            INSERT INTO work_logs (id, issue_id, started_by, started_at, worktree_path, branch_name)
            VALUES (\(log.id), \(issue.id), \(log.startedBy), \(now), \(log.worktreePath), \(log.branchName))
            """, logger: logger)
        return log
    }

    public func endWorkLog(on ref: IssueRef, _ end: WorkLogEnd) async throws -> WorkLog {
        try await transaction { conn in
            let issue = try await fetchIssue(conn, ref, lock: true)
            let now = try await conn.now(logger)
            guard let log = try await endActiveWorkLog(conn, issue, end, now: now) else {
                throw TurboError.noActiveWorkLog(issue: issue.key.description)
            }
            try await appendEvents(conn, [.workLog(.workLogEnded, log)], now: now)
            return log
        }
    }

    /// Ends the issue's active work log inside the caller's transaction, which holds the issue's row lock; nil when
    /// there is none.
    func endActiveWorkLog(_ conn: PostgresConnection, _ issue: Issue, _ end: WorkLogEnd, now: Date) async throws
        -> WorkLog?
    {
        guard
            var log = try await conn.query(
                """
                \(unescaped: Self.workLogSelect)
                WHERE w.issue_id = \(issue.id) AND w.ended_at IS NULL
                """, logger: logger
            ).collect().first.map(PostgresRows.workLog)
        else { return nil }
        log.end(with: end, at: now)
        try await conn.query(
            """
            UPDATE work_logs SET ended_at = \(now), outcome = \(log.outcome?.rawValue), commit_sha = \(log.commit),
                commit_url = \(log.commitURL), input_tokens = \(log.inputTokens),
                output_tokens = \(log.outputTokens), cost_usd = \(log.costUSD)
            WHERE id = \(log.id)
            """, logger: logger)
        return log
    }

    public func workLogs(of ref: IssueRef) async throws -> [WorkLog] {
        try await connection { conn in
            let issue = try await fetchIssue(conn, ref)
            return try await conn.query(
                """
                \(unescaped: Self.workLogSelect)
                WHERE w.issue_id = \(issue.id) ORDER BY w.started_at, w.seq
                """, logger: logger
            ).collect().map(PostgresRows.workLog)
        }
    }

    public func activeWorkLogs() async throws -> [WorkLog] {
        try await Self.translating {
            try await client.query(
                """
                \(unescaped: Self.workLogSelect)
                WHERE w.ended_at IS NULL ORDER BY w.started_at, w.seq
                """, logger: logger
            ).collect().map(PostgresRows.workLog)
        }
    }

    // MARK: Queue and events

    public func queueSnapshot(project: ProjectRef?) async throws -> QueueSnapshot {
        try await transaction { conn in
            // One snapshot for every read below.
            try await conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var projectID: UUID?
            if let project { projectID = try await fetchProject(conn, project).id }
            var blockers: [UUID: [QueueBlocker]] = [:]
            for try await (blockedID, key, status, reason) in try await conn.query(
                """
                SELECT d.blocked_id, b.key, b.status, b.closed_reason FROM dependencies d
                JOIN issues c ON c.id = d.blocked_id JOIN issues b ON b.id = d.blocker_id
                WHERE c.status = 'ready' AND (\(projectID)::uuid IS NULL OR c.project_id = \(projectID))
                """, logger: logger
            ).decode((UUID, String, String, String?).self) {
                blockers[blockedID, default: []].append(
                    QueueBlocker(
                        key: try PostgresRows.issueKey(key), status: try IssueStatus(parsing: status),
                        closedReason: try reason.map { text throws(TurboError) in try ClosedReason(parsing: text) }))
            }
            var blocksCount: [UUID: Int] = [:]
            for try await (blockerID, count) in try await conn.query(
                """
                SELECT d.blocker_id, COUNT(*)::bigint FROM dependencies d
                JOIN issues c ON c.id = d.blocker_id JOIN issues x ON x.id = d.blocked_id
                WHERE c.status = 'ready' AND x.status <> 'closed'
                    AND (\(projectID)::uuid IS NULL OR c.project_id = \(projectID))
                GROUP BY d.blocker_id
                """, logger: logger
            ).decode((UUID, Int).self) {
                blocksCount[blockerID] = count
            }
            var candidates: [QueueCandidate] = []
            for try await (id, key, title, priority, capabilities, paths, rank, createdAt) in try await conn.query(
                """
                SELECT id, key, title, priority, capabilities, paths, work_rank, created_at FROM issues
                WHERE status = 'ready' AND (\(projectID)::uuid IS NULL OR project_id = \(projectID))
                """, logger: logger
            ).decode((UUID, String, String, String, [String], [String], Int?, Date).self) {
                candidates.append(
                    QueueCandidate(
                        id: id, key: try PostgresRows.issueKey(key), title: title,
                        priority: try IssuePriority(parsing: priority), capabilities: capabilities, paths: paths,
                        workRank: rank, createdAt: createdAt, blockers: blockers[id] ?? [],
                        blocksCount: blocksCount[id] ?? 0))
            }
            var inFlight: [InFlightIssue] = []
            for try await (key, status, paths) in try await conn.query(
                """
                SELECT key, status, paths FROM issues
                WHERE status IN ('assigned', 'in_progress', 'testing', 'review') AND cardinality(paths) > 0
                    AND (\(projectID)::uuid IS NULL OR project_id = \(projectID))
                """, logger: logger
            ).decode((String, String, [String]).self) {
                inFlight.append(
                    InFlightIssue(
                        key: try PostgresRows.issueKey(key), status: try IssueStatus(parsing: status), paths: paths))
            }
            return QueueSnapshot(now: try await conn.now(logger), candidates: candidates, inFlight: inFlight)
        }
    }

    public func events(after: Int64, limit: Int) async throws -> [Event] {
        let limit = max(0, min(limit, 10_000))
        return try await Self.translating {
            try await client.query(
                """
                SELECT id, type, subject, payload::text AS payload, created_at FROM events
                WHERE id > \(after) ORDER BY id LIMIT \(limit)
                """, logger: logger
            ).collect().map(PostgresRows.event)
        }
    }

    public func latestEventID() async throws -> Int64 {
        try await Self.translating {
            let rows = try await client.query("SELECT COALESCE(MAX(id), 0)::int8 FROM events", logger: logger).collect()
            return try rows.first?.decode(Int64.self) ?? 0
        }
    }
}
