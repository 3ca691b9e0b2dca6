import Foundation
public import TurboCore

extension SQLStore {
    // MARK: Projects

    /// Creates a project; a duplicate key is ``TurboError/duplicateProjectKey(_:)``.
    public func createProject(_ new: NewProject) async throws -> Project {
        do {
            return try await write { tx in
                if try await tx.exists("SELECT 1 FROM projects WHERE key = \(new.key.rawValue)") {
                    throw TurboError.duplicateProjectKey(new.key.rawValue)
                }
                if let path = new.repositoryPath,
                    let existing = try await tx.row("SELECT key FROM projects WHERE repository_path = \(path)")
                {
                    let key = try existing.string("key")
                    throw TurboError.invalidInput("the repository \(path) already belongs to project \(key)")
                }
                let now = try await tx.now()
                let project = Project(
                    id: UUID(), key: new.key, name: new.name, repositoryPath: new.repositoryPath,
                    baseBranch: new.baseBranch, createdAt: now, updatedAt: now)
                try await tx.execute(
                    """
                    INSERT INTO projects (id, key, name, repository_path, base_branch, created_at, updated_at)
                    VALUES (\(project.id), \(project.key.rawValue), \(project.name), \(project.repositoryPath),
                        \(project.baseBranch), \(now), \(now))
                    """)
                try await tx.appendEvents([.projectCreated(project)])
                return project
            }
        } catch let error as TurboError where error.isUniqueViolation("projects_key_key") {
            // Lost a race with a concurrent creation of the same key: report it as the pre-check would.
            throw TurboError.duplicateProjectKey(new.key.rawValue)
        } catch let error as TurboError where error.isUniqueViolation("projects_repository_path_key") {
            throw TurboError.invalidInput("the repository \(new.repositoryPath ?? "") already belongs to a project")
        }
    }

    /// All projects, by key.
    public func projects() async throws -> [Project] {
        try await read { tx in try await tx.rows("SELECT * FROM projects ORDER BY key").map(SQLRows.project) }
    }

    /// One project by key or id.
    public func project(_ ref: ProjectRef) async throws -> Project {
        try await read { tx in try await fetchProject(tx, ref) }
    }

    /// The project whose main checkout is at `path`, if any.
    public func project(repositoryPath path: String) async throws -> Project? {
        try await read { tx in
            try await tx.row("SELECT * FROM projects WHERE repository_path = \(path)").map(SQLRows.project)
        }
    }

    // MARK: Issues

    /// Creates an issue with the next key of its project, its `blockedBy` edges and `issue.created`.
    public func createIssue(_ new: NewIssue) async throws -> Issue {
        let new = try new.validated()
        return try await write { tx in
            // One statement finds the project and takes the next number. The row lock it takes on the project
            // serializes numbering; the number is used only if the transaction commits.
            let claim: SQL =
                switch new.project {
                case .key(let key):
                    """
                    UPDATE projects SET next_issue_number = next_issue_number + 1 WHERE key = \(key.rawValue)
                    RETURNING id, key, next_issue_number - 1 AS number
                    """
                case .id(let id):
                    """
                    UPDATE projects SET next_issue_number = next_issue_number + 1 WHERE id = \(id)
                    RETURNING id, key, next_issue_number - 1 AS number
                    """
                }
            guard let claimed = try await tx.row(claim) else {
                throw TurboError.projectNotFound(new.project.description)
            }
            let projectID = try claimed.uuid("id")
            let projectKey = try ProjectKey(try claimed.string("key"))
            let number = try claimed.int("number")
            var blockers: [Issue] = []
            for ref in new.blockedBy {
                let blocker = try await fetchIssue(tx, ref)
                if !blockers.contains(where: { $0.id == blocker.id }) { blockers.append(blocker) }
            }
            let now = try await tx.now()
            let issue = Issue(
                id: UUID(), projectID: projectID, key: IssueKey(project: projectKey, number: number),
                title: new.title, description: new.description, type: new.type, priority: new.priority,
                status: new.status, capabilities: new.capabilities, paths: new.paths, createdBy: new.createdBy,
                assignedTo: nil, workRank: new.workRank, closedReason: nil, createdAt: now, updatedAt: now,
                closedAt: nil, blockedBy: blockers.map(\.key).sorted())
            try await tx.execute(
                """
                INSERT INTO issues (id, project_id, number, key, title, description, type, priority, status,
                    capabilities, paths, created_by, work_rank, created_at, updated_at)
                VALUES (\(issue.id), \(projectID), \(number), \(issue.key.description), \(issue.title),
                    \(issue.description), \(issue.type.rawValue), \(issue.priority.rawValue), \(issue.status.rawValue),
                    \(issue.capabilities), \(issue.paths), \(issue.createdBy), \(issue.workRank), \(now), \(now))
                """)
            var events: [EventDraft] = [.issueCreated(issue)]
            for blocker in blockers {
                try await insertDependency(tx, blocker: blocker.id, blocked: issue.id, at: now)
                events.append(.dependency(.dependencyAdded, blocker: blocker.key, blocked: issue.key))
            }
            if issue.status == .ready { events.append(.transition(issue, from: nil, actor: new.createdBy)) }
            try await tx.appendEvents(events)
            return issue
        }
    }

