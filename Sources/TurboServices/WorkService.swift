import Foundation
import Synchronization
public import TurboCore
import TurboGit

/// An agent's work on an issue, under a lease: claim or start (lease, worktree, work log), heartbeat, progress,
/// report blocked, submit. Every write after the start names the lease's epoch and is refused once the lease is no
/// longer the live one.
public struct WorkService: Sendable {
    /// Where leases, issues and work logs are written (the worktree service's store).
    public let store: any TurboStore
    /// Makes and inspects the issues' worktrees.
    public let worktrees: WorktreeService
    /// How long a lease lives without a heartbeat.
    public var ttl: Duration
    /// This coordinator's project once found (shared by copies): a project's id, key, repository and base branch
    /// never change, so claims and starts do not look it up again.
    private let project = ProjectMemo()

    /// Work for the repository of `worktrees`, under leases that live `ttl` without a heartbeat.
    public init(worktrees: WorktreeService, ttl: Duration = LeaseDefaults.ttl) {
        self.store = worktrees.store
        self.worktrees = worktrees
        self.ttl = ttl
    }

    /// This coordinator's project: its repository's (``ProjectSetup/resolve(_:repository:store:)``), read once.
    public func coordinatorProject() async throws -> Project {
        if let known = project.value { return known }
        let found = try await ProjectSetup.resolve(nil, repository: worktrees.repository, store: store)
        project.value = found
        return found
    }

    /// What starting work produced.
    public struct Started: Sendable {
        /// The issue, now `in_progress`.
        public var issue: Issue
        /// The new lease, renewed to the normal TTL once the worktree was ready.
        public var lease: Lease
        /// The issue's worktree as recorded.
        public var worktree: WorktreeRecord
        /// The work log opened for this lease.
        public var log: WorkLog
        /// False when an earlier lease's worktree (with its commits) was reused.
        public var createdWorktree: Bool
    }

    /// Leases the issue to `agent`, creates (or reuses) its worktree and starts the work log with the worktree's
    /// path and branch. Refuses an issue that is not eligible (not ready, blocked, or overlapping in-flight paths).
    public func start(_ ref: IssueRef, agent: String) async throws -> Started {
        let (issue, lease) = try await lease(ref, agent: agent)
        return try await begin(issue, lease: lease, agent: agent)
    }

    /// The first half of ``start(_:agent:)``: the lease alone, in one short transaction.
    public func lease(_ ref: IssueRef, agent: String) async throws -> (issue: Issue, lease: Lease) {
        let issue = try await startable(ref)
        // The first lease covers provisioning too (setup commands may run up to their timeout), then shrinks to
        // the normal TTL once the work has started.
        let (leased, lease) = try await store.acquireLease(on: .id(issue.id), agent: agent, ttl: firstTTL)
        return (leased, lease)
    }

    /// The first lease of a local start: the normal TTL plus the worktree's setup commands' timeout.
    var firstTTL: Duration { ttl + worktrees.plan.timeout }

    /// The second half of a start, under the fresh lease from ``lease(_:agent:)`` or a claim: creates (or
    /// reuses) the worktree, starts the work log and shrinks the lease to the normal TTL; on failure gives the issue
    /// back.
    public func begin(_ issue: Issue, lease: Lease, agent: String) async throws -> Started {
        var lease = lease
        do {
            let created = try await worktrees.create(.id(issue.id))
            let (started, log) = try await store.startLeasedWork(
                on: .id(issue.id), agent: agent, epoch: lease.epoch, worktreePath: created.record.path,
                branch: created.record.branch)
            lease = try await store.renewLease(
                on: .id(issue.id), agent: agent, epoch: lease.epoch, ttl: ttl, progress: nil, percent: nil)
            return Started(
                issue: started, lease: lease, worktree: created.record, log: log, createdWorktree: created.created)
        } catch {
            // Give the issue back rather than leave it assigned to nobody working; the worktree (if any) stays
            // for the next lease.
            _ = try? await store.finishLease(
                on: .id(issue.id), agent: agent, epoch: lease.epoch, status: .ready,
                end: WorkLogEnd(outcome: .failed), comment: nil, reason: "start failed")
            throw error
        }
    }

