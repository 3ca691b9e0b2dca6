import Foundation
public import TurboCore

// Claims that read the next issue from an index instead of ranking the whole queue.
//
// Every issue keeps `open_blockers` (its blockers not closed as done or merged), `blocks_open` (the issues it blocks
// that are not closed) and the two time-free forms of its score (DESIGN §4): `score_static` = priority weight + 20
// (no open blocker) + 5 × `blocks_open`, and `score_base` = `score_static` − 0.5 × (creation time in days). The
// transactions that change a status, an edge or a priority recount them for the issues they touch. A ready issue
// with no open blocker is claimable; its score at `now` is `score_static` + min(age in days × 0.5, 20), so:
// - among issues younger than 40 days (age part below its cap) the order by score is the order by `score_base`,
//   which does not change with time;
// - among older ones it is the order by `score_static`.
// A claim reads the head of each of those two index ranges (and of the manually ranked ones, which go first), merges
// them by the exact score, and takes the first issue the agent can do: one short transaction, O(log n).
extension SQLStore {
    /// Recounts `open_blockers` of the issues matching `condition` (an SQL condition on `issues`).
    func recountOpenBlockers(_ tx: any SQLTransaction, where condition: SQL) async throws {
        try await tx.execute(
            """
            UPDATE issues SET open_blockers = (
                SELECT COUNT(*) FROM dependencies d JOIN issues b ON b.id = d.blocker_id
                WHERE d.blocked_id = issues.id AND NOT (b.status = 'closed' AND b.closed_reason IN ('done', 'merged'))
            ) WHERE \(condition)
            """)
    }

    /// Recounts `blocks_open` and the score columns of the issues matching `condition`: one count per row, the three
    /// columns set together (a row value, which both engines accept).
    func recountBlocksOpen(_ tx: any SQLTransaction, where condition: SQL) async throws {
        let weight = ClaimStream.weightSQL
        try await tx.execute(
            """
            UPDATE issues SET (blocks_open, score_static, score_base) = (
                SELECT n, (\(raw: weight)) + 20 + 5 * n,
                    (\(raw: weight)) + 20 + 5 * n - 0.5 * \(raw: tx.dialect.epochSeconds("created_at")) / 86400.0
                FROM (
                    SELECT COUNT(*) AS n FROM dependencies d JOIN issues c ON c.id = d.blocked_id
                    WHERE d.blocker_id = issues.id AND c.status <> 'closed'
                ) counted
            ) WHERE \(condition)
            """)
    }

    /// After an edge `blocker` → `blocked` was added or removed.
    func recountEdge(_ tx: any SQLTransaction, blocker: UUID, blocked: UUID) async throws {
        try await recountOpenBlockers(tx, where: "id = \(blocked)")
        try await recountBlocksOpen(tx, where: "id = \(blocker)")
    }

    /// After `issue` entered or left `closed`: the issues it blocks may have lost or gained an open blocker, the
    /// issues blocking it an open dependent.
    func recountAround(_ tx: any SQLTransaction, _ issue: UUID) async throws {
        try await recountOpenBlockers(
            tx, where: "id IN (SELECT blocked_id FROM dependencies WHERE blocker_id = \(issue))")
        try await recountBlocksOpen(
            tx, where: "id IN (SELECT blocker_id FROM dependencies WHERE blocked_id = \(issue))")
    }

    /// Leases the first claimable issue in queue order that the claimer can take; see ``TurboStore/claimNext(_:)``.
    ///
    /// On PostgreSQL the facts read with a candidate (its newest lease epoch, whether a lease or a work log is open)
    /// come from the snapshot its statement began with, while the row comes locked in its newest version. An issue
    /// claimed and given back between the two (within that one statement) would then get an epoch that is taken,
    /// or a second open lease or work log: the unique indexes refuse it, and the claim runs once more on fresh reads.
    /// The other facts may be as stale without a refusal, harmlessly: the dependency keys in the answer (shown, not
    /// acted on), and a remote claim's branch, which only work started on a ready issue without a claim changes.
    public func claimNext(_ request: ClaimRequest) async throws -> Claimed? {
        var attempt = 1
        while true {
            do {
                return try await claimOnce(request)
            } catch let error as TurboError
                where attempt < 3
                && ["leases_issue_id_epoch_key", "leases_one_live_per_issue", "work_logs_one_active"].contains(
                    where: error.isUniqueViolation)
            {
                attempt += 1
            }
        }
    }