    /// One issue by key or id, with its dependency keys.
    public func issue(_ ref: IssueRef) async throws -> Issue {
        try await read { tx in try await withDependencyKeys(tx, [try await fetchIssue(tx, ref)])[0] }
    }

    /// Issues matching a filter, ordered by project key and number.
    public func issues(_ filter: IssueFilter) async throws -> [Issue] {
        try await read { tx in
            let clause = try await filterClause(tx, filter)
            // By the project's key, which is what precedes the dash of an issue key.
            var query: SQL = """
                SELECT \(raw: SQLRows.issueColumns) FROM issues \(clause)
                ORDER BY (SELECT p.key FROM projects p WHERE p.id = issues.project_id), number
                """
            if let limit = filter.limit { query.append(" LIMIT \(max(0, limit)) OFFSET \(max(0, filter.offset))") }
            let issues = try await tx.rows(query).map(SQLRows.issue)
            return try await withDependencyKeys(tx, issues)
        }
    }

    /// How many issues match a filter, ignoring its limit and offset.
    public func countIssues(_ filter: IssueFilter) async throws -> Int {
        try await read { tx in
            let clause = try await filterClause(tx, filter)
            return try await tx.row("SELECT COUNT(*) AS n FROM issues \(clause)")?.int("n") ?? 0
        }
    }

    /// Changes fields (not the status); writes `issue.updated` when something changed.
    public func updateIssue(_ ref: IssueRef, _ changes: IssueChanges) async throws -> Issue {
        let changes = try changes.validated()
        return try await write { tx in
            var issue = try await fetchIssue(tx, ref, lock: true)
            let changed = changes.apply(to: &issue)
            guard !changed.isEmpty else { return try await withDependencyKeys(tx, [issue])[0] }
            issue.updatedAt = try await tx.now()
            try await tx.execute(
                """
                UPDATE issues SET title = \(issue.title), description = \(issue.description),
                    type = \(issue.type.rawValue), priority = \(issue.priority.rawValue),
                    capabilities = \(issue.capabilities), paths = \(issue.paths), assigned_to = \(issue.assignedTo),
                    work_rank = \(issue.workRank), updated_at = \(issue.updatedAt)
                WHERE id = \(issue.id)
                """)
            try await tx.appendEvents([.issueUpdated(issue, changed: changed)])
            return try await withDependencyKeys(tx, [issue])[0]
        }
    }

    /// Deletes an issue nobody is working on (open, ready or closed) with its comments, work logs and edges;
    /// writes `issue.deleted`. Its number is never reused.
    public func deleteIssue(_ ref: IssueRef) async throws -> Issue {
        try await write { tx in
            let fetched = try await fetchIssue(tx, ref, lock: true)
            let issue = try await withDependencyKeys(tx, [fetched])[0]
            try IssueTransition.checkDeletable(issue, hasWorktree: try await activeWorktree(tx, issue.id) != nil)
            try await tx.execute("DELETE FROM issues WHERE id = \(issue.id)")
            try await tx.appendEvents([
                EventDraft(
                    type: .issueDeleted, subject: issue.key.description,
                    payload: ["id": .string(issue.id.lowercasedString), "key": .string(issue.key.description)])
            ])
            return issue
        }
    }

