public import Foundation
public import TurboCore

extension SQLStore {
    /// Grants `agent` the lease on a `ready` issue whose blockers are all finished; see
    /// ``TurboStore/acquireLease(on:agent:ttl:)``.
    public func acquireLease(on ref: IssueRef, agent: String, ttl: Duration) async throws -> (
        issue: Issue, lease: Lease
    ) {
        do {
            return try await claimLease(on: ref, agent: agent, ttl: ttl)
        } catch let error as TurboError
            where error.isUniqueViolation("leases_one_live_per_issue")
            || error.isUniqueViolation("leases_issue_id_epoch_key")
        {
            // The issue's row lock serializes claims, so the unique indexes are only a backstop: report a violation
            // as the check in `claimLease` would.
            guard let holder = try? await currentLease(of: ref) else {
                throw TurboError.conflictingState("\(ref.description) is leased to another agent")
            }
            throw TurboError.conflictingState(
                "\(holder.issueKey) is leased to \(holder.agentID) (epoch \(holder.epoch))")
        }
    }

    private func claimLease(on ref: IssueRef, agent: String, ttl: Duration) async throws -> (
        issue: Issue, lease: Lease
    ) {
        try await write { tx in
            // The row lock makes a concurrent claim of the same issue wait, then see this lease and fail.
            let issue = try await fetchIssue(tx, ref, lock: true)
            let (leased, lease) = try await leaseReady(tx, issue, agent: agent, ttl: ttl) { tx, issue in
                let waiting = try await tx.rows(
                    """
                    SELECT b.key AS blocker_key FROM dependencies d JOIN issues b ON b.id = d.blocker_id
                    WHERE d.blocked_id = \(issue.id)
                        AND NOT (b.status = 'closed' AND b.closed_reason IN ('done', 'merged'))
                    ORDER BY b.number
                    """
                ).map { try $0.string("blocker_key") }
                guard waiting.isEmpty else {
                    throw TurboError.conflictingState(
                        "\(issue.key) waits for \(waiting.joined(separator: ", ")) to be finished")
                }
            }
            return (try await withDependencyKeys(tx, [leased])[0], lease)
        }
    }

    /// A new lease for `agent` from the transaction's clock, its epoch one more than the issue's last.
    /// `epoch` is the new lease's when the caller has read the issue's newest lease (``latestLease(_:_:)``).
    func insertLease(
        _ tx: any SQLTransaction, _ issue: Issue, agent: String, ttl: Duration, epoch known: Int? = nil
    ) async throws -> Lease {
        let epoch: Int
        if let known {
            epoch = known
        } else {
            epoch =
                try await tx.row(
                    "SELECT COALESCE(MAX(epoch), 0) + 1 AS next FROM leases WHERE issue_id = \(issue.id)"
                )?.int("next") ?? 1
        }
        let now = try await tx.now()
        let lease = Lease(
            id: UUID(), issueID: issue.id, issueKey: issue.key, agentID: agent, epoch: epoch, acquiredAt: now,
            heartbeatAt: now, expiresAt: now.addingTimeInterval(ttl.timeInterval))
        try await tx.execute(
            """
            INSERT INTO leases (id, issue_id, agent_id, epoch, acquired_at, heartbeat_at, expires_at)
            VALUES (\(lease.id), \(issue.id), \(agent), \(epoch), \(now), \(now), \(lease.expiresAt))
            """)
        return lease
    }