    /// The issue, checked to belong to this coordinator's project and to be eligible.
    private func startable(_ ref: IssueRef) async throws -> Issue {
        _ = try await store.expireLeases()
        let issue = try await store.issue(ref)
        let project = try await coordinatorProject()
        guard issue.projectID == project.id else {
            throw TurboError.conflictingState(
                "\(issue.key) belongs to another project; this coordinator works in \(project.key)'s repository "
                    + "(\(worktrees.repository.root))")
        }
        if issue.status == .ready,
            let entry = try await store.queue(project: .id(issue.projectID)).first(where: {
                $0.candidate.id == issue.id
            }),
            let reason = entry.reason
        {
            throw TurboError.conflictingState("\(issue.key) is not eligible: \(reason)")
        }
        return issue
    }

    /// What starting work on another machine produced: the lease, and the branch the worker pushes to this
    /// repository (the issue's existing branch, with its commits, when there is one).
    public struct RemoteStarted: Sendable {
        /// The issue, now `in_progress`.
        public var issue: Issue
        /// The new lease; the worker names its epoch in its calls.
        public var lease: Lease
        /// The branch the worker works on and pushes to this repository.
        public var branch: String
        /// The project's base branch, which the worker fetches.
        public var baseBranch: String
        /// The work log opened for this lease, with the worker's location as its worktree path.
        public var log: WorkLog
    }

    /// Leases the issue to a worker on another machine (`turbocode agent run`): no worktree here; the work log
    /// records the worker's `location` and the branch. Refuses an issue whose worktree is on this machine (its
    /// uncommitted work would be out of the worker's reach).
    public func startRemote(_ ref: IssueRef, agent: String, location: String) async throws -> RemoteStarted {
        let issue = try await startable(ref)
        if let local = try await worktrees.worktrees.find(issue.key) {
            throw TurboError.conflictingState(
                "\(issue.key) has a worktree on the coordinator's machine (\(local.path)); it is worked there")
        }
        var (_, lease) = try await store.acquireLease(on: .id(issue.id), agent: agent, ttl: ttl)
        do {
            let project = try await store.project(.id(issue.projectID))
            let branch = try await worktrees.worktrees.branch(for: issue.key, title: issue.title)
            let (started, log) = try await store.startLeasedWork(
                on: .id(issue.id), agent: agent, epoch: lease.epoch, worktreePath: location, branch: branch)
            lease = try await store.renewLease(
                on: .id(issue.id), agent: agent, epoch: lease.epoch, ttl: ttl, progress: nil, percent: nil)
            return RemoteStarted(
                issue: started, lease: lease, branch: branch, baseBranch: project.baseBranch, log: log)
        } catch {
            _ = try? await store.finishLease(
                on: .id(issue.id), agent: agent, epoch: lease.epoch, status: .ready,
                end: WorkLogEnd(outcome: .failed), comment: nil, reason: "start failed")
            throw error
        }
    }

    /// Starts work on the best eligible issue for an agent with `capabilities` (nil: any issue): the first in queue
    /// order whose required capabilities the agent has, leased in one short store transaction
    /// (``TurboStore/claimNext(_:)``). Nil when nothing fits.
    ///
    /// With `presence`, a claim whose client left before it was answered is given back (see ``ClientPresence``): the
    /// issue goes back to `ready` and ``TurboError/conflictingState(_:)`` says so.
    public func claimNext(
        agent: String, capabilities: [String]?, project: ProjectRef?, presence: ClientPresence? = nil
    ) async throws -> Started? {
        let project = try await claimProject(project)
        guard
            let claimed = try await store.claimNext(
                ClaimRequest(project: .id(project.id), agent: agent, capabilities: capabilities, ttl: firstTTL))
        else { return nil }
        try await giveBackIfAbandoned(claimed.issue, claimed.lease, presence)
        let started = try await begin(claimed.issue, lease: claimed.lease, agent: agent)
        try await giveBackIfAbandoned(started.issue, started.lease, presence)
        return started
    }

    /// `claimNext` for a worker on another machine (see `startRemote`); issues whose worktree is on this machine are
    /// skipped.
    public func claimNextRemote(
        agent: String, capabilities: [String]?, project: ProjectRef?, location: String,
        presence: ClientPresence? = nil
    ) async throws -> RemoteStarted? {
        let project = try await claimProject(project)
        let layout = worktrees.worktrees.layout
        // The claim, the work log and the branch in one transaction: no git process, no second round trip.
        let remote = ClaimRequest.RemoteWork(location: location) { issue, recorded in
            try recorded ?? layout.branch(for: issue.key, title: issue.title)
        }
        guard
            let claimed = try await store.claimNext(
                ClaimRequest(
                    project: .id(project.id), agent: agent, capabilities: capabilities, ttl: ttl, remote: remote)),
            let log = claimed.log, let branch = claimed.branch
        else { return nil }
        try await giveBackIfAbandoned(claimed.issue, claimed.lease, presence)
        return RemoteStarted(
            issue: claimed.issue, lease: claimed.lease, branch: branch, baseBranch: project.baseBranch, log: log)
    }