    private func claimOnce(_ request: ClaimRequest) async throws -> Claimed? {
        let skipIssuesWithWorktree = request.remote != nil
        return try await write { tx in
            let projects: [UUID] =
                if let project = request.project {
                    [try await projectID(tx, project)]
                } else {
                    try await tx.rows("SELECT id FROM projects ORDER BY key").map { try $0.uuid("id") }
                }
            let now = try await tx.now()
            // The paths in flight per project (paths are relative to a project's repository), read when needed.
            var inFlight: [UUID: [[PathGlob.Pattern]]] = [:]
            var streams = projects.flatMap { project in
                ClaimStream.Order.allCases.map {
                    ClaimStream(project: project, order: $0, skipWorktrees: skipIssuesWithWorktree, now: now)
                }
            }
            try await ClaimStream.readHeads(&streams, tx)
            while let candidate = try await Self.nextCandidate(&streams, tx) {
                guard let agent = request.taker(of: candidate.issue) else { continue }
                if !candidate.paths.isEmpty {
                    if inFlight[candidate.project] == nil {
                        // Serializes the claims of issues with paths (PostgreSQL; taking it again is a no-op), then
                        // reads what is in flight after the previous such claim committed.
                        try await tx.lock(.claimPaths)
                        inFlight[candidate.project] = try await tx.rows(
                            """
                            SELECT paths FROM issues
                            WHERE project_id = \(candidate.project)
                                AND status IN ('assigned', 'in_progress', 'testing', 'review')
                                AND \(raw: tx.dialect.listIsNotEmpty("paths"))
                            """
                        ).map { try $0.strings("paths").map(PathGlob.Pattern.init) }
                    }
                    let ours = candidate.paths.map(PathGlob.Pattern.init)
                    if inFlight[candidate.project, default: []].contains(where: { PathGlob.anyOverlap(ours, $0) != nil }
                    ) {
                        continue
                    }
                }
                var assigned: Issue
                let lease: Lease
                do {
                    // Remote work goes on to `in_progress` in the same transaction: the row is written once.
                    (assigned, lease) = try await leaseReady(
                        tx, candidate.issue, agent: agent, ttl: request.ttl, leases: candidate.leases,
                        writeStatus: request.remote == nil)
                } catch TurboError.conflictingState {
                    // A ready issue that still has a live lease (left by a crash or a hand edit) is refused before
                    // any write, so the transaction goes on: the next candidate is claimed instead of none, for every
                    // claimer, until the lease expires.
                    continue
                }
                if !candidate.hasDependencyKeys { assigned = try await withDependencyKeys(tx, [assigned])[0] }
                guard let remote = request.remote else { return Claimed(issue: assigned, lease: lease) }
                return try await startRemoteWork(tx, assigned, lease: lease, remote, candidate.workLogs)
            }
            return nil
        }
    }

    /// Remote work started with its claim: `in_progress` (the row still `ready`: ``leaseReady`` moved it to
    /// `assigned` in memory only) and a work log with the worker's location and the branch. `logs` is what the claim
    /// read of the issue's work logs with it (read here otherwise).
    private func startRemoteWork(
        _ tx: any SQLTransaction, _ issue: Issue, lease: Lease, _ remote: ClaimRequest.RemoteWork,
        _ logs: ClaimCandidate.WorkLogFacts?
    ) async throws -> Claimed {
        let recorded =
            if let logs {
                logs.recordedBranch
            } else {
                try await tx.row(
                    """
                    SELECT branch_name FROM work_logs WHERE issue_id = \(issue.id) AND branch_name IS NOT NULL
                    ORDER BY started_at DESC LIMIT 1
                    """)?.optionalString("branch_name")
            }
        let branch = try remote.branch(issue, recorded)
        let (started, log) = try await startWork(
            tx, issue, actor: lease.holderActor, worktreePath: remote.location, branch: branch, rowStatus: .ready,
            openLogChecked: logs.map { !$0.hasOpenLog } ?? false)
        return Claimed(issue: started, lease: lease, log: log, branch: branch)
    }

