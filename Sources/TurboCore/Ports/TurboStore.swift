public import Foundation

/// The persistence port, in focused parts: ``IssueStore``, ``WorkStore``, ``WorktreeStore``, ``TokenStore``,
/// ``WebhookStore`` and ``EventStore``. Every mutating method runs in a single transaction that also writes its event
/// rows, checks its guards inside that transaction, and writes nothing when it throws.
///
/// One implementation, `SQLStore` (module TurboSQL), on two engines: `SQLiteStore` (GRDB) and `PostgresStore`
/// (postgres-nio); one conformance suite tests both.
public protocol TurboStore: IssueStore, WorkStore, WorktreeStore, TokenStore, WebhookStore, EventStore {}

/// Projects, issues, their dependencies, comments and work logs.
public protocol IssueStore: Sendable {
    // MARK: Projects

    /// Creates a project; a duplicate key is ``TurboError/duplicateProjectKey(_:)``.
    func createProject(_ new: NewProject) async throws -> Project
    /// All projects, by key.
    func projects() async throws -> [Project]
    /// One project by key or id.
    func project(_ ref: ProjectRef) async throws -> Project
    /// The project whose main checkout is at `path`, if any.
    func project(repositoryPath path: String) async throws -> Project?

    // MARK: Issues

    /// Creates an issue with the next key of its project, its `blockedBy` edges and `issue.created`.
    func createIssue(_ new: NewIssue) async throws -> Issue
    /// One issue by key or id, with its dependency keys.
    func issue(_ ref: IssueRef) async throws -> Issue
    /// Issues matching a filter, ordered by project key and number.
    func issues(_ filter: IssueFilter) async throws -> [Issue]
    /// How many issues match a filter, ignoring its limit and offset.
    func countIssues(_ filter: IssueFilter) async throws -> Int
    /// Changes fields (not the status); writes `issue.updated` when something changed.
    func updateIssue(_ ref: IssueRef, _ changes: IssueChanges) async throws -> Issue
    /// Deletes an issue nobody is working on (open, ready or closed) with its comments, work logs and edges;
    /// writes `issue.deleted`. Its number is never reused.
    func deleteIssue(_ ref: IssueRef) async throws -> Issue
    /// Moves an issue along the state machine, guarded against concurrent changes.
    ///
    /// `closed` needs a reason; `reopen` (closed → open) clears it. Taking an issue out of `assigned`/`in_progress`
    /// for anything but further work releases its lease and ends its work log in the same transaction.
    func transition(_ ref: IssueRef, to status: IssueStatus, reason: ClosedReason?, actor: String?) async throws
        -> Issue

    // MARK: Dependencies

    /// Adds `blocker → blocked`; self edges, duplicates and cycles are refused.
    func addDependency(blocker: IssueRef, blocked: IssueRef) async throws -> Dependency
    /// Removes `blocker → blocked`.
    func removeDependency(blocker: IssueRef, blocked: IssueRef) async throws
    /// Direct blockers, directly blocked issues and the transitive blocker chain of an issue.
    func dependencies(of ref: IssueRef) async throws -> DependencyView

    // MARK: Comments and work logs

    /// Adds a comment and writes `comment.added`.
    func addComment(to ref: IssueRef, author: String, body: String) async throws -> Comment
    /// An issue's comments, oldest first.
    func comments(of ref: IssueRef) async throws -> [Comment]
    /// Starts a work session; at most one is active per issue.
    func startWorkLog(on ref: IssueRef, _ new: NewWorkLog) async throws -> WorkLog
    /// Ends the active work session of an issue.
    func endWorkLog(on ref: IssueRef, _ end: WorkLogEnd) async throws -> WorkLog
    /// An issue's work sessions, oldest first.
    func workLogs(of ref: IssueRef) async throws -> [WorkLog]
    /// Every active work session, oldest first.
    func activeWorkLogs() async throws -> [WorkLog]
}

