public import TurboCore

/// Changes to issues and their dependencies that every face (CLI, REST, MCP) makes the same way, with the rules of
/// who may do what in one place: agents triage, but do not move work, close issues, assign them or drop blockers.
public struct IssueService: Sendable {
    /// Where issues, comments and dependencies are read and written.
    public let store: any TurboStore

    /// The service over `store`; it keeps no state of its own.
    public init(store: any TurboStore) { self.store = store }

    /// Creates an issue, assigned to `assignee` when given — which only a person may do.
    public func create(_ new: NewIssue, assignee: String? = nil, caller: Caller) async throws -> Issue {
        if assignee != nil, caller.agentID != nil {
            throw TurboError.invalidInput("agents do not assign issues; an agent claims its work (claim_next_issue)")
        }
        let issue = try await store.createIssue(new)
        guard let assignee else { return issue }
        var changes = IssueChanges()
        changes.assignedTo = .some(assignee)
        return try await store.updateIssue(.id(issue.id), changes)
    }

    /// Adds a comment. A person may write it in another's name (`author`, e.g. relaying a reviewer); an agent writes
    /// as itself only.
    public func comment(on ref: IssueRef, body: String, author: String? = nil, caller: Caller) async throws -> Comment {
        var written = caller.actor
        if let author {
            let named = try IssueValidation.actor(author)
            guard caller.agentID == nil || named == caller.actor else {
                throw TurboError.invalidInput("agents comment as themselves (\(caller.actor)), not as \(named)")
            }
            written = named
        }
        return try await store.addComment(to: ref, author: written, body: body)
    }

    /// Changes fields and, with `status`, moves the issue — checking the move (and the caller's right to make it)
    /// before anything is written, so a refused status leaves the fields untouched too.
    public func update(
        _ ref: IssueRef, _ changes: IssueChanges, status: IssueStatus? = nil, caller: Caller
    ) async throws -> Issue {
        if changes.assignedTo != nil, caller.agentID != nil {
            throw TurboError.invalidInput("agents do not assign issues; an agent claims its work (claim_next_issue)")
        }
        var issue = try await store.issue(ref)
        if let status, status != issue.status {
            guard issue.status.canTransition(to: status) else {
                throw TurboError.invalidTransition(issue: issue.key.description, from: issue.status, to: status)
            }
            try Self.checkStatusChange(issue, to: status, caller: caller)
        }
        if changes != IssueChanges() { issue = try await store.updateIssue(.id(issue.id), changes) }
        if let status, status != issue.status {
            issue = try await store.transition(
                .id(issue.id), to: status, reason: status == .closed ? .done : nil, actor: caller.actor)
        }
        return issue
    }

    /// Triage moves for agents (open ↔ ready, reopening); people may also close what nobody started. Work moves go
    /// through the work tools and review, so "done" is verified, never claimed.
    public static func checkStatusChange(_ issue: Issue, to status: IssueStatus, caller: Caller) throws {
        let triage: Set<IssueStatus> = [.open, .ready]
        let allowed =
            (triage.contains(issue.status) && triage.contains(status))
            || (triage.contains(issue.status) && status == .closed && caller.agentID == nil)
            || (issue.status == .closed && status == .open)
        guard allowed else {
            throw TurboError.invalidInput(
                "update_issue cannot move \(issue.key) from \(issue.status) to \(status): "
                    + (status == .closed && caller.agentID != nil
                        ? "agents do not close issues; submit_issue_for_review hands work in"
                        : "work moves through start_work_on_issue, submit_issue_for_review, report_blocked and review"))
        }
    }

    /// Drops a dependency. A person's decision: an agent could otherwise unblock its own issue.
    public func removeDependency(blocker: IssueRef, blocked: IssueRef, caller: Caller) async throws -> (
        blocker: IssueKey, blocked: IssueKey
    ) {
        guard caller.agentID == nil else {
            throw TurboError.invalidInput(
                "removing a blocker is for people; if a blocker is wrong, say so in a comment or report blocked")
        }
        try await store.removeDependency(blocker: blocker, blocked: blocked)
        return (try await store.issue(blocker).key, try await store.issue(blocked).key)
    }
}