    /// Moves an issue along the state machine, guarded against concurrent changes; taking it out of
    /// `assigned`/`in_progress` for anything but further work releases its lease and ends its work log.
    public func transition(
        _ ref: IssueRef, to status: IssueStatus, reason: ClosedReason?, actor: String?
    ) async throws -> Issue {
        try await write { tx in
            // The row lock makes a concurrent transition wait, then re-read the new status and fail its guard.
            let issue = try await fetchIssue(tx, ref, lock: true)
            let moved = try await move(tx, issue, to: status, reason: reason)
            var events: [EventDraft] = [.transition(moved, from: issue.status, actor: actor)]
            if issue.status.endsLease(movingTo: status) {
                events += try await endLeasedWork(
                    tx, moved, outcome: .released, reason: "released by \(actor ?? "user")")
            }
            try await tx.appendEvents(events)
            return try await withDependencyKeys(tx, [moved])[0]
        }
    }

    // MARK: Dependencies

    /// Adds `blocker → blocked`; self edges, duplicates and cycles are refused.
    public func addDependency(blocker: IssueRef, blocked: IssueRef) async throws -> Dependency {
        try await write { tx in
            try await tx.lock(.dependencyGraph)
            let blockerIssue = try await fetchIssue(tx, blocker)
            let blockedIssue = try await fetchIssue(tx, blocked)
            guard blockerIssue.id != blockedIssue.id else {
                throw TurboError.selfDependency(blockerIssue.key.description)
            }
            if try await tx.exists(
                "SELECT 1 FROM dependencies WHERE blocker_id = \(blockerIssue.id) AND blocked_id = \(blockedIssue.id)")
            {
                throw TurboError.duplicateDependency(
                    blocker: blockerIssue.key.description, blocked: blockedIssue.key.description)
            }
            // Every edge reachable downwards from the blocked issue: adding the edge closes a cycle when the
            // blocker is among them.
            var edges: [IssueKey: [IssueKey]] = [:]
            for row in try await tx.rows(
                """
                WITH RECURSIVE down(id) AS (
                    SELECT id FROM issues WHERE id = \(blockedIssue.id)
                    UNION SELECT d.blocked_id FROM dependencies d JOIN down ON d.blocker_id = down.id
                )
                SELECT b.key AS blocker_key, c.key AS blocked_key FROM dependencies d
                JOIN down ON d.blocker_id = down.id
                JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
                """)
            {
                edges[try row.issueKey("blocker_key"), default: []].append(try row.issueKey("blocked_key"))
            }
            if let cycle = DependencyGraph.cycle(adding: blockerIssue.key, blocks: blockedIssue.key, edges: edges) {
                throw TurboError.dependencyCycle(cycle.map(\.description))
            }
            let now = try await tx.now()
            try await insertDependency(tx, blocker: blockerIssue.id, blocked: blockedIssue.id, at: now)
            try await tx.appendEvents([
                .dependency(.dependencyAdded, blocker: blockerIssue.key, blocked: blockedIssue.key)
            ])
            return Dependency(blocker: blockerIssue.key, blocked: blockedIssue.key, createdAt: now)
        }
    }

    /// Removes `blocker → blocked`.
    public func removeDependency(blocker: IssueRef, blocked: IssueRef) async throws {
        try await write { tx in
            let blockerIssue = try await fetchIssue(tx, blocker)
            let blockedIssue = try await fetchIssue(tx, blocked)
            guard
                try await tx.exists(
                    """
                    DELETE FROM dependencies WHERE blocker_id = \(blockerIssue.id) AND blocked_id = \(blockedIssue.id)
                    RETURNING 1
                    """)
            else {
                throw TurboError.dependencyNotFound(
                    blocker: blockerIssue.key.description, blocked: blockedIssue.key.description)
            }
            try await tx.appendEvents([
                .dependency(.dependencyRemoved, blocker: blockerIssue.key, blocked: blockedIssue.key)
            ])
        }
    }