/// Leases with fencing, the work they start and end, and the checks recorded on issues.
public protocol WorkStore: Sendable {
    // MARK: Leases

    /// Grants `agent` the lease on a `ready` issue whose blockers are all finished, in one transaction: the epoch is
    /// one more than the issue's last, the issue becomes `assigned` to `agent`, and `issue.assigned` and
    /// `lease.acquired` are written. An unreleased lease that has expired is released first (`expired`).
    func acquireLease(on ref: IssueRef, agent: String, ttl: Duration) async throws -> (issue: Issue, lease: Lease)
    /// Leases to the claimer, in one transaction, the first issue in queue order (``WorkQueue``) that is ready with
    /// every blocker finished, whose capabilities the claimer has (for a pool: that ``ClaimRequest/assign`` gives to
    /// one of its agents, the lease's holder), whose paths overlap no issue in flight, and (for
    /// remote work) that has no worktree on the coordinator's machine — as ``acquireLease(on:agent:ttl:)`` would
    /// lease it; remote work starts in the same transaction. Nil when no issue fits (a project named by id is not
    /// looked up: one that does not exist has no issue that fits; named by key, it is `projectNotFound`). It reads
    /// the next issue from an index (the counts it needs are kept by the writes that change them), not the whole
    /// queue, and on PostgreSQL concurrent claims skip the rows another claim holds instead of racing for one issue.
    func claimNext(_ request: ClaimRequest) async throws -> Claimed?
    /// Releases every lease past its expiry (`expired`) and, in the same transaction per issue, ends the active work
    /// log (`expired`) and sends `assigned`/`in_progress` issues back to `ready`; worktrees and branches stay.
    /// Returns the released leases.
    func expireLeases() async throws -> [Lease]
    /// The issue's unreleased lease, expired or not.
    func currentLease(of ref: IssueRef) async throws -> Lease?
    /// Every unreleased lease (of one project when given), expired or not, by issue key.
    func liveLeases(project: ProjectRef?) async throws -> [Lease]
    /// The project's work sent back for more (`in_progress` without an unreleased lease: failed verification,
    /// requested changes, a failed merge), by number, with dependency keys. A project named by id is not looked up.
    func sentBackWork(project: ProjectRef) async throws -> [Issue]
    /// Extends the live lease named by `epoch` (held by `agent`, unless nil for an admin) to `ttl` from now; with
    /// `progress`, also writes `issue.progress`. A stale epoch throws ``TurboError/staleLease(issue:reason:)``.
    func renewLease(
        on ref: IssueRef, agent: String?, epoch: Int, ttl: Duration, progress: String?, percent: Int?
    ) async throws -> Lease
    /// Under the live lease, in one transaction: `assigned` → `in_progress` and a work log with the worktree.
    func startLeasedWork(
        on ref: IssueRef, agent: String?, epoch: Int, worktreePath: String?, branch: String?
    ) async throws -> (issue: Issue, log: WorkLog)
    /// Under the live lease, in one transaction: the issue moves to `status` (`open` writes `issue.blocked`), the
    /// active work log ends with `end`, `comment` is added by the lease's holder, the lease is released (`reason`).
    func finishLease(
        on ref: IssueRef, agent: String?, epoch: Int, status: IssueStatus, end: WorkLogEnd, comment: String?,
        reason: String
    ) async throws -> (issue: Issue, lease: Lease)

    /// Gives work that came back (failed verification, requested changes: `in_progress` without a live lease) to
    /// `agent` again, in one transaction: a new lease (epoch + 1), `assigned_to`, a work log with the worktree,
    /// `lease.acquired` and `worklog.started`. Refuses an issue in another state or with a live lease.
    func resumeLeasedWork(
        on ref: IssueRef, agent: String, ttl: Duration, worktreePath: String?, branch: String?
    ) async throws -> (issue: Issue, lease: Lease, log: WorkLog)