    /// Gives a claim back to the queue when its client has left: the lease is released (reason `abandoned`), the
    /// issue is `ready` again, its worktree (if one was made) stays for whoever takes it next.
    private func giveBackIfAbandoned(_ issue: Issue, _ lease: Lease, _ presence: ClientPresence?) async throws {
        guard let presence, presence.hasLeft else { return }
        _ = try await store.finishLease(
            on: .id(issue.id), agent: lease.agentID, epoch: lease.epoch, status: .ready,
            end: WorkLogEnd(outcome: .released), comment: nil, reason: "abandoned")
        throw TurboError.conflictingState(
            "the client left before the claim of \(issue.key) was answered; \(issue.key) is back in the queue")
    }

    /// The project a claim takes from: this coordinator's (its repository's), which a named project must be.
    private func claimProject(_ named: ProjectRef?) async throws -> Project {
        let project = try await coordinatorProject()
        let isOurs: Bool =
            switch named {
            case nil: true
            case .id(let id): id == project.id
            case .key(let key): key == project.key
            }
        if let named, !isOurs, try await store.project(named).id != project.id {
            throw TurboError.conflictingState(
                "\(named.description) is another project; this coordinator works in \(project.key)'s repository "
                    + "(\(worktrees.repository.root))")
        }
        return project
    }

    /// The epoch a work call acts under when the caller left it out: the live lease's, provided `agent` (nil for a
    /// person, who acts for the holder) holds it. Fencing still applies: with no live lease, or one held by another
    /// agent, the call is refused and the live epoch is named, so an agent never writes under someone else's lease.
    /// The store re-checks the epoch and the expiry when it writes.
    public func liveEpoch(of ref: IssueRef, agent: String?) async throws -> Int {
        let issue = try await store.issue(ref)
        guard let lease = try await store.currentLease(of: .id(issue.id)), lease.releasedAt == nil else {
            throw TurboError.staleLease(
                issue: issue.key.description,
                reason: "there is no live lease on it (status \(issue.status.rawValue)); start or claim the work first")
        }
        if let agent, lease.agentID != agent {
            throw TurboError.staleLease(
                issue: issue.key.description,
                reason: "the live lease (epoch \(lease.epoch)) is held by \(lease.agentID), not \(agent)")
        }
        return lease.epoch
    }

    /// `given`; else, for a per-session token, the epoch of the lease it was made for (the store refuses it once
    /// that lease is gone, even when the same agent holds a newer one); else ``liveEpoch(of:agent:)``.
    public func epoch(
        _ given: Int?, of ref: IssueRef, agent: String?, session: Caller.SessionLease? = nil
    ) async throws -> Int {
        if let given { return given }
        if let session, try await store.issue(ref).key.description == session.issue { return session.epoch }
        return try await liveEpoch(of: ref, agent: agent)
    }

    /// The caller's own live lease on the issue (nil when it holds none), for `get_issue`.
    public func ownLease(of ref: IssueRef, agent: String) async throws -> Lease? {
        guard let lease = try await store.currentLease(of: ref), lease.releasedAt == nil, lease.agentID == agent
        else { return nil }
        return lease
    }

    /// Keeps the lease alive; with `message`, records progress (`issue.progress`).
    public func heartbeat(
        _ ref: IssueRef, agent: String?, epoch: Int, message: String? = nil, percent: Int? = nil
    ) async throws -> Lease {
        if let percent, !(0...100).contains(percent) {
            throw TurboError.invalidInput("percent must be 0–100, not \(percent)")
        }
        let message = try message.map {
            try IssueValidation.text(
                $0.trimmingCharacters(in: .whitespacesAndNewlines), field: "a progress message", maxLength: 10_000)
        }
        if let message, message.isEmpty { throw TurboError.invalidInput("a progress report needs a message") }
        return try await store.renewLease(
            on: ref, agent: agent, epoch: epoch, ttl: ttl, progress: message, percent: percent)
    }

