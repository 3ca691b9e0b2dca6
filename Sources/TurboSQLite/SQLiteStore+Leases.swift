import Foundation
import GRDB
public import TurboCore

extension SQLiteStore {
    public func acquireLease(on ref: IssueRef, agent: String, ttl: Duration) async throws -> (
        issue: Issue, lease: Lease
    ) {
        try await write { db in
            let issue = try Self.fetchIssue(db, ref)
            let now = Date.storageNow()
            var events: [EventDraft] = []
            if let current = try Self.currentLease(db, issue) {
                guard current.expiresAt <= now else {
                    throw TurboError.conflictingState(
                        "\(issue.key) is leased to \(current.agentID) (epoch \(current.epoch))")
                }
                events.append(.lease(.leaseReleased, try Self.release(db, current, reason: "expired", now: now)))
            }
            guard issue.status == .ready else {
                throw TurboError.conflictingState("\(issue.key) is \(issue.status); only a ready issue can be claimed")
            }
            let waiting = try String.fetchAll(
                db,
                sql: """
                    SELECT b.key FROM dependencies d JOIN issues b ON b.id = d.blocker_id
                    WHERE d.blocked_id = ? AND NOT (b.status = 'closed' AND b.closed_reason IN ('done', 'merged'))
                    ORDER BY b.number
                    """, arguments: [issue.id.lowercasedString])
            guard waiting.isEmpty else {
                throw TurboError.conflictingState(
                    "\(issue.key) waits for \(waiting.joined(separator: ", ")) to be finished")
            }
            let lease = try Self.insertLease(db, issue, agent: agent, ttl: ttl, now: now)
            var assigned = try Self.move(db, issue, to: .assigned, reason: nil)
            assigned.assignedTo = agent
            try db.execute(
                sql: "UPDATE issues SET assigned_to = ? WHERE id = ?", arguments: [agent, issue.id.lowercasedString])
            events += [.transition(assigned, from: .ready, actor: lease.holderActor), .lease(.leaseAcquired, lease)]
            try appendEvents(db, events)
            return (try Self.withDependencyKeys(db, [assigned])[0], lease)
        }
    }

