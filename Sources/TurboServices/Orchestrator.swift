public import Foundation
public import Logging
import Synchronization
public import TurboAgents
public import TurboCore
import TurboGit

/// The scheduler and the local pool of sub-agents: assigns eligible issues in queue order to idle agents (matching
/// capabilities, preferring the specialization, honouring every limit), starts each agent in the issue's worktree
/// with its own token and MCP configuration, keeps its lease alive while the process lives, stops the process when
/// the lease is lost or a timeout hits, re-prompts a run that ended without submitting (bounded), and gives the
/// issue back with the reason recorded otherwise. Worktrees and branches are always kept.
public actor Orchestrator {
    /// What the terminal view and `--until-idle` need to know.
    public struct Snapshot: Sendable {
        /// The runs in flight, sorted by issue key: the agent, when it started and when it last showed activity.
        public var running: [(issue: String, agent: String, since: Date, lastActivity: Date)]
        /// Eligible issues at the last pass, apart from those waiting out a back-off.
        public var eligible: Int
        /// Eligible issues no configured agent can take (capabilities), whose drivers are paused, or that wait for
        /// a worktree under `limits.max_active_worktrees`.
        public var unassignable: Int
        /// Issues this pool's agents submitted since it started.
        public var submitted: Int
        /// Issues given back since the pool started, to the queue or set aside.
        public var released: Int
        /// Paused drivers: until when (nil: until a person acts) and why.
        public var pausedDrivers: [DriverKind: Pause]
        /// Eligible issues that only agents of paused drivers can take.
        public var heldBack: Int
        /// Issues set aside (back to `open`, with a comment) after failed runs, in this run of the pool.
        public var setAside: [String]
        /// Issues waiting out their back-off after a failed run.
        public var cooling: Int
        /// Submitted issues (testing, review) that ready issues wait for: more work comes once they pass.
        public var awaitingReview: [String]
        /// Nothing running, nothing eligible that an agent could take, nothing waiting out a back-off. Issues that
        /// wait for a blocker in testing or review do not keep it busy: nothing in the pool moves them on.
        public var isIdle: Bool { running.isEmpty && eligible == unassignable && cooling == 0 }

        /// Whether held-back work waits for a pause that ends within `seconds` (so waiting is worth it).
        public func waitsForResume(within seconds: TimeInterval, now: Date = Date()) -> Bool {
            heldBack > 0 && pausedDrivers.values.contains { $0.until.map { $0 <= now + seconds } ?? false }
        }
    }

    /// Why and until when a driver takes no work.
    public typealias Pause = AgentSession.Pause

    struct Run {
        let agent: String
        let epoch: Int
        let since: Date
        var lastActivity: Date
        var process: AgentProcess?
    }

    /// Where the queue is read and leases and alerts written (the work service's store).
    public let store: any TurboStore
    /// Leases issues to the pool's agents and makes their worktrees.
    public let work: WorkService
    /// The pool's part of `turbocode.yaml`: sub-agents, limits, leases, alerts and the test command.
    public let config: OrchestratorConfig
    /// The repository the worktrees belong to; run logs go under its `.turbocode/logs/`.
    public let repository: Repository
    let project: Project
    let serverURL: String
    let logger: Logger
    /// Told about assignments, submissions and releases (the terminal view).
    let report: @Sendable (String) -> Void
    /// Whether verification and the merge queue have nothing to do (for `--until-idle`).
    let reviewIdle: @Sendable () async -> Bool
    var runs: [UUID: Run] = [:]
    var paused: [DriverKind: Pause] = [:]
    private var setAside: [String] = []
    private var lastHeldBack = 0
    private var submitted = 0
    private var released = 0
    /// Failed runs in a row per issue, and when a failed issue may be tried again.
    private var failures: [UUID: Int] = [:]
    private var coolingUntil: [UUID: Date] = [:]
    var lastEligible = 0
    var lastUnassignable = 0
    /// When the counts were last read from the whole queue (``refreshCounts(withWorktree:force:)``), and when the
    /// last issue was assigned (counts read before it still count that issue as eligible).
    private var countedAt: ContinuousClock.Instant?
    var assignedAt: ContinuousClock.Instant?
    var warnedWorktreeLimit = false
    private var lastAwaitingReview: [String] = []
    private nonisolated let wakeups = Wakeups()
    /// Where the agents' streams are shown live, if anywhere (the dashboard).
    let watch: RunWatch?
    /// Worktrees being made by runs that were assigned but have not begun (counted against `max_active_worktrees`).
    var pendingWorktrees: Set<UUID> = []

    /// A pool for `project` whose agents reach the coordinator at `serverURL`. `report` gets its lines for the
    /// terminal; `reviewIdle` says whether verification and the merge queue are done (`--until-idle`).
    public init(
        work: WorkService, config: OrchestratorConfig, project: Project, serverURL: String, logger: Logger,
        report: @escaping @Sendable (String) -> Void = { _ in },
        reviewIdle: @escaping @Sendable () async -> Bool = { true }, watch: RunWatch? = nil
    ) {
        self.reviewIdle = reviewIdle
        self.watch = watch
        self.store = work.store
        self.work = work
        self.config = config
        self.repository = work.worktrees.repository
        self.project = project
        self.serverURL = serverURL
        self.logger = logger
        self.report = report
    }

    /// Asks for a scheduling pass now; wake-ups coalesce, and a pass runs every `limits.scheduling_fallback` anyway.
    public nonisolated func wake() { wakeups.wake() }

    /// The events after which a scheduling pass may assign something: work became ready or was sent back to an
    /// agent, a blocker or an issue holding paths finished, an issue's fields changed, a lease ended, a driver
    /// resumed.
    public static let schedulingEvents: Set<EventType> = [
        .issueCreated, .issueReady, .issueUpdated, .issueClosed, .issueReopened, .issueDeleted, .dependencyRemoved,
        .leaseReleased, .verificationFailed, .reviewChangesRequested, .mergeSucceeded, .driverResumed,
    ]

    /// Wakes the scheduler for every event of ``schedulingEvents`` that `feed` publishes — written here, by another
    /// process or another coordinator — until the task is cancelled. A subscription dropped for falling behind is
    /// taken again (a pass reads the whole state, so missed events lose nothing).
    public nonisolated func follow(_ feed: EventFeed) async {
        while !Task.isCancelled {
            guard let subscription = try? await feed.subscribe() else { return }
            await withTaskCancellationHandler {
                for await published in subscription.events
                where EventType(rawValue: published.event.type).map(Self.schedulingEvents.contains) ?? false {
                    wake()
                }
            } onCancel: {
                Task { await feed.unsubscribe(subscription.id) }
            }
            guard await feed.endReason(of: subscription.id) == .tooSlow else { return }
            await feed.unsubscribe(subscription.id)
            wake()
        }
    }

    /// The pool now, for the status line and `--until-idle`: the runs in flight, and the counts of the last pass.
    public func snapshot() -> Snapshot {
        Snapshot(
            running: runs.map { ($1.agent, $1.since, $1.lastActivity, $0) }.map { agent, since, activity, id in
                (issue: issueKeys[id] ?? id.uuidString, agent: agent, since: since, lastActivity: activity)
            }.sorted { $0.issue < $1.issue },
            eligible: lastEligible, unassignable: lastUnassignable, submitted: submitted, released: released,
            pausedDrivers: paused, heldBack: lastHeldBack, setAside: setAside,
            cooling: coolingUntil.values.filter { $0 > Date() }.count, awaitingReview: lastAwaitingReview)
    }

    var issueKeys: [UUID: String] = [:]
    /// Alerts already raised (kind and subject), so each condition is reported once until it clears.
    var raised: Set<String> = []
    var lastMonitor: ContinuousClock.Instant?
    /// The running look at the worktrees' uncommitted changes (``checkUncommittedChanges()``), if any.
    var uncommittedCheck: Task<Void, Never>?
    /// The `uncommitted_changes` alerts that held at its last look.
    var uncommittedHolding: Set<String> = []
    /// Conditions that hold in the current monitor pass.
    var holding: Set<String> = []

    /// Schedules until cancelled, then stops every agent and gives its issue back. `idle` is called once, the first
    /// time nothing is in flight and nothing eligible can be taken by any agent.
    ///
    /// Held-back work (eligible issues only paused drivers can take) keeps the pool from idling while a pause ends
    /// within `waitForResume`.
    public func run(idle: (@Sendable () -> Void)? = nil, waitForResume: TimeInterval = 0) async {
        var toldIdle = false
        await withDiscardingTaskGroup { group in
            await wakeups.run(every: config.limits.schedulingFallback, logging: "a scheduling pass", to: logger) {
                for start in try await schedule() {
                    group.addTask { await self.execute(start) }
                }
                try await monitor()
                if let idle, !toldIdle, snapshot().isIdle, !snapshot().waitsForResume(within: waitForResume),
                    await reviewIdle()
                {
                    // A verification or merge that ended meanwhile may have made work eligible: look once more.
                    let more = try await schedule()
                    for start in more { group.addTask { await self.execute(start) } }
                    // The same test again: that pass may have found work held back by a pause about to end.
                    if more.isEmpty, snapshot().isIdle, !snapshot().waitsForResume(within: waitForResume) {
                        toldIdle = true
                        idle()
                    }
                }
            }
            // Cancelled (shutdown): the runs still going are stopped; each gives its issue back.
            uncommittedCheck?.cancel()
            for run in runs.values { run.process?.stop("the coordinator is shutting down") }
        }
        // A pause lives as long as the pool: the next `up` starts every driver afresh. (Written from a task of its
        // own: this one is cancelled.)
        let (store, drivers) = (store, Array(paused.keys))
        _ = await Task {
            for driver in drivers { _ = try? await store.appendEvent(.driverResumed(driver.rawValue)) }
        }.value
        paused = [:]
    }

    /// One pass: expired leases, then assignments while capacity and eligible issues last. Returns what was started.
    func schedule() async throws -> [Assignment] {
        let expired = try await store.expireLeases()
        for lease in expired {
            if let run = runs[lease.issueID], run.epoch == lease.epoch {
                run.process?.stop("its lease expired")
            }
        }
        // The project's live leases in one read (a read per run per pass was most of a pass's statements).
        var leases: [UUID: Lease] = [:]
        if !runs.isEmpty {
            for lease in try await store.liveLeases(project: .id(project.id)) { leases[lease.issueID] = lease }
        }
        // A run whose lease was lost some other way (an admin moved the issue) is stopped too. A lease its agent
        // ended by submitting is not lost: the agent is finishing its turn, and its last events carry the usage
        // (this pass runs as soon as the submission's event arrives).
        for (issueID, run) in runs {
            let lease = leases[issueID]
            if lease == nil, let log = try await store.workLogs(of: .id(issueID)).last,
                log.outcome == .submitted, log.startedBy == "ai:\(run.agent)"
            {
                continue
            }
            if lease?.epoch != run.epoch || lease?.releasedAt != nil { run.process?.stop("its lease is gone") }
        }
        let now = Date()
        for (driver, pause) in paused {
            guard let until = pause.until, until <= now else { continue }
            paused[driver] = nil
            _ = try? await store.appendEvent(.driverResumed(driver.rawValue))
            report(
                "\(driver.rawValue) resumed (its \(pause.kind.replacingOccurrences(of: "_", with: " ")) pause ended)")
        }
        coolingUntil = coolingUntil.filter { $0.value > now }

        var started = try await resumeSentBack()
        // Each assignment is a claim: the store offers the claimable issues in queue order from its indexes (ready,
        // blockers finished, no path overlapping work in flight) and `assign` gives each to the agent that takes it,
        // or passes it over — so an assignment costs the same with 100 issues in the queue as with 10,000. The whole
        // queue is read only for the counts (``refreshCounts(withWorktree:force:)``).
        var withWorktree: Set<UUID>?
        var activeCount = 0
        var foundNothing = false
        while runs.count < config.limits.maxConcurrentSubagents {
            let load = Dictionary(grouping: runs.values, by: \.agent).mapValues(\.count)
            let perAgent = config.limits.maxIssuesPerSubagent
            let free = config.subagents.filter {
                paused[$0.driver] == nil && load[$0.id, default: 0] < min($0.maxConcurrentIssues, perAgent)
            }
            guard !free.isEmpty else { break }
            // From here on a failure (the database) ends the pass without throwing: what it already leased is in
            // `runs` and must reach `execute`, or its slot and lease would be held by nothing.
            let claimed: Claimed?
            do {
                // Counted, not listed: worktrees stay until their work is merged. At the limit only issues that
                // have a worktree may start: then their ids are read, once per assignment.
                activeCount = try await store.activeWorktreeCount(project: .id(project.id))
                withWorktree =
                    activeCount + pendingWorktrees.count >= config.limits.maxActiveWorktrees
                    ? Set(try await store.activeWorktrees(project: .id(project.id)).map(\.issueID)) : nil
                let (cooling, onlyWith) = (Set(coolingUntil.keys), withWorktree)
                claimed = try await store.claimNext(
                    ClaimRequest(project: .id(project.id), ttl: work.firstTTL) { issue in
                        guard !cooling.contains(issue.id), onlyWith?.contains(issue.id) ?? true else { return nil }
                        return Self.pick(for: issue.capabilities, among: free, load: load)?.id
                    })
            } catch {
                logger.warning("assigning work failed", metadata: ["error": "\(error)"])
                break
            }
            guard let claimed else {
                foundNothing = true
                break
            }
            let (issue, lease) = (claimed.issue, claimed.lease)
            guard let agent = free.first(where: { $0.id == lease.agentID }) else {
                // Cannot happen (the lease names the agent `assign` chose among `free`); if it did, the issue goes
                // back rather than stay leased to nobody running.
                _ = try? await store.finishLease(
                    on: .id(issue.id), agent: lease.agentID, epoch: lease.epoch, status: .ready,
                    end: WorkLogEnd(outcome: .released), comment: nil, reason: "no such agent")
                break
            }
            runs[issue.id] = Run(agent: agent.id, epoch: lease.epoch, since: Date(), lastActivity: Date(), process: nil)
            issueKeys[issue.id] = issue.key.description
            assignedAt = .now
            // At the limit only issues that have a worktree get this far; otherwise one not known to have a worktree
            // counts as one being made.
            if withWorktree == nil, (try? await store.worktree(of: .id(issue.id))) == nil {
                pendingWorktrees.insert(issue.id)
            }
            report("\(issue.key) → \(agent.id) (\(agent.driver.rawValue), lease \(lease.epoch))")
            started.append(Assignment(start: .leased(issue, lease), agent: agent))
        }
        do {
            // Exact counts when nothing runs (`--until-idle` decides on them) and when the pass looked for work and
            // found none; otherwise at most once a second.
            let waitingForWorktree = try await refreshCounts(
                withWorktree: withWorktree, force: runs.isEmpty || foundNothing)
            // Only a pass that looked for work and found none knows whether the worktree limit holds it back.
            // Nothing frees a worktree by itself: these wait for a person (or the merge queue) to remove some.
            if foundNothing, waitingForWorktree > 0, !warnedWorktreeLimit {
                warnedWorktreeLimit = true
                // Counted by the claim that found nothing, this pass.
                report(
                    "limit reached: \(activeCount + pendingWorktrees.count) active worktrees "
                        + "(limits.max_active_worktrees \(config.limits.maxActiveWorktrees)); "
                        + "\(waitingForWorktree) eligible issue(s) wait. "
                        + "Remove finished ones with 'turbocode worktree remove'.")
            } else if foundNothing, waitingForWorktree == 0 {
                warnedWorktreeLimit = false
            }
        } catch {
            logger.warning("reading the queue's counts failed", metadata: ["error": "\(error)"])
        }
        return started
    }

    /// Work sent back by verification, a reviewer or the merge queue (`in_progress` without a lease) goes to the
    /// agent that did it, with a new lease, when it is in this pool and has room; work of agents outside the pool
    /// goes back to the queue for any agent.
    func resumeSentBack() async throws -> [Assignment] {
        var started: [Assignment] = []
        for issue in try await store.sentBackWork(project: .id(project.id)) where runs[issue.id] == nil {
            let agentID = SendBack.agent(try await store.workLogs(of: .id(issue.id)).last?.startedBy)
            guard let agent = config.subagents.first(where: { $0.id == agentID }) else {
                _ = try await store.transition(
                    .id(issue.id), to: .ready, reason: nil, actor: "turbocode")
                report("\(issue.key) sent back; \(agentID ?? "its agent") is not in this pool, so it goes to the queue")
                continue
            }
            let load = runs.values.filter { $0.agent == agent.id }.count
            guard paused[agent.driver] == nil, runs.count < config.limits.maxConcurrentSubagents,
                load < min(agent.maxConcurrentIssues, config.limits.maxIssuesPerSubagent)
            else { continue }
            do {
                let created = try await work.worktrees.create(.id(issue.id))
                let (resumed, lease, log) = try await store.resumeLeasedWork(
                    on: .id(issue.id), agent: agent.id, ttl: work.ttl, worktreePath: created.record.path,
                    branch: created.record.branch)
                runs[issue.id] = Run(
                    agent: agent.id, epoch: lease.epoch, since: Date(), lastActivity: Date(), process: nil)
                issueKeys[issue.id] = issue.key.description
                report("\(issue.key) → \(agent.id) again, to fix what came back (lease \(lease.epoch))")
                started.append(
                    Assignment(
                        start: .started(
                            WorkService.Started(
                                issue: resumed, lease: lease, worktree: created.record, log: log, createdWorktree: false
                            )),
                        agent: agent, rework: true))
            } catch {
                logger.info("not resuming \(issue.key)", metadata: ["reason": "\(error)"])
            }
        }
        return started
    }

    /// Whether `agent` has every capability in `capabilities` (case-insensitive).
    static func can(_ agent: OrchestratorConfig.Subagent, take capabilities: [String]) -> Bool {
        Capabilities.cover(capabilities, with: agent.capabilities)
    }

    /// The agent among `agents` (those with free capacity) for an issue asking for `capabilities`: one whose
    /// specialization the issue asks for first, then the least busy by `load`, then configuration order.
    static func pick(
        for capabilities: [String], among agents: [OrchestratorConfig.Subagent], load: [String: Int]
    ) -> OrchestratorConfig.Subagent? {
        let needs = Set(capabilities.map { $0.lowercased() })
        return agents.enumerated().filter { can($0.element, take: capabilities) }.min { a, b in
            let aSpecial = a.element.specialization.map { needs.contains($0.lowercased()) } ?? false
            let bSpecial = b.element.specialization.map { needs.contains($0.lowercased()) } ?? false
            if aSpecial != bSpecial { return aSpecial }
            let (aLoad, bLoad) = (load[a.element.id, default: 0], load[b.element.id, default: 0])
            return aLoad != bLoad ? aLoad < bLoad : a.offset < b.offset
        }?.element
    }

    /// Whether the counts were last read before `instant` (or never).
    func countedBefore(_ instant: ContinuousClock.Instant) -> Bool { countedAt.map { $0 < instant } ?? true }

    /// Reads the whole queue for the counts the status line, `--until-idle` and the alerts show — eligible issues,
    /// those no usable agent can take, those only a paused driver can take, those awaiting review — unless `force`
    /// is false and they were read less than a second ago. With `withWorktree` (the worktree limit is reached), the
    /// eligible issues an agent could take but that have no worktree count as waiting; returns how many.
    @discardableResult
    func refreshCounts(withWorktree: Set<UUID>?, force: Bool) async throws -> Int {
        if !force, let countedAt, ContinuousClock.now - countedAt < .seconds(1) { return 0 }
        countedAt = .now
        let queue = try await store.queue(project: .id(project.id))
        // Ready issues waiting only for blockers in testing or review: more work comes once those pass.
        lastAwaitingReview = Set(
            queue.filter { !$0.isEligible }.flatMap(\.candidate.blockers).filter {
                $0.status == .testing || $0.status == .review
            }.map(\.key.description)
        ).sorted()
        let entries = queue.filter { $0.isEligible && coolingUntil[$0.candidate.id] == nil }
        let usable = config.subagents.filter { paused[$0.driver] == nil }
        let assignable = entries.filter { entry in usable.contains { Self.can($0, take: entry.candidate.capabilities) }
        }
        lastHeldBack =
            entries.filter { entry in
                !usable.contains { Self.can($0, take: entry.candidate.capabilities) }
                    && config.subagents.contains { Self.can($0, take: entry.candidate.capabilities) }
            }.count
        lastEligible = entries.count
        lastUnassignable = entries.count - assignable.count
        guard let withWorktree else { return 0 }
        let waiting = assignable.filter { !withWorktree.contains($0.candidate.id) }.count
        lastUnassignable += waiting
        return waiting
    }

    struct Assignment: Sendable {
        /// How far the start got in the scheduling pass.
        enum Start: Sendable {
            /// Leased only: the run makes the worktree and the work log (``WorkService/begin(_:lease:agent:)``),
            /// so one pass assigns many issues without waiting for git between them.
            case leased(Issue, Lease)
            /// Started (work sent back, resumed in its worktree).
            case started(WorkService.Started)
        }

        var start: Start
        var agent: OrchestratorConfig.Subagent
        /// Work that came back (failed verification, requested changes, a failed merge).
        var rework = false
    }

    typealias Outcome = AgentSession.Outcome

    /// One issue from its assignment to its submission or release.
    func execute(_ assignment: Assignment) async {
        let agent = assignment.agent
        let started: WorkService.Started
        switch assignment.start {
        case .started(let resumed): started = resumed
        case .leased(let issue, let lease):
            do {
                started = try await work.begin(issue, lease: lease, agent: agent.id)
                pendingWorktrees.remove(issue.id)
            } catch {
                // `begin` gave the issue back (git failing to make the worktree, a lease lost meanwhile).
                pendingWorktrees.remove(issue.id)
                logger.warning("starting \(issue.key) failed", metadata: ["error": "\(error)"])
                report("\(issue.key) could not be started: \(error)")
                runs[issue.id] = nil
                wake()
                return
            }
        }
        let issue = started.issue
        let source = StoreWorkSource(
            work: work, issue: issue, agent: agent.id, epoch: started.lease.epoch, log: started.log.id,
            report: report)
        var outcome: Outcome
        do {
            outcome = try await drive(started, agent: agent, rework: assignment.rework, source: source)
        } catch {
            logger.error("running \(issue.key) failed", metadata: ["error": "\(error)"])
            outcome = .failed("\(error)")
        }
        let after = AgentSession.aftermath(
            of: outcome, issue: issue.key.description, agent: agent.id, driver: agent.driver,
            failures: failures[issue.id, default: 0], limits: config.limits, logs: ".turbocode/logs/\(issue.key)/")
        if let pause = after.pause { await self.pause(agent.driver, pause) }
        await source.giveBack(after)
        switch after.giveBack {
        case .none: if case .submitted = outcome { submitted += 1 }
        case .ready: released += 1
        case .setAside:
            released += 1
            if !setAside.contains(issue.key.description) { setAside.append(issue.key.description) }
        }
        failures[issue.id] = after.failures == 0 ? nil : after.failures
        if let wait = after.retryAfter { coolingUntil[issue.id] = Date().addingTimeInterval(wait.timeInterval) }
        report(after.line)
        runs[issue.id] = nil
        wake()
    }

    /// Runs the agent through an `AgentSession` backed by the store, with a fresh agent token for the session.
    func drive(
        _ started: WorkService.Started, agent: OrchestratorConfig.Subagent, rework: Bool, source: StoreWorkSource
    ) async throws -> Outcome {
        let issue = started.issue
        // Named for the lease: a call from it without an epoch acts on this lease only.
        let token = try await TokenService.create(
            role: .agent, agentID: agent.id,
            name: Caller.SessionLease(issue: issue.key.description, epoch: started.lease.epoch).tokenName, store: store)
        defer {
            let store = store
            Task { _ = try? await store.revokeToken(token.token.id.lowercasedString) }
        }
        let epoch = started.lease.epoch
        let workspace = Prompt.Workspace(
            worktree: started.worktree.path, branch: started.worktree.branch,
            baseBranch: try await store.project(.id(issue.projectID)).baseBranch, epoch: epoch,
            testCommand: config.testCommand, allowedCommands: config.allowedCommands(for: agent),
            driver: agent.driver, submitsOnExit: agent.submitOnExit)
        var session = AgentSession(
            issue: issue.key, epoch: epoch, agent: agent, limits: config.limits,
            heartbeatInterval: config.leases.heartbeat, serverURL: serverURL, token: token.secret,
            workspace: workspace,
            logRoot: URL(fileURLWithPath: repository.stateDirectory).appendingPathComponent("logs"), source: source,
            started: { process in await self.attach(process, to: issue.id) },
            activity: { await self.touch(issue.id) },
            report: report)
        session.watch = watch
        let prompt = try await Prompt.initial(for: issue, store: store, workspace: workspace)
        return try await session.run(prompt: rework ? Prompt.rework(issue.key) + prompt : prompt)
    }

    private func attach(_ process: AgentProcess, to issue: UUID) { runs[issue]?.process = process }

    private func touch(_ issue: UUID) { runs[issue]?.lastActivity = Date() }
}