    /// Direct blockers, directly blocked issues and the transitive blocker chain of an issue.
    public func dependencies(of ref: IssueRef) async throws -> DependencyView {
        try await read { tx in
            let issue = try await fetchIssue(tx, ref)
            let blockers = try await tx.rows(
                """
                SELECT \(raw: SQLRows.issueColumns) FROM issues
                WHERE id IN (SELECT blocker_id FROM dependencies WHERE blocked_id = \(issue.id)) ORDER BY number
                """
            ).map(SQLRows.issue)
            let blocked = try await tx.rows(
                """
                SELECT \(raw: SQLRows.issueColumns) FROM issues
                WHERE id IN (SELECT blocked_id FROM dependencies WHERE blocker_id = \(issue.id)) ORDER BY number
                """
            ).map(SQLRows.issue)
            // Every issue upstream of this one (itself included), and the edges between them: the blocker of an
            // edge whose blocked issue is upstream is upstream too.
            let upstreamCTE: SQL = """
                WITH RECURSIVE up(id) AS (
                    SELECT id FROM issues WHERE id = \(issue.id)
                    UNION SELECT d.blocker_id FROM dependencies d JOIN up ON d.blocked_id = up.id
                )
                """
            let upstream = try await tx.rows(
                "\(upstreamCTE) SELECT \(raw: SQLRows.issueColumns) FROM issues WHERE id IN (SELECT id FROM up)"
            ).map(SQLRows.issue)
            var edges: [IssueKey: [IssueKey]] = [:]
            for row in try await tx.rows(
                """
                \(upstreamCTE)
                SELECT b.key AS blocker_key, c.key AS blocked_key FROM dependencies d JOIN up ON d.blocked_id = up.id
                JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
                """)
            {
                edges[try row.issueKey("blocked_key"), default: []].append(try row.issueKey("blocker_key"))
            }
            let byKey = Dictionary(uniqueKeysWithValues: upstream.map { ($0.key, $0) })
            let chain = DependencyGraph.chain(of: issue.key, blockers: edges).compactMap { byKey[$0] }
            return DependencyView(
                blockers: try await withDependencyKeys(tx, blockers),
                blocked: try await withDependencyKeys(tx, blocked), chain: try await withDependencyKeys(tx, chain))
        }
    }

    // MARK: Comments and work logs