    /// Releases every lease past its expiry; see ``TurboStore/expireLeases()``.
    public func expireLeases() async throws -> [Lease] {
        // Candidates first, then one transaction per issue under its row lock, re-checked there: a heartbeat that
        // lands in between keeps its lease.
        let candidates: [UUID] = try await read { tx in
            let now = try await tx.now()
            return try await tx.rows(
                """
                SELECT issue_id FROM leases WHERE released_at IS NULL AND expires_at <= \(now)
                ORDER BY expires_at
                """
            ).map { try $0.uuid("issue_id") }
        }
        var released: [Lease] = []
        for issueID in candidates {
            let lease: Lease? = try await write { tx in
                let issue: Issue
                do {
                    issue = try await fetchIssue(tx, .id(issueID), lock: true)
                } catch TurboError.issueNotFound {
                    return nil  // Deleted meanwhile, its leases with it.
                }
                let now = try await tx.now()
                guard let lease = try await currentLease(tx, issue), lease.expiresAt <= now else { return nil }
                var events: [EventDraft] = []
                if issue.status == .assigned || issue.status == .inProgress {
                    let moved = try await move(tx, issue, to: .ready, reason: nil)
                    events.append(.transition(moved, from: issue.status, actor: nil))
                    if let log = try await endActiveWorkLog(tx, moved, WorkLogEnd(outcome: .expired)) {
                        events.append(.workLog(.workLogEnded, log))
                    }
                }
                let ended = try await release(tx, lease, reason: "expired")
                events.append(.lease(.leaseReleased, ended))
                try await tx.appendEvents(events)
                return ended
            }
            if let lease { released.append(lease) }
        }
        return released
    }

    /// Ends the work on an issue that left its leased states: ends the active work log and releases the lease.
    func endLeasedWork(_ tx: any SQLTransaction, _ issue: Issue, outcome: WorkOutcome, reason: String) async throws
        -> [EventDraft]
    {
        var events: [EventDraft] = []
        if let log = try await endActiveWorkLog(tx, issue, WorkLogEnd(outcome: outcome)) {
            events.append(.workLog(.workLogEnded, log))
        }
        if let lease = try await currentLease(tx, issue) {
            events.append(.lease(.leaseReleased, try await release(tx, lease, reason: reason)))
        }
        return events
    }

    /// Every unreleased lease (of one project when given), expired or not, by issue key.
    public func liveLeases(project: ProjectRef?) async throws -> [Lease] {
        try await read { tx in
            var filter: SQL = ""
            if let project { filter = " AND i.project_id = \(try await fetchProject(tx, project).id)" }
            return try await tx.rows(
                """
                SELECT l.*, i.key AS issue_key FROM leases l JOIN issues i ON i.id = l.issue_id
                WHERE l.released_at IS NULL\(filter) ORDER BY i.project_id, i.number
                """
            ).map { try SQLRows.lease($0, try $0.issueKey("issue_key")) }
        }
    }

    /// The project's work sent back for more (`in_progress` without an unreleased lease: failed verification,
    /// requested changes, a failed merge), by number, with dependency keys.
    public func sentBackWork(project: ProjectRef) async throws -> [Issue] {
        try await read { tx in
            let rows = try await tx.rows(
                """
                SELECT \(raw: SQLRows.issueColumns) FROM issues
                WHERE project_id = \(try await projectID(tx, project)) AND status = 'in_progress'
                    AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.issue_id = issues.id AND l.released_at IS NULL)
                ORDER BY number
                """)
            return try await withDependencyKeys(tx, try rows.map(SQLRows.issue))
        }
    }

    /// The issue's unreleased lease, expired or not.
    public func currentLease(of ref: IssueRef) async throws -> Lease? {
        try await read { tx in try await currentLease(tx, try await fetchIssue(tx, ref)) }
    }

    /// Extends the live lease named by `epoch` to `ttl` from now; see
    /// ``TurboStore/renewLease(on:agent:epoch:ttl:progress:percent:)``.
    public func renewLease(
        on ref: IssueRef, agent: String?, epoch: Int, ttl: Duration, progress: String?, percent: Int?
    ) async throws -> Lease {
        try await write { tx in
            let issue = try await fetchIssue(tx, ref, lock: true)
            let now = try await tx.now()
            var lease = try await checkedLease(tx, issue, agent: agent, epoch: epoch)
            lease.heartbeatAt = now
            lease.expiresAt = now.addingTimeInterval(ttl.timeInterval)
            try await tx.execute(
                "UPDATE leases SET heartbeat_at = \(now), expires_at = \(lease.expiresAt) WHERE id = \(lease.id)")
            if let progress { try await tx.appendEvents([.progress(lease, message: progress, percent: percent)]) }
            return lease
        }
    }

