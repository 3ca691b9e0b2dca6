import Foundation
public import TurboCore

// Issues: created with the next key of their project, changed, moved through the state machine, deleted.
extension SQLStore {
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
            // The claim columns (SQLStore+Claims.swift) in the INSERT itself: nothing depends on a new issue yet, and
            // its open blockers are the fetched blockers not yet finished.
            let openBlockers = blockers.count {
                !($0.status == .closed && ($0.closedReason?.satisfiesDependents ?? false))
            }
            let scoreStatic = new.priority.weight + 20
            try await tx.execute(
                """
                INSERT INTO issues (id, project_id, number, key, title, description, type, priority, status,
                    capabilities, paths, created_by, work_rank, created_at, updated_at, open_blockers, blocks_open,
                    score_static, score_base)
                VALUES (\(issue.id), \(projectID), \(number), \(issue.key.description), \(issue.title),
                    \(issue.description), \(issue.type.rawValue), \(issue.priority.rawValue), \(issue.status.rawValue),
                    \(issue.capabilities), \(issue.paths), \(issue.createdBy), \(issue.workRank), \(now), \(now),
                    \(openBlockers), 0, \(scoreStatic),
                    \(scoreStatic) - 0.5 * \(tx.dialect.epochSeconds(of: now)) / 86400.0)
                """)
            var events: [EventDraft] = [.issueCreated(issue)]
            for blocker in blockers {
                try await insertDependency(tx, blocker: blocker.id, blocked: issue.id, at: now, recount: false)
                events.append(.dependency(.dependencyAdded, blocker: blocker.key, blocked: issue.key))
            }
            if !blockers.isEmpty { try await recountBlocksOpen(tx, where: "id IN \(list: blockers.map(\.id))") }
            if issue.status == .ready { events.append(.transition(issue, from: nil, actor: new.createdBy)) }
            try await tx.appendEvents(events)
            return issue
        }
    }

    /// One issue by key or id, with its dependency keys — in one statement (the API's most frequent read: each
    /// statement of a read takes a reader connection and begins a read transaction).
    public func issue(_ ref: IssueRef) async throws -> Issue {
        try await read { tx in try await fetchIssue(tx, ref, dependencyKeys: true) }
    }

    /// Issues matching a filter, ordered by project key and number.
    public func issues(_ filter: IssueFilter) async throws -> [Issue] {
        try await read { tx in
            // By the project's key, which is what precedes the dash of an issue key, then by number. With one
            // project (named, or the only one) that is the (project_id, number) index's order, so a page reads
            // only its rows; with several, every match is sorted by its project's key.
            var filter = filter
            if filter.project == nil {
                let projects = try await tx.rows("SELECT id FROM projects LIMIT 2")
                if projects.count == 1 { filter.project = .id(try projects[0].uuid("id")) }
            }
            let clause = try await filterClause(tx, filter)
            // Work in flight (ready to review) is a few rows among many: read them by the (project_id, status) index
            // and sort them, rather than walk every issue of the project in number order (SQLite, without
            // statistics, prefers the walk; the verifier and the merge queue ask on every new event). A unary `+`
            // keeps the order off the index.
            let inFlight: Set<IssueStatus> = [.ready, .assigned, .inProgress, .testing, .review]
            let narrow = !(filter.statuses ?? []).isEmpty && Set(filter.statuses ?? []).isSubset(of: inFlight)
            var query: SQL =
                filter.project != nil
                ? "SELECT \(raw: SQLRows.issueColumns) FROM issues \(clause) ORDER BY \(raw: narrow ? "+" : "")number"
                : """
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
            if changed.contains("priority") { try await recountBlocksOpen(tx, where: "id = \(issue.id)") }
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
            let blocked = try await tx.rows("SELECT blocked_id FROM dependencies WHERE blocker_id = \(issue.id)")
                .map { try $0.uuid("blocked_id") }
            let blocking = try await tx.rows("SELECT blocker_id FROM dependencies WHERE blocked_id = \(issue.id)")
                .map { try $0.uuid("blocker_id") }
            try await tx.execute("DELETE FROM issues WHERE id = \(issue.id)")
            if !blocked.isEmpty { try await recountOpenBlockers(tx, where: "id IN \(list: blocked)") }
            if !blocking.isEmpty { try await recountBlocksOpen(tx, where: "id IN \(list: blocking)") }
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
}