    /// Adds a comment and writes `comment.added`.
    public func addComment(to ref: IssueRef, author: String, body: String) async throws -> Comment {
        let author = try IssueValidation.actor(author)
        let body = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw TurboError.invalidInput("a comment needs a non-empty body") }
        return try await write { tx in
            let comment = try await insertComment(tx, try await fetchIssue(tx, ref), author: author, body: body)
            try await tx.appendEvents([.commentAdded(comment)])
            return comment
        }
    }

    /// An issue's comments, oldest first.
    public func comments(of ref: IssueRef) async throws -> [Comment] {
        try await read { tx in
            let issue = try await fetchIssue(tx, ref)
            return try await tx.rows(
                """
                SELECT c.*, i.key AS issue_key FROM comments c JOIN issues i ON i.id = c.issue_id
                WHERE c.issue_id = \(issue.id) ORDER BY c.created_at, \(raw: tx.dialect.insertionOrder("c"))
                """
            ).map(SQLRows.comment)
        }
    }

    /// Starts a work session; at most one is active per issue.
    public func startWorkLog(on ref: IssueRef, _ new: NewWorkLog) async throws -> WorkLog {
        let new = try new.validated()
        return try await write { tx in
            let log = try await insertWorkLog(tx, try await fetchIssue(tx, ref, lock: true), new)
            try await tx.appendEvents([.workLog(.workLogStarted, log)])
            return log
        }
    }

    /// Ends the active work session of an issue.
    public func endWorkLog(on ref: IssueRef, _ end: WorkLogEnd) async throws -> WorkLog {
        try await write { tx in
            let issue = try await fetchIssue(tx, ref, lock: true)
            guard let log = try await endActiveWorkLog(tx, issue, end) else {
                throw TurboError.noActiveWorkLog(issue: issue.key.description)
            }
            try await tx.appendEvents([.workLog(.workLogEnded, log)])
            return log
        }
    }

    /// An issue's work sessions, oldest first.
    public func workLogs(of ref: IssueRef) async throws -> [WorkLog] {
        try await read { tx in
            let issue = try await fetchIssue(tx, ref)
            return try await tx.rows(
                """
                \(raw: SQLRows.workLogSelect)
                WHERE w.issue_id = \(issue.id) ORDER BY w.started_at, \(raw: tx.dialect.insertionOrder("w"))
                """
            ).map(SQLRows.workLog)
        }
    }

    /// Every active work session, oldest first.
    public func activeWorkLogs() async throws -> [WorkLog] {
        try await read { tx in
            try await tx.rows(
                """
                \(raw: SQLRows.workLogSelect)
                WHERE w.ended_at IS NULL ORDER BY w.started_at, \(raw: tx.dialect.insertionOrder("w"))
                """
            ).map(SQLRows.workLog)
        }
    }

    // MARK: Queue and events

    /// The ready issues, their blockers and the in-flight issues of a project (all projects when nil), read in one
    /// consistent snapshot with the database clock.
    public func queueSnapshot(project: ProjectRef?) async throws -> QueueSnapshot {
        // One snapshot for every read below.
        try await snapshot { tx in
            var scope: SQL = ""
            if let project {
                let projectID = try await fetchProject(tx, project).id
                scope = "AND c.project_id = \(projectID)"
            }
            var blockers: [UUID: [QueueBlocker]] = [:]
            for row in try await tx.rows(
                """
                SELECT d.blocked_id, b.key AS blocker_key, b.status AS blocker_status,
                    b.closed_reason AS blocker_reason
                FROM dependencies d JOIN issues c ON c.id = d.blocked_id JOIN issues b ON b.id = d.blocker_id
                WHERE c.status = 'ready' \(scope)
                """)
            {
                blockers[try row.uuid("blocked_id"), default: []].append(
                    QueueBlocker(
                        key: try row.issueKey("blocker_key"),
                        status: try IssueStatus(parsing: try row.string("blocker_status")),
                        closedReason: try row.optionalString("blocker_reason").map { text throws(TurboError) in
                            try ClosedReason(parsing: text)
                        }))
            }
            var blocksCount: [UUID: Int] = [:]
            for row in try await tx.rows(
                """
                SELECT d.blocker_id, COUNT(*) AS n FROM dependencies d
                JOIN issues c ON c.id = d.blocker_id JOIN issues x ON x.id = d.blocked_id
                WHERE c.status = 'ready' AND x.status <> 'closed' \(scope)
                GROUP BY d.blocker_id
                """)
            {
                blocksCount[try row.uuid("blocker_id")] = try row.int("n")
            }
            var candidates: [QueueCandidate] = []
            for row in try await tx.rows(
                """
                SELECT c.id, c.key, c.title, c.priority, c.capabilities, c.paths, c.work_rank, c.created_at
                FROM issues c WHERE c.status = 'ready' \(scope)
                """)
            {
                let id = try row.uuid("id")
                candidates.append(
                    QueueCandidate(
                        id: id, key: try row.issueKey("key"), title: try row.string("title"),
                        priority: try IssuePriority(parsing: try row.string("priority")),
                        capabilities: try row.strings("capabilities"), paths: try row.strings("paths"),
                        workRank: try row.optionalInt("work_rank"), createdAt: try row.date("created_at"),
                        blockers: blockers[id] ?? [], blocksCount: blocksCount[id] ?? 0))
            }
            // Only issues with paths can overlap; an empty list is spelled differently by each engine, so the
            // filter is applied here.
            var inFlight: [InFlightIssue] = []
            for row in try await tx.rows(
                """
                SELECT c.key, c.status, c.paths FROM issues c
                WHERE c.status IN ('assigned', 'in_progress', 'testing', 'review') \(scope)
                """)
            {
                let paths = try row.strings("paths")
                guard !paths.isEmpty else { continue }
                inFlight.append(
                    InFlightIssue(
                        key: try row.issueKey("key"), status: try IssueStatus(parsing: try row.string("status")),
                        paths: paths))
            }
            return QueueSnapshot(now: try await tx.now(), candidates: candidates, inFlight: inFlight)
        }
    }

    /// Events with an id greater than `after`, oldest first (at most 10 000).
    public func events(after: Int64, limit: Int) async throws -> [Event] {
        let limit = max(0, min(limit, 10_000))
        return try await read { tx in
            try await tx.rows(
                """
                SELECT id, type, subject, payload, created_at FROM events
                WHERE id > \(after) ORDER BY id LIMIT \(limit)
                """
            ).map(SQLRows.event)
        }
    }

    /// The id of the newest event, 0 when the log is empty.
    public func latestEventID() async throws -> Int64 {
        try await read { tx in try await tx.row("SELECT COALESCE(MAX(id), 0) AS n FROM events")?.int64("n") ?? 0 }
    }
}