    /// Under the live lease: `assigned` → `in_progress` and a work log with the worktree.
    public func startLeasedWork(
        on ref: IssueRef, agent: String?, epoch: Int, worktreePath: String?, branch: String?
    ) async throws -> (issue: Issue, log: WorkLog) {
        try await write { tx in
            let issue = try await fetchIssue(tx, ref, lock: true)
            let lease = try await checkedLease(tx, issue, agent: agent, epoch: epoch)
            let (started, log) = try await startWork(
                tx, issue, actor: lease.holderActor, worktreePath: worktreePath, branch: branch)
            return (try await withDependencyKeys(tx, [started])[0], log)
        }
    }

    /// Under a lease the transaction has checked: `assigned` → `in_progress`, the work log, and their events.
    /// `rowStatus` is the row's status when the move to `assigned` was made in memory (``leaseReady``); with
    /// `openLogChecked` the caller has read that no work log is open.
    func startWork(
        _ tx: any SQLTransaction, _ issue: Issue, actor: String, worktreePath: String?, branch: String?,
        rowStatus: IssueStatus? = nil, openLogChecked: Bool = false
    ) async throws -> (issue: Issue, log: WorkLog) {
        let started = try await move(tx, issue, to: .inProgress, reason: nil, rowStatus: rowStatus)
        let log = try await insertWorkLog(
            tx, started, try NewWorkLog(startedBy: actor, worktreePath: worktreePath, branchName: branch).validated(),
            openLogChecked: openLogChecked)
        try await tx.appendEvents([
            .transition(started, from: issue.status, actor: actor), .workLog(.workLogStarted, log),
        ])
        return (started, log)
    }

    /// Under the live lease: moves the issue to `status`, ends the work log, adds `comment`, releases the lease.
    public func finishLease(
        on ref: IssueRef, agent: String?, epoch: Int, status: IssueStatus, end: WorkLogEnd, comment: String?,
        reason: String
    ) async throws -> (issue: Issue, lease: Lease) {
        try await write { tx in
            let issue = try await fetchIssue(tx, ref, lock: true)
            let lease = try await checkedLease(tx, issue, agent: agent, epoch: epoch)
            let actor = lease.holderActor
            var events: [EventDraft] = []
            let moved = try await move(tx, issue, to: status, reason: nil)
            if status == .open {
                events.append(.blocked(moved, from: issue.status, actor: actor, reason: comment ?? reason))
            } else {
                events.append(.transition(moved, from: issue.status, actor: actor))
            }
            if let log = try await endActiveWorkLog(tx, moved, end) { events.append(.workLog(.workLogEnded, log)) }
            if let comment {
                events.append(.commentAdded(try await insertComment(tx, moved, author: actor, body: comment)))
            }
            let released = try await release(tx, lease, reason: reason)
            events.append(.lease(.leaseReleased, released))
            try await tx.appendEvents(events)
            return (try await withDependencyKeys(tx, [moved])[0], released)
        }
    }

    /// Gives work that came back (`in_progress` without a live lease) to `agent` again; see
    /// ``TurboStore/resumeLeasedWork(on:agent:ttl:worktreePath:branch:)``.
    public func resumeLeasedWork(
        on ref: IssueRef, agent: String, ttl: Duration, worktreePath: String?, branch: String?
    ) async throws -> (issue: Issue, lease: Lease, log: WorkLog) {
        try await write { tx in
            var issue = try await fetchIssue(tx, ref, lock: true)
            guard issue.status == .inProgress else {
                throw TurboError.conflictingState(
                    "\(issue.key) is \(issue.status); only work sent back (in_progress, no lease) can be resumed")
            }
            let now = try await tx.now()
            if let current = try await currentLease(tx, issue) {
                guard current.expiresAt <= now else {
                    throw TurboError.conflictingState(
                        "\(issue.key) is leased to \(current.agentID) (epoch \(current.epoch))")
                }
                _ = try await release(tx, current, reason: "expired")
            }
            let lease = try await insertLease(tx, issue, agent: agent, ttl: ttl)
            issue.assignedTo = agent
            issue.updatedAt = now
            try await tx.execute("UPDATE issues SET assigned_to = \(agent), updated_at = \(now) WHERE id = \(issue.id)")
            let log = try await insertWorkLog(
                tx, issue,
                try NewWorkLog(startedBy: lease.holderActor, worktreePath: worktreePath, branchName: branch)
                    .validated())
            try await tx.appendEvents([.lease(.leaseAcquired, lease), .workLog(.workLogStarted, log)])
            return (try await withDependencyKeys(tx, [issue])[0], lease, log)
        }
    }

