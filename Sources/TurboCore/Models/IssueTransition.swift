public import Foundation

/// The guarded status change of DESIGN §3, applied to an issue value before a store writes it.
public enum IssueTransition {
    /// Checks `issue.status → status` and updates the fields that go with it.
    ///
    /// Closing needs a reason and stamps `closed_at`; reopening clears both; going back to `open` or `ready` clears the
    /// assignee. An invalid transition throws ``TurboError/invalidTransition(issue:from:to:)`` naming both states.
    public static func apply(to issue: inout Issue, status: IssueStatus, reason: ClosedReason?, now: Date)
        throws(TurboError)
    {
        let from = issue.status
        guard from.canTransition(to: status) else {
            throw .invalidTransition(issue: issue.key.description, from: from, to: status)
        }
        if status == .closed {
            guard let reason else { throw .invalidInput("closing \(issue.key) needs a reason") }
            issue.closedReason = reason
            issue.closedAt = now
        } else {
            guard reason == nil else { throw .invalidInput("a reason only goes with closing") }
            issue.closedReason = nil
            issue.closedAt = nil
        }
        if status == .open || status == .ready { issue.assignedTo = nil }
        issue.status = status
        issue.updatedAt = now
    }
}

extension IssueTransition {
    /// Refuses deleting an issue someone is working on, or one with an active worktree.
    public static func checkDeletable(_ issue: Issue, hasWorktree: Bool) throws(TurboError) {
        guard !issue.status.isInFlight else {
            throw .conflictingState("\(issue.key) is \(issue.status); only open, ready or closed issues can be deleted")
        }
        guard !hasWorktree else {
            throw .conflictingState("\(issue.key) has a worktree; remove it first ('turbocode worktree remove')")
        }
    }
}

extension WorkLog {
    /// Records the end of the session.
    public mutating func end(with end: WorkLogEnd, at date: Date) {
        endedAt = date
        outcome = end.outcome
        commit = end.commit ?? commit
        commitURL = end.commitURL ?? commitURL
        inputTokens = end.inputTokens ?? inputTokens
        outputTokens = end.outputTokens ?? outputTokens
        costUSD = end.costUSD ?? costUSD
    }
}