    /// A new lease for `agent`, its epoch one more than the issue's last.
    static func insertLease(_ db: Database, _ issue: Issue, agent: String, ttl: Duration, now: Date) throws -> Lease {
        let epoch =
            try Int.fetchOne(
                db, sql: "SELECT COALESCE(MAX(epoch), 0) + 1 FROM leases WHERE issue_id = ?",
                arguments: [issue.id.lowercasedString]) ?? 1
        let lease = Lease(
            id: UUID(), issueID: issue.id, issueKey: issue.key, agentID: agent, epoch: epoch, acquiredAt: now,
            heartbeatAt: now, expiresAt: now.addingTimeInterval(ttl.timeInterval))
        try db.execute(
            sql: """
                INSERT INTO leases (id, issue_id, agent_id, epoch, acquired_at, heartbeat_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [lease.id.lowercasedString, issue.id.lowercasedString, agent, epoch, now, now, lease.expiresAt])
        return lease
    }

    public func expireLeases() async throws -> [Lease] {
        try await write { db in
            let now = Date.storageNow()
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.*, i.key AS issue_key FROM leases l JOIN issues i ON i.id = l.issue_id
                    WHERE l.released_at IS NULL AND l.expires_at <= ? ORDER BY l.expires_at
                    """, arguments: [now])
            var released: [Lease] = []
            var events: [EventDraft] = []
            for row in rows {
                let lease = try Self.lease(row, try SQLiteRows.issueKey(row["issue_key"]))
                let issue = try Self.fetchIssue(db, .id(lease.issueID))
                if issue.status == .assigned || issue.status == .inProgress {
                    let moved = try Self.move(db, issue, to: .ready, reason: nil)
                    events.append(.transition(moved, from: issue.status, actor: nil))
                    if let log = try Self.endActiveWorkLog(db, moved, WorkLogEnd(outcome: .expired)) {
                        events.append(.workLog(.workLogEnded, log))
                    }
                }
                let ended = try Self.release(db, lease, reason: "expired", now: now)
                events.append(.lease(.leaseReleased, ended))
                released.append(ended)
            }
            try appendEvents(db, events)
            return released
        }
    }

    /// Ends the work on an issue that left its leased states: releases the lease and ends the active work log.
    static func endLeasedWork(_ db: Database, _ issue: Issue, outcome: WorkOutcome, reason: String) throws
        -> [EventDraft]
    {
        var events: [EventDraft] = []
        if let log = try endActiveWorkLog(db, issue, WorkLogEnd(outcome: outcome)) {
            events.append(.workLog(.workLogEnded, log))
        }
        if let lease = try currentLease(db, issue) {
            events.append(.lease(.leaseReleased, try release(db, lease, reason: reason, now: Date.storageNow())))
        }
        return events
    }

    public func currentLease(of ref: IssueRef) async throws -> Lease? {
        try await read { db in try Self.currentLease(db, try Self.fetchIssue(db, ref)) }
    }

    public func renewLease(
        on ref: IssueRef, agent: String?, epoch: Int, ttl: Duration, progress: String?, percent: Int?
    ) async throws -> Lease {
        try await write { db in
            let issue = try Self.fetchIssue(db, ref)
            var lease = try Self.checkedLease(db, issue, agent: agent, epoch: epoch)
            let now = Date.storageNow()
            lease.heartbeatAt = now
            lease.expiresAt = now.addingTimeInterval(ttl.timeInterval)
            try db.execute(
                sql: "UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE id = ?",
                arguments: [now, lease.expiresAt, lease.id.lowercasedString])
            if let progress { try appendEvents(db, [.progress(lease, message: progress, percent: percent)]) }
            return lease
        }
    }

    public func startLeasedWork(
        on ref: IssueRef, agent: String?, epoch: Int, worktreePath: String?, branch: String?
    ) async throws -> (issue: Issue, log: WorkLog) {
        try await write { db in
            let issue = try Self.fetchIssue(db, ref)
            let lease = try Self.checkedLease(db, issue, agent: agent, epoch: epoch)
            let started = try Self.move(db, issue, to: .inProgress, reason: nil)
            let log = try Self.insertWorkLog(
                db, started,
                try NewWorkLog(startedBy: lease.holderActor, worktreePath: worktreePath, branchName: branch)
                    .validated())
            try appendEvents(
                db,
                [
                    .transition(started, from: issue.status, actor: lease.holderActor),
                    .workLog(.workLogStarted, log),
                ])
            return (try Self.withDependencyKeys(db, [started])[0], log)
        }
    }

    public func finishLease(
        on ref: IssueRef, agent: String?, epoch: Int, status: IssueStatus, end: WorkLogEnd, comment: String?,
        reason: String
    ) async throws -> (issue: Issue, lease: Lease) {
        try await write { db in
            let issue = try Self.fetchIssue(db, ref)
            let lease = try Self.checkedLease(db, issue, agent: agent, epoch: epoch)
            let actor = lease.holderActor
            var events: [EventDraft] = []
            let moved = try Self.move(db, issue, to: status, reason: nil)
            if status == .open {
                events.append(.blocked(moved, from: issue.status, actor: actor, reason: comment ?? reason))
            } else {
                events.append(.transition(moved, from: issue.status, actor: actor))
            }
            if let log = try Self.endActiveWorkLog(db, moved, end) { events.append(.workLog(.workLogEnded, log)) }
            if let comment {
                events.append(.commentAdded(try Self.insertComment(db, moved, author: actor, body: comment)))
            }
            let released = try Self.release(db, lease, reason: reason, now: Date.storageNow())
            events.append(.lease(.leaseReleased, released))
            try appendEvents(db, events)
            return (try Self.withDependencyKeys(db, [moved])[0], released)
        }
    }

    static func currentLease(_ db: Database, _ issue: Issue) throws -> Lease? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM leases WHERE issue_id = ? AND released_at IS NULL",
            arguments: [issue.id.lowercasedString]
        ).map { try lease($0, issue.key) }
    }

    /// The live lease, checked against the writer's agent and epoch.
    static func checkedLease(_ db: Database, _ issue: Issue, agent: String?, epoch: Int) throws -> Lease {
        guard let lease = try currentLease(db, issue) else {
            throw TurboError.staleLease(
                issue: issue.key.description, reason: "there is no live lease (epoch \(epoch) was released)")
        }
        try lease.check(agent: agent, epoch: epoch, now: Date.storageNow())
        return lease
    }

    static func release(_ db: Database, _ lease: Lease, reason: String, now: Date) throws -> Lease {
        var lease = lease
        lease.releasedAt = now
        lease.releaseReason = reason
        try db.execute(
            sql: "UPDATE leases SET released_at = ?, release_reason = ? WHERE id = ?",
            arguments: [now, reason, lease.id.lowercasedString])
        return lease
    }

    static func lease(_ row: Row, _ key: IssueKey) throws -> Lease {
        Lease(
            id: try SQLiteRows.uuid(row, "id"), issueID: try SQLiteRows.uuid(row, "issue_id"), issueKey: key,
            agentID: row["agent_id"], epoch: row["epoch"], acquiredAt: row["acquired_at"],
            heartbeatAt: row["heartbeat_at"], expiresAt: row["expires_at"], releasedAt: row["released_at"],
            releaseReason: row["release_reason"])
    }
}
