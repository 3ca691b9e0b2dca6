import Foundation
import Logging
import PostgresNIO
public import TurboCore

extension PostgresStore {
    public func acquireLease(on ref: IssueRef, agent: String, ttl: Duration) async throws -> (
        issue: Issue, lease: Lease
    ) {
        do {
            return try await claimLease(on: ref, agent: agent, ttl: ttl)
        } catch TurboError.storage(let message)
            where message.contains("leases_one_live_per_issue") || message.contains("leases_issue_id_epoch_key")
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
        try await transaction { conn in
            // The row lock makes a concurrent claim of the same issue wait, then see this lease and fail.
            let issue = try await fetchIssue(conn, ref, lock: true)
            let now = try await conn.now(logger)
            var events: [EventDraft] = []
            if let current = try await currentLease(conn, issue) {
                guard current.expiresAt <= now else {
                    throw TurboError.conflictingState(
                        "\(issue.key) is leased to \(current.agentID) (epoch \(current.epoch))")
                }
                events.append(.lease(.leaseReleased, try await release(conn, current, reason: "expired", now: now)))
            }
            guard issue.status == .ready else {
                throw TurboError.conflictingState("\(issue.key) is \(issue.status); only a ready issue can be claimed")
            }
            var waiting: [String] = []
            for try await key in try await conn.query(
                """
                SELECT b.key FROM dependencies d JOIN issues b ON b.id = d.blocker_id
                WHERE d.blocked_id = \(issue.id) AND NOT (b.status = 'closed' AND b.closed_reason IN ('done', 'merged'))
                ORDER BY b.number
                """, logger: logger
            ).decode(String.self) {
                waiting.append(key)
            }
            guard waiting.isEmpty else {
                throw TurboError.conflictingState(
                    "\(issue.key) waits for \(waiting.joined(separator: ", ")) to be finished")
            }
            let lease = try await insertLease(conn, issue, agent: agent, ttl: ttl, now: now)
            // The assignee goes in with the status, in one UPDATE (`move` writes `assigned_to`).
            var claimed = issue
            claimed.assignedTo = agent
            let assigned = try await move(conn, claimed, to: .assigned, reason: nil, now: now)
            events += [.transition(assigned, from: .ready, actor: lease.holderActor), .lease(.leaseAcquired, lease)]
            try await appendEvents(conn, events, now: now)
            return (try await withDependencyKeys(conn, [assigned])[0], lease)
        }
    }

    /// A new lease for `agent`, its epoch one more than the issue's last.
    func insertLease(_ conn: PostgresConnection, _ issue: Issue, agent: String, ttl: Duration, now: Date)
        async throws -> Lease
    {
        let epoch =
            try await conn.first(
                "SELECT COALESCE(MAX(epoch), 0) + 1 FROM leases WHERE issue_id = \(issue.id)", as: Int.self, logger)
            ?? 1
        let lease = Lease(
            id: UUID(), issueID: issue.id, issueKey: issue.key, agentID: agent, epoch: epoch, acquiredAt: now,
            heartbeatAt: now, expiresAt: now.addingTimeInterval(ttl.timeInterval))
        try await conn.query(
            """
            INSERT INTO leases (id, issue_id, agent_id, epoch, acquired_at, heartbeat_at, expires_at)
            VALUES (\(lease.id), \(issue.id), \(agent), \(epoch), \(now), \(now), \(lease.expiresAt))
            """, logger: logger)
        return lease
    }

    public func currentLease(of ref: IssueRef) async throws -> Lease? {
        try await connection { conn in try await currentLease(conn, try await fetchIssue(conn, ref)) }
    }

    public func renewLease(
        on ref: IssueRef, agent: String?, epoch: Int, ttl: Duration, progress: String?, percent: Int?
    ) async throws -> Lease {
        try await transaction { conn in
            let issue = try await fetchIssue(conn, ref, lock: true)
            let now = try await conn.now(logger)
            var lease = try await checkedLease(conn, issue, agent: agent, epoch: epoch, now: now)
            lease.heartbeatAt = now
            lease.expiresAt = now.addingTimeInterval(ttl.timeInterval)
            try await conn.query(
                "UPDATE leases SET heartbeat_at = \(now), expires_at = \(lease.expiresAt) WHERE id = \(lease.id)",
                logger: logger)
            if let progress {
                try await appendEvents(conn, [.progress(lease, message: progress, percent: percent)], now: now)
            }
            return lease
        }
    }

    public func startLeasedWork(
        on ref: IssueRef, agent: String?, epoch: Int, worktreePath: String?, branch: String?
    ) async throws -> (issue: Issue, log: WorkLog) {
        try await transaction { conn in
            let issue = try await fetchIssue(conn, ref, lock: true)
            let now = try await conn.now(logger)
            let lease = try await checkedLease(conn, issue, agent: agent, epoch: epoch, now: now)
            let actor = lease.holderActor
            let started = try await move(conn, issue, to: .inProgress, reason: nil, now: now)
            let log = try await insertWorkLog(
                conn, started,
                try NewWorkLog(startedBy: actor, worktreePath: worktreePath, branchName: branch).validated(), now: now)
            try await appendEvents(
                conn,
                [.transition(started, from: issue.status, actor: actor), .workLog(.workLogStarted, log)],
                now: now)
            return (try await withDependencyKeys(conn, [started])[0], log)
        }
    }