    /// Adds an agent run's token counts and cost to a work log (ended or not): sessions report usage when a run
    /// ends, which may be after the agent's submission ended the log.
    func addUsage(toWorkLog id: UUID, inputTokens: Int, outputTokens: Int, costUSD: Double?) async throws

    // MARK: Checks

    /// Records a check and, in the same transaction, makes its moves, adds its comment and writes its event
    /// (`verification.*`, `review.*`, `merge.*`) after the transitions'. Refuses (writing nothing) when the issue
    /// is no longer in `expecting`.
    func recordCheck(on ref: IssueRef, _ new: NewCheck) async throws -> (issue: Issue, check: Check)
    /// The issue's checks, oldest first.
    func checks(of ref: IssueRef) async throws -> [Check]
    /// Every check since `since` (all when nil), oldest first.
    func checks(since: Date?) async throws -> [Check]
}

/// Worktrees, predicted conflicts and the merge checks of a project.
public protocol WorktreeStore: Sendable {
    // MARK: Worktrees and conflicts

    /// Records an issue's new worktree, fills the active work log's path and branch, writes `worktree.created`.
    /// Recording the same path again returns the existing record.
    func recordWorktree(of ref: IssueRef, path: String, branch: String, baseCommit: String) async throws
        -> WorktreeRecord
    /// The issue's active worktree, if any.
    func worktree(of ref: IssueRef) async throws -> WorktreeRecord?
    /// Every active worktree (of one project when given), by issue key.
    func activeWorktrees(project: ProjectRef?) async throws -> [WorktreeRecord]
    /// How many worktrees of the project are active, without reading them.
    func activeWorktreeCount(project: ProjectRef) async throws -> Int
    /// Marks the issue's active worktree removed and writes `worktree.removed` with the reason.
    func markWorktreeRemoved(of ref: IssueRef, reason: String) async throws -> WorktreeRecord
    /// Replaces the predicted conflicts of a project with `current` (conflicting pairs only): new pairs write
    /// `conflict.detected`, pairs that no longer conflict write `conflict.resolved`.
    func replaceConflicts(project: ProjectRef, current: [ConflictRecord]) async throws -> ConflictChanges
    /// The conflicts currently predicted (of one project when given).
    func conflicts(project: ProjectRef?) async throws -> [ConflictRecord]
    /// Merge simulations of a project by `left-commit right-commit`, clean ones included (empty paths), so a pair
    /// is simulated again only when one side moves.
    func mergeChecks(project: ProjectRef) async throws -> [String: [String]]
    /// Replaces the project's stored merge simulations.
    func saveMergeChecks(project: ProjectRef, _ checks: [String: [String]]) async throws
}

/// API tokens (only their hashes are stored).
public protocol TokenStore: Sendable {
    // MARK: Tokens

    /// Stores a token by the SHA-256 of its secret and writes `token.created` (without the secret).
    func createToken(role: TokenRole, agentID: String?, name: String?, hash: String, prefix: String) async throws
        -> APIToken
    /// Every token, newest first, revoked ones included.
    func tokens() async throws -> [APIToken]
    /// Revokes a token named by id or by its prefix; writes `token.revoked`.
    func revokeToken(_ idOrPrefix: String) async throws -> APIToken
    /// The active token whose secret hashes to `hash`, if any. May be cached briefly: a token revoked through this
    /// store is refused at once, one revoked by another process or coordinator within a second.
    func token(hash: String) async throws -> APIToken?
}

/// Webhook subscriptions, their delivery queue and claims.
public protocol WebhookStore: Sendable {
    // MARK: Webhooks