    /// Adds an agent run's token counts and cost to a work log, ended or not.
    public func addUsage(toWorkLog id: UUID, inputTokens: Int, outputTokens: Int, costUSD: Double?) async throws {
        // No cost leaves the column as it is (NULL stays NULL).
        let cost: SQL = if let costUSD { ", cost_usd = COALESCE(cost_usd, 0) + \(costUSD)" } else { "" }
        try await write { tx in
            try await tx.execute(
                """
                UPDATE work_logs SET input_tokens = COALESCE(input_tokens, 0) + \(inputTokens),
                    output_tokens = COALESCE(output_tokens, 0) + \(outputTokens)\(cost)
                WHERE id = \(id)
                """)
        }
    }

    /// The issue's newest lease, released or not: its unreleased one when it has one (a live lease has the highest
    /// epoch), and the epoch a new lease follows.
    func latestLease(_ tx: any SQLTransaction, _ issue: Issue) async throws -> Lease? {
        try await tx.row("SELECT * FROM leases WHERE issue_id = \(issue.id) ORDER BY epoch DESC LIMIT 1").map {
            try SQLRows.lease($0, issue.key)
        }
    }

    /// The issue's unreleased lease, expired or not.
    func currentLease(_ tx: any SQLTransaction, _ issue: Issue) async throws -> Lease? {
        try await tx.row("SELECT * FROM leases WHERE issue_id = \(issue.id) AND released_at IS NULL").map {
            try SQLRows.lease($0, issue.key)
        }
    }

    /// The live lease, checked against the writer's agent and epoch at the transaction's clock.
    func checkedLease(_ tx: any SQLTransaction, _ issue: Issue, agent: String?, epoch: Int) async throws -> Lease {
        guard let lease = try await currentLease(tx, issue) else {
            throw TurboError.staleLease(
                issue: issue.key.description, reason: "there is no live lease (epoch \(epoch) was released)")
        }
        let now = try await tx.now()
        try lease.check(agent: agent, epoch: epoch, now: now)
        return lease
    }

    /// Releases `lease` at the transaction's clock, inside the caller's transaction (which holds the issue's row
    /// lock on PostgreSQL).
    func release(_ tx: any SQLTransaction, _ lease: Lease, reason: String) async throws -> Lease {
        let now = try await tx.now()
        var lease = lease
        lease.releasedAt = now
        lease.releaseReason = reason
        try await tx.execute(
            "UPDATE leases SET released_at = \(now), release_reason = \(reason) WHERE id = \(lease.id)")
        return lease
    }
}

extension SQLRows {
    /// A `leases` row of the issue `key`.
    public static func lease(_ row: any SQLRow, _ key: IssueKey) throws -> Lease {
        Lease(
            id: try row.uuid("id"), issueID: try row.uuid("issue_id"), issueKey: key,
            agentID: try row.string("agent_id"), epoch: try row.int("epoch"), acquiredAt: try row.date("acquired_at"),
            heartbeatAt: try row.date("heartbeat_at"), expiresAt: try row.date("expires_at"),
            releasedAt: try row.optionalDate("released_at"), releaseReason: try row.optionalString("release_reason"))
    }
}