    public func finishLease(
        on ref: IssueRef, agent: String?, epoch: Int, status: IssueStatus, end: WorkLogEnd, comment: String?,
        reason: String
    ) async throws -> (issue: Issue, lease: Lease) {
        try await transaction { conn in
            let issue = try await fetchIssue(conn, ref, lock: true)
            let now = try await conn.now(logger)
            let lease = try await checkedLease(conn, issue, agent: agent, epoch: epoch, now: now)
            let actor = lease.holderActor
            var events: [EventDraft] = []
            let moved = try await move(conn, issue, to: status, reason: nil, now: now)
            if status == .open {
                events.append(.blocked(moved, from: issue.status, actor: actor, reason: comment ?? reason))
            } else {
                events.append(.transition(moved, from: issue.status, actor: actor))
            }
            if let log = try await endActiveWorkLog(conn, moved, end, now: now) {
                events.append(.workLog(.workLogEnded, log))
            }
            if let comment {
                events.append(
                    .commentAdded(try await insertComment(conn, moved, author: actor, body: comment, now: now)))
            }
            let released = try await release(conn, lease, reason: reason, now: now)
            events.append(.lease(.leaseReleased, released))
            try await appendEvents(conn, events, now: now)
            return (try await withDependencyKeys(conn, [moved])[0], released)
        }
    }

    public func expireLeases() async throws -> [Lease] {
        // Candidates first, then one transaction per issue under its row lock, re-checked there: a heartbeat that
        // lands in between keeps its lease.
        let candidates = try await Self.translating {
            try await client.query(
                "SELECT issue_id FROM leases WHERE released_at IS NULL AND expires_at <= now()", logger: logger
            ).collect().map { try $0.decode(UUID.self) }
        }
        var released: [Lease] = []
        for issueID in candidates {
            let lease: Lease? = try await transaction { conn in
                let issue = try await fetchIssue(conn, .id(issueID), lock: true)
                let now = try await conn.now(logger)
                guard let lease = try await currentLease(conn, issue), lease.expiresAt <= now else { return nil }
                var events: [EventDraft] = []
                if issue.status == .assigned || issue.status == .inProgress {
                    let moved = try await move(conn, issue, to: .ready, reason: nil, now: now)
                    events.append(.transition(moved, from: issue.status, actor: nil))
                    if let log = try await endActiveWorkLog(conn, moved, WorkLogEnd(outcome: .expired), now: now) {
                        events.append(.workLog(.workLogEnded, log))
                    }
                }
                let ended = try await release(conn, lease, reason: "expired", now: now)
                events.append(.lease(.leaseReleased, ended))
                try await appendEvents(conn, events, now: now)
                return ended
            }
            if let lease { released.append(lease) }
        }
        return released
    }

    /// Ends the work on an issue that left its leased states: ends the active work log and releases the lease.
    func endLeasedWork(_ conn: PostgresConnection, _ issue: Issue, outcome: WorkOutcome, reason: String, now: Date)
        async throws -> [EventDraft]
    {
        var events: [EventDraft] = []
        if let log = try await endActiveWorkLog(conn, issue, WorkLogEnd(outcome: outcome), now: now) {
            events.append(.workLog(.workLogEnded, log))
        }
        if let lease = try await currentLease(conn, issue) {
            events.append(.lease(.leaseReleased, try await release(conn, lease, reason: reason, now: now)))
        }
        return events
    }

    /// The issue's unreleased lease, expired or not.
    func currentLease(_ conn: PostgresConnection, _ issue: Issue) async throws -> Lease? {
        try await conn.query(
            "SELECT * FROM leases WHERE issue_id = \(issue.id) AND released_at IS NULL", logger: logger
        ).collect().first.map { try Self.lease($0, issue.key) }
    }

    /// The live lease, checked against the writer's agent and epoch at `now` (the database clock).
    func checkedLease(_ conn: PostgresConnection, _ issue: Issue, agent: String?, epoch: Int, now: Date) async throws
        -> Lease
    {
        guard let lease = try await currentLease(conn, issue) else {
            throw TurboError.staleLease(
                issue: issue.key.description, reason: "there is no live lease (epoch \(epoch) was released)")
        }
        try lease.check(agent: agent, epoch: epoch, now: now)
        return lease
    }

    /// Releases `lease` inside the caller's transaction, which holds the issue's row lock.
    func release(_ conn: PostgresConnection, _ lease: Lease, reason: String, now: Date) async throws -> Lease {
        var lease = lease
        lease.releasedAt = now
        lease.releaseReason = reason
        try await conn.query(
            "UPDATE leases SET released_at = \(now), release_reason = \(reason) WHERE id = \(lease.id)",
            logger: logger)
        return lease
    }

    static func lease(_ row: PostgresRow, _ key: IssueKey) throws -> Lease {
        let cells = row.makeRandomAccess()
        return Lease(
            id: try cells["id"].decode(UUID.self), issueID: try cells["issue_id"].decode(UUID.self), issueKey: key,
            agentID: try cells["agent_id"].decode(String.self), epoch: try cells["epoch"].decode(Int.self),
            acquiredAt: try cells["acquired_at"].decode(Date.self),
            heartbeatAt: try cells["heartbeat_at"].decode(Date.self),
            expiresAt: try cells["expires_at"].decode(Date.self),
            releasedAt: try cells["released_at"].decode(Date?.self),
            releaseReason: try cells["release_reason"].decode(String?.self))
    }
}