    /// Creates a subscription whose outbox starts after the newest event (it receives what commits from now on).
    func createWebhook(_ new: NewWebhook) async throws -> Webhook
    /// Every subscription, oldest first.
    func webhooks() async throws -> [Webhook]
    /// One subscription; an unknown id is ``TurboError/webhookNotFound(_:)``.
    func webhook(_ id: UUID) async throws -> Webhook
    /// Changes what is given; enabling again clears the failure record.
    func updateWebhook(
        _ id: UUID, url: String?, events: [String]?, description: String?, enabled: Bool?
    ) async throws -> Webhook
    /// Removes a subscription with its delivery log.
    func deleteWebhook(_ id: UUID) async throws
    /// Replaces the secret; the old one keeps signing (alongside) for `keepPrevious`.
    func rotateWebhookSecret(_ id: UUID, secret: String, keepPrevious: Duration) async throws -> Webhook
    /// Adds deliveries of `events` (already filtered) and moves the endpoint's cursor from `cursor` to `to`, in one
    /// transaction, only if the cursor is still `cursor` (so two coordinators never enqueue twice). Returns how many
    /// deliveries were added.
    func enqueueDeliveries(webhook id: UUID, cursor: Int64, to: Int64, events: [Event]) async throws -> Int
    /// Claims up to `limit` enabled endpoints that have deliveries due and no live claim (by anyone), for `ttl`:
    /// while the claim lives, only `holder` sends to them, so coordinators sharing a database neither send twice nor
    /// overtake each other's first attempts. Returns the endpoints claimed.
    func claimWebhooks(holder: String, for ttl: Duration, limit: Int) async throws -> [UUID]
    /// Extends `holder`'s claim on an endpoint; false when the claim is no longer `holder`'s.
    func renewWebhookClaim(_ id: UUID, holder: String, for ttl: Duration) async throws -> Bool
    /// The live claims: endpoint → holder.
    func webhookClaims() async throws -> [UUID: String]
    /// Gives up `holder`'s claim on an endpoint (nothing happens when it is not `holder`'s).
    func releaseWebhookClaim(_ id: UUID, holder: String) async throws
    /// One enabled endpoint's pending deliveries due now, oldest event first.
    func dueDeliveries(webhook id: UUID, limit: Int) async throws -> [WebhookDelivery]
    /// Deletes finished deliveries (succeeded or failed for good) whose last attempt was before `cutoff`; pending
    /// ones stay whatever their age. Returns how many went.
    func pruneDeliveries(finishedBefore cutoff: Date) async throws -> Int
    /// One delivery; an unknown id is ``TurboError/webhookNotFound(_:)``.
    func delivery(_ id: UUID) async throws -> WebhookDelivery
    /// Records an attempt: the delivery's status, counts and log; the endpoint's failure record; disabling it
    /// (with `webhook.disabled`) when the attempt says so.
    func recordDeliveryAttempt(_ id: UUID, _ attempt: DeliveryAttempt) async throws -> WebhookDelivery
    /// An endpoint's deliveries, newest first.
    func deliveries(webhook id: UUID, limit: Int) async throws -> [WebhookDelivery]
    /// Makes a delivery pending and due now again (its id, the `webhook-id`, stays).
    func redeliver(_ id: UUID) async throws -> WebhookDelivery
    /// Writes an event outside any other change (`webhook.test`).
    func appendEvent(_ draft: EventDraft) async throws -> Int64
}

/// The queue snapshot and the event log.
public protocol EventStore: Sendable {
    // MARK: Queue and events

    /// The ready issues, their blockers and the in-flight issues of a project (all projects when nil), read in one
    /// consistent snapshot with the database clock.
    func queueSnapshot(project: ProjectRef?) async throws -> QueueSnapshot
    /// Events with an id greater than `after`, oldest first.
    func events(after: Int64, limit: Int) async throws -> [Event]
    /// The id of the newest event, 0 when the log is empty.
    func latestEventID() async throws -> Int64
    /// The newest `limit` events about `subject` (an issue's key, a token's prefix…), oldest first.
    func events(about subject: String, limit: Int) async throws -> [Event]
}

extension EventStore {
    /// The work queue of a project (DESIGN §4): eligible issues in order, then the ineligible ready ones.
    public func queue(project: ProjectRef?) async throws -> [QueueEntry] {
        WorkQueue.rank(try await queueSnapshot(project: project))
    }
}