    /// The agent cannot go on: the issue goes back to `open` (out of the queue until someone makes it ready), the
    /// reason becomes a comment, the lease is released; the worktree and branch stay.
    public func reportBlocked(_ ref: IssueRef, agent: String?, epoch: Int, reason: String) async throws -> Issue {
        let reason = try IssueValidation.text(
            reason.trimmingCharacters(in: .whitespacesAndNewlines), field: "the reason")
        guard !reason.isEmpty else { throw TurboError.invalidInput("say why the work is blocked") }
        return try await store.finishLease(
            on: ref, agent: agent, epoch: epoch, status: .open, end: WorkLogEnd(outcome: .released),
            comment: "Blocked: \(reason)", reason: "blocked"
        ).issue
    }

    /// Gives the issue back to the queue (`ready`), with the reason as a comment when given; the worktree stays.
    public func release(_ ref: IssueRef, agent: String?, epoch: Int, reason: String?) async throws -> Issue {
        let reason = try reason.map {
            try IssueValidation.text($0.trimmingCharacters(in: .whitespacesAndNewlines), field: "the reason")
        }
        return try await store.finishLease(
            on: ref, agent: agent, epoch: epoch, status: .ready, end: WorkLogEnd(outcome: .released),
            comment: reason.flatMap { $0.isEmpty ? nil : "Released: \($0)" }, reason: "released"
        ).issue
    }

    /// What a submission produced.
    public struct Submitted: Sendable {
        /// The issue, now in `testing`.
        public var issue: Issue
        /// The submitted commit: the branch's head.
        public var head: String
        /// Commits on the branch beyond the base.
        public var commits: Int
    }

    /// Hands the work in for verification: refuses a branch without commits beyond the base and a worktree with
    /// uncommitted files (naming them); otherwise the issue moves to `testing`, the work log ends as `submitted`
    /// with the head commit, the lease is released. Returns at once: verification runs later.
    public func submit(_ ref: IssueRef, agent: String?, epoch: Int, commitURL: String?) async throws -> Submitted {
        let issue = try await store.issue(ref)
        // Fence before looking at git, so a stale writer learns that first.
        guard let lease = try await store.currentLease(of: .id(issue.id)) else {
            throw TurboError.staleLease(issue: issue.key.description, reason: "there is no live lease")
        }
        // Expiry is judged by the store, on the database clock, when the submission is written.
        try lease.check(agent: agent, epoch: epoch, now: .distantPast)
        let head: String
        let ahead: Int
        if let status = try await worktrees.status(.id(issue.id)) {
            guard status.ahead > 0 else {
                throw TurboError.conflictingState(
                    "\(issue.key): the branch \(status.branch) has no commits beyond the base; commit your work first")
            }
            guard status.isClean else {
                throw TurboError.conflictingState(
                    "\(issue.key): \(status.uncommitted.count) uncommitted file(s) in \(status.path) "
                        + "(\(status.uncommitted.prefix(5).map { String($0.dropFirst(3)) }.joined(separator: ", "))); "
                        + "commit or discard them first")
            }
            (head, ahead) = (status.head, status.ahead)
        } else {
            (head, ahead) = try await remoteBranch(of: issue)
        }
        let (submitted, _) = try await store.finishLease(
            on: .id(issue.id), agent: agent, epoch: epoch, status: .testing,
            end: WorkLogEnd(outcome: .submitted, commit: head, commitURL: commitURL), comment: nil,
            reason: "submitted")
        return Submitted(issue: submitted, head: head, commits: ahead)
    }

    /// Work done on another machine: the branch its worker pushed to this repository (no worktree here, so the
    /// worker is the one that keeps uncommitted files out). Its head and the commits beyond the base.
    private func remoteBranch(of issue: Issue) async throws -> (head: String, ahead: Int) {
        let git = worktrees.worktrees.repository
        guard let branch = try await worktrees.branch(of: issue), let head = try await git.commit(branch) else {
            throw TurboError.noWorktree(issue.key.description)
        }
        let base = try await store.project(.id(issue.projectID)).baseBranch
        let ahead = try await git.unmergedCommits(branch: branch, base: base).count
        guard ahead > 0 else {
            throw TurboError.conflictingState(
                "\(issue.key): the branch \(branch) in the coordinator's repository has no commits beyond the base; "
                    + "commit your work (a remote worker pushes each commit to the coordinator)")
        }
        return (head, ahead)
    }
}

/// The project a ``WorkService`` found, kept for its copies.
private final class ProjectMemo: Sendable {
    private let state = Mutex<Project?>(nil)

    var value: Project? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