    /// The next candidate over all streams, by queue order: ranked ones first, then the highest score at the
    /// streams' `now`, then older, then key.
    private static func nextCandidate(
        _ streams: inout [ClaimStream], _ tx: any SQLTransaction
    ) async throws -> ClaimCandidate? {
        var best: Int?
        for index in streams.indices {
            guard let head = try await streams[index].head(tx) else { continue }
            if let current = best, let other = try await streams[current].head(tx), !(head.sortKey < other.sortKey) {
                continue
            }
            best = index
        }
        guard let best else { return nil }
        return streams[best].pop()
    }

    /// Leases `issue` (ready, no open blocker) to `agent`: releases an expired lease left on it, runs `check` once
    /// the issue is known to be ready, inserts the lease, moves the issue to `assigned` and writes the events. Inside
    /// a transaction that holds the issue's row. `leases` is what the caller read of the issue's leases with the
    /// issue (they are read here otherwise); without `writeStatus` the move to `assigned` is made in memory only, for
    /// a caller that writes the row's next status in the same transaction. The issue's dependency keys are as given.
    func leaseReady(
        _ tx: any SQLTransaction, _ issue: Issue, agent: String, ttl: Duration,
        leases: ClaimCandidate.LeaseFacts? = nil,
        writeStatus: Bool = true, check: (any SQLTransaction, Issue) async throws -> Void = { _, _ in }
    ) async throws -> (issue: Issue, lease: Lease) {
        let now = try await tx.now()
        var events: [EventDraft] = []
        let epoch: Int
        if let leases, !leases.hasUnreleased {
            epoch = leases.newestEpoch + 1
        } else {
            let latest = try await latestLease(tx, issue)
            if let current = latest, current.releasedAt == nil {
                guard current.expiresAt <= now else {
                    throw TurboError.conflictingState(
                        "\(issue.key) is leased to \(current.agentID) (epoch \(current.epoch))")
                }
                events.append(.lease(.leaseReleased, try await release(tx, current, reason: "expired")))
            }
            epoch = (latest?.epoch ?? 0) + 1
        }
        guard issue.status == .ready else {
            throw TurboError.conflictingState("\(issue.key) is \(issue.status); only a ready issue can be claimed")
        }
        try await check(tx, issue)
        let lease = try await insertLease(tx, issue, agent: agent, ttl: ttl, epoch: epoch)
        // The assignee goes in with the status, in one UPDATE (`move` writes `assigned_to`).
        var assigned = issue
        assigned.assignedTo = agent
        if writeStatus {
            assigned = try await move(tx, assigned, to: .assigned, reason: nil)
        } else {
            try IssueTransition.apply(to: &assigned, status: .assigned, reason: nil, now: now)
        }
        events += [.transition(assigned, from: .ready, actor: lease.holderActor), .lease(.leaseAcquired, lease)]
        try await tx.appendEvents(events)
        return (assigned, lease)
    }
}

/// A claimable issue as a claim reads it (the whole row: on PostgreSQL the read locked it), with its queue place and,
/// read with a stream's head, its dependency keys and what the claim's writes need to know of its leases and work
/// logs.
struct ClaimCandidate {
    /// The issue's leases, read with it.
    struct LeaseFacts {
        /// The newest lease's epoch (0 for none): a new lease takes the next.
        var newestEpoch: Int
        /// Whether a lease is unreleased (live, or expired and not yet released): then it is read whole.
        var hasUnreleased: Bool
    }

    /// The issue's work logs, read with it for a remote claim, which starts work.
    struct WorkLogFacts {
        /// The branch its newest work log recorded.
        var recordedBranch: String?
        /// Whether a work log is still open (starting work then fails).
        var hasOpenLog: Bool
    }

    var issue: Issue
    /// Whether `issue` has its dependency keys.
    var hasDependencyKeys: Bool
    /// Nil when not read with the issue.
    var leases: LeaseFacts?
    /// Nil when not read with the issue (or not asked for: only a remote claim starts work).
    var workLogs: WorkLogFacts?
    var project: UUID { issue.projectID }
    var capabilities: [String] { issue.capabilities }
    var paths: [String] { issue.paths }
    /// Its place in the queue, by the queue's own order (``WorkQueue/SortKey``).
    var sortKey: WorkQueue.SortKey
}

/// One index range of claimable issues of a project, read a page at a time in its own order.
struct ClaimStream {
    enum Order: CaseIterable {
        /// Manually ranked issues, by rank.
        case ranked
        /// Unranked issues younger than the age cap, by `score_base`.
        case young
        /// Unranked issues at the age cap, by `score_static`.
        case old
    }

    /// The second page's size; each later page is as long as all before it (at most ``maxPageSize``), so a claimer
    /// that passes over many issues (capabilities nobody in a pool has) reads them in a few statements, not one per
    /// eight.
    static let pageSize = 8
    static let maxPageSize = 256
    /// The priority weight as SQL, from ``IssuePriority/weight``.
    static let weightSQL: String =
        "CASE priority "
        + IssuePriority.allCases.map { "WHEN '\($0.rawValue)' THEN \($0.weight)" }.joined(separator: " ")
        + " ELSE 0 END"
    /// Days after which the age part of the score stops growing (0.5 a day, at most 20).
    static let ageCapDays = 40.0

    let project: UUID
    let order: Order
    let skipWorktrees: Bool
    let now: Date
    private var buffer: [ClaimCandidate] = []
    private var offset = 0
    private var exhausted = false

    init(project: UUID, order: Order, skipWorktrees: Bool, now: Date) {
        self.project = project
        self.order = order
        self.skipWorktrees = skipWorktrees
        self.now = now
    }

    /// The stream's next candidate, reading the next page when the buffer is empty.
    mutating func head(_ tx: any SQLTransaction) async throws -> ClaimCandidate? {
        if buffer.isEmpty, !exhausted {
            let limit = offset == 0 ? 1 : min(max(offset, Self.pageSize), Self.maxPageSize)
            try take(try await tx.rows(page(tx, limit: limit)), limit: limit)
        }
        return buffer.first
    }

    mutating func pop() -> ClaimCandidate? { buffer.isEmpty ? nil : buffer.removeFirst() }

    /// Reads the head of every stream in one statement. A first page is one row: most claims take a stream's head,
    /// and on PostgreSQL each row read is locked until the claim commits (the others skip it), so a claim locks at
    /// most one row per stream unless the agent cannot take the heads.
    static func readHeads(_ streams: inout [ClaimStream], _ tx: any SQLTransaction) async throws {
        let pending = streams.indices.filter { streams[$0].offset == 0 && !streams[$0].exhausted }
        guard !pending.isEmpty else { return }
        let union = SQL.joined(
            pending.map { streams[$0].page(tx, limit: 1, stream: $0, facts: true) }, separator: " UNION ALL ")
        let rows = try await tx.rows(union)
        var byStream: [Int: [any SQLRow]] = [:]
        for row in rows { byStream[try row.int("stream"), default: []].append(row) }
        for index in pending { try streams[index].take(byStream[index] ?? [], limit: 1, facts: true) }
    }

    /// The statement reading the stream's next `limit` candidates, each row tagged with `stream`.
    ///
    /// With `facts` (a head: most claims take one) the rows come with their dependency keys and what the claim's
    /// writes need of their leases and work logs, so that taking one needs no read of its own. The rows are picked
    /// (and on PostgreSQL locked, passing over rows other claims hold) in a subquery that reads only `issues`, and
    /// the facts are read by the outer query, each by an index, for the picked rows only: read in the subquery they
    /// would be read for every row passed over too. Later pages (a claimer passing over issues it cannot take, up to
    /// 256 rows) are read without them, and a candidate taken from one reads its own.
    private func page(_ tx: any SQLTransaction, limit: Int, stream: Int = 0, facts: Bool = false) -> SQL {
        let cutoff = now.addingTimeInterval(-Self.ageCapDays * 86_400)
        let range: SQL
        let ordering: String
        switch order {
        case .ranked:
            range = "AND work_rank IS NOT NULL"
            ordering = "work_rank, score_base DESC, created_at, number"
        case .young:
            range = "AND work_rank IS NULL AND \(raw: tx.dialect.unindexed("created_at")) >= \(cutoff)"
            ordering = "score_base DESC, created_at, number"
        case .old:
            // Most often no claimable issue is that old: the oldest one's age, read from the age index once
            // (uncorrelated, so both engines evaluate it before the scan), skips the walk of the whole score index.
            range = """
                AND work_rank IS NULL AND created_at < \(cutoff) AND (
                    SELECT MIN(created_at) FROM issues
                    WHERE project_id = \(project) AND status = 'ready' AND open_blockers = 0 AND work_rank IS NULL
                ) < \(cutoff)
                """
            ordering = "score_static DESC, created_at, number"
        }
        let worktrees: SQL =
            skipWorktrees
            ? " AND NOT EXISTS (SELECT 1 FROM worktrees w WHERE w.issue_id = issues.id AND w.removed_at IS NULL)" : ""
        let picked: SQL = """
            SELECT \(raw: SQLRows.issueColumns), score_static,
                \(raw: tx.dialect.epochSeconds("created_at")) AS created_epoch, \(raw: String(stream)) AS stream
            FROM issues
            WHERE project_id = \(project) AND status = 'ready' AND open_blockers = 0 \(range)\(worktrees)
            ORDER BY \(raw: ordering)
            \(window(limit))\(raw: tx.dialect.skipLocked)
            """
        guard facts else { return picked }
        let workLogs =
            skipWorktrees
            ? """
            , (SELECT branch_name FROM work_logs w WHERE w.issue_id = s.id AND w.branch_name IS NOT NULL
                ORDER BY w.started_at DESC LIMIT 1) AS recorded_branch,
            EXISTS (SELECT 1 FROM work_logs w WHERE w.issue_id = s.id AND w.ended_at IS NULL) AS open_log
            """ : ""
        return """
            SELECT s.*, \(raw: SQLRows.dependencyKeyColumns(tx.dialect, of: "s")),
                (SELECT COALESCE(MAX(epoch), 0) FROM leases l WHERE l.issue_id = s.id) AS newest_epoch,
                EXISTS (SELECT 1 FROM leases l WHERE l.issue_id = s.id AND l.released_at IS NULL) AS lease_open
                \(raw: workLogs)
            FROM (\(picked)) AS s
            """
    }

    /// `LIMIT` and `OFFSET`: the first page's written out, so that its statement has one text and a prepared plan
    /// made without the values (PostgreSQL's generic plan) still knows it reads one row, walking the claim index
    /// rather than sorting every ready issue; later pages' bound.
    private func window(_ limit: Int) -> SQL {
        offset == 0 && limit == 1 ? "LIMIT 1 OFFSET 0" : "LIMIT \(limit) OFFSET \(offset)"
    }

    /// Buffers a page read with `limit`, with ``page(_:limit:stream:facts:)``'s `facts` or without.
    private mutating func take(_ rows: [any SQLRow], limit: Int, facts: Bool = false) throws {
        offset += rows.count
        exhausted = rows.count < limit
        let nowEpoch = now.timeIntervalSince1970
        for row in rows { buffer.append(try candidate(row, nowEpoch: nowEpoch, facts: facts)) }
    }

    private func candidate(_ row: any SQLRow, nowEpoch: TimeInterval, facts: Bool) throws -> ClaimCandidate {
        let created = try row.double("created_epoch")
        let age = max(0, nowEpoch - created) / 86_400
        let score = try row.double("score_static") + min(age * 0.5, 20)
        let issue = facts ? try SQLRows.issueWithDependencyKeys(row) : try SQLRows.issue(row)
        return ClaimCandidate(
            issue: issue, hasDependencyKeys: facts,
            leases: facts
                ? ClaimCandidate.LeaseFacts(
                    newestEpoch: try row.int("newest_epoch"), hasUnreleased: try row.bool("lease_open")) : nil,
            workLogs: facts && skipWorktrees
                ? ClaimCandidate.WorkLogFacts(
                    recordedBranch: try row.optionalString("recorded_branch"), hasOpenLog: try row.bool("open_log"))
                : nil,
            sortKey: WorkQueue.SortKey(
                eligible: true, rank: try row.optionalInt("work_rank"), score: score,
                createdAt: Date(timeIntervalSince1970: created), key: issue.key))
    }
}
