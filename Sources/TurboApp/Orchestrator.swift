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
        public var running: [(issue: String, agent: String, since: Date, lastActivity: Date)]
        public var eligible: Int
        /// Eligible issues no configured agent can take (capabilities), whose drivers are paused, or that wait for
        /// a worktree under `limits.max_active_worktrees`.
        public var unassignable: Int
        public var submitted: Int
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
    public struct Pause: Sendable, Hashable {
        /// Nil: until a person acts (and restarts the pool).
        public var until: Date?
        /// `rate_limited`, `authentication`, `billing`.
        public var kind: String
        /// The CLI's own words.
        public var reason: String
    }

    struct Run {
        let agent: String
        let epoch: Int
        let since: Date
        var lastActivity: Date
        var process: AgentProcess?
    }

    public let store: any TurboStore
    public let work: WorkService
    public let config: OrchestratorConfig
    public let repository: Repository
    let project: Project
    let serverURL: String
    let logger: Logger
    /// Told about assignments, submissions and releases (the terminal view).
    let report: @Sendable (String) -> Void
    /// Whether verification and the merge queue have nothing to do (for `--until-idle`).
    let reviewIdle: @Sendable () async -> Bool
    private var runs: [UUID: Run] = [:]
    private var paused: [DriverKind: Pause] = [:]
    private var setAside: [String] = []
    private var lastHeldBack = 0
    private var submitted = 0
    private var released = 0
    /// Failed runs in a row per issue, and when a failed issue may be tried again.
    private var failures: [UUID: Int] = [:]
    private var coolingUntil: [UUID: Date] = [:]
    private var lastEligible = 0
    private var lastUnassignable = 0
    private var warnedWorktreeLimit = false
    private var lastAwaitingReview: [String] = []
    private nonisolated let wakeups = Wakeups()

    public init(
        work: WorkService, config: OrchestratorConfig, project: Project, serverURL: String, logger: Logger,
        report: @escaping @Sendable (String) -> Void = { _ in },
        reviewIdle: @escaping @Sendable () async -> Bool = { true }
    ) {
        self.reviewIdle = reviewIdle
        self.store = work.store
        self.work = work
        self.config = config
        self.repository = work.worktrees.repository
        self.project = project
        self.serverURL = serverURL
        self.logger = logger
        self.report = report
    }

    public nonisolated func wake() { wakeups.wake() }

    public func snapshot() -> Snapshot {
        Snapshot(
            running: runs.map { ($1.agent, $1.since, $1.lastActivity, $0) }.map { agent, since, activity, id in
                (issue: issueKeys[id] ?? id.uuidString, agent: agent, since: since, lastActivity: activity)
            }.sorted { $0.issue < $1.issue },
            eligible: lastEligible, unassignable: lastUnassignable, submitted: submitted, released: released,
            pausedDrivers: paused, heldBack: lastHeldBack, setAside: setAside,
            cooling: coolingUntil.values.filter { $0 > Date() }.count, awaitingReview: lastAwaitingReview)
    }

    private var issueKeys: [UUID: String] = [:]

    /// Schedules until cancelled, then stops every agent and gives its issue back. `idle` is called once, the first
    /// time nothing is in flight and nothing eligible can be taken by any agent.
    ///
    /// Held-back work (eligible issues only paused drivers can take) keeps the pool from idling while a pause ends
    /// within `waitForResume`.
    public func run(idle: (@Sendable () -> Void)? = nil, waitForResume: TimeInterval = 0) async {
        var toldIdle = false
        await withDiscardingTaskGroup { group in
            await wakeups.run(every: .seconds(1), logging: "a scheduling pass", to: logger) {
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
                    if more.isEmpty, snapshot().isIdle {
                        toldIdle = true
                        idle()
                    }
                }
            }
            // Cancelled (shutdown): the runs still going are stopped; each gives its issue back.
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
        // A run whose lease was lost some other way (an admin moved the issue) is stopped too.
        for (issueID, run) in runs {
            let lease = try await store.currentLease(of: .id(issueID))
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
        while true {
            let queue = try await store.queue(project: .id(project.id))
            // Ready issues waiting only for blockers in testing or review: more work comes once those pass.
            let waiting = Set(
                queue.filter { !$0.isEligible }.flatMap(\.candidate.blockers).filter {
                    $0.status == .testing || $0.status == .review
                }.map(\.key.description))
            lastAwaitingReview = waiting.sorted()
            let entries = queue.filter { $0.isEligible && coolingUntil[$0.candidate.id] == nil }
            let usable = config.subagents.filter { paused[$0.driver] == nil }
            let assignable = entries.filter { entry in usable.contains { Self.can($0, take: entry.candidate) } }
            lastHeldBack =
                entries.filter { entry in
                    !usable.contains { Self.can($0, take: entry.candidate) }
                        && config.subagents.contains { Self.can($0, take: entry.candidate) }
                }.count
            lastEligible = entries.count
            lastUnassignable = entries.count - assignable.count
            guard runs.count < config.limits.maxConcurrentSubagents else { break }
            let activeWorktrees = try await store.activeWorktrees(project: .id(project.id))
            var assignment: Assignment?
            var waitingForWorktree = 0
            for entry in assignable {
                let hasWorktree = activeWorktrees.contains { $0.issueID == entry.candidate.id }
                if !hasWorktree && activeWorktrees.count >= config.limits.maxActiveWorktrees {
                    waitingForWorktree += 1
                    continue
                }
                guard let agent = pick(for: entry.candidate, among: usable) else { continue }
                do {
                    let start = try await work.start(.id(entry.candidate.id), agent: agent.id, eligibleInQueue: true)
                    runs[start.issue.id] = Run(
                        agent: agent.id, epoch: start.lease.epoch, since: Date(), lastActivity: Date(), process: nil)
                    issueKeys[start.issue.id] = start.issue.key.description
                    report("\(start.issue.key) → \(agent.id) (\(agent.driver.rawValue), lease \(start.lease.epoch))")
                    assignment = Assignment(started: start, agent: agent)
                    break
                } catch let error as TurboError {
                    // Taken or changed since the queue was read: try the next one.
                    logger.info("not starting \(entry.candidate.key)", metadata: ["reason": "\(error)"])
                    continue
                } catch {
                    // Anything else (git failing to make the worktree): the issue was given back; the pass goes on,
                    // so that what it already started is not lost.
                    logger.warning("starting \(entry.candidate.key) failed", metadata: ["error": "\(error)"])
                    report("\(entry.candidate.key) could not be started: \(error)")
                    continue
                }
            }
            guard let assignment else {
                // Nothing frees a worktree by itself: these wait for a person (or the merge queue) to remove some.
                lastUnassignable += waitingForWorktree
                if waitingForWorktree > 0, !warnedWorktreeLimit {
                    warnedWorktreeLimit = true
                    report(
                        "limit reached: \(activeWorktrees.count) active worktrees (limits.max_active_worktrees "
                            + "\(config.limits.maxActiveWorktrees)); \(waitingForWorktree) eligible issue(s) wait. "
                            + "Remove finished ones with 'turbocode worktree remove'.")
                } else if waitingForWorktree == 0 {
                    warnedWorktreeLimit = false
                }
                break
            }
            started.append(assignment)
        }
        return started
    }

    /// Work sent back by verification, a reviewer or the merge queue (`in_progress` without a lease) goes to the
    /// agent that did it, with a new lease, when it is in this pool and has room; work of agents outside the pool
    /// goes back to the queue for any agent.
    func resumeSentBack() async throws -> [Assignment] {
        var started: [Assignment] = []
        for issue in try await store.issues(IssueFilter(project: .id(project.id), statuses: [.inProgress]))
        where runs[issue.id] == nil {
            if let lease = try await store.currentLease(of: .id(issue.id)), lease.releasedAt == nil { continue }
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
                        started: WorkService.Started(
                            issue: resumed, lease: lease, worktree: created.record, log: log, createdWorktree: false),
                        agent: agent, rework: true))
            } catch {
                logger.info("not resuming \(issue.key)", metadata: ["reason": "\(error)"])
            }
        }
        return started
    }

    // MARK: Monitors

    /// Alerts already raised (kind and subject), so each condition is reported once until it clears.
    private var raised: Set<String> = []
    private var lastMonitor: ContinuousClock.Instant?

    /// Writes `alert.raised` for conditions that need a person: a silent agent, old uncommitted changes, a limit that
    /// holds eligible work back, little disk left under the worktree root. At most every 10 seconds (or half of
    /// `alerts.agent_inactive`, when shorter).
    func monitor() async throws {
        let interval = min(.seconds(10), config.alerts.agentInactive / 2)
        if let lastMonitor, ContinuousClock.now - lastMonitor < interval { return }
        lastMonitor = .now
        holding = []
        let now = Date()
        for (issueID, run) in runs {
            let key = issueKeys[issueID] ?? issueID.uuidString
            let quiet = now.timeIntervalSince(run.lastActivity)
            if quiet > config.alerts.agentInactive.timeInterval {
                try await raise(
                    .agentInactive, key, "\(run.agent) has written nothing for \(Int(quiet / 60)) min", agent: run.agent
                )
            }
            if let status = try? await work.worktrees.status(.id(issueID)),
                let oldest = status.oldestUncommittedChangeAt,
                now.timeIntervalSince(oldest) > config.alerts.uncommittedChanges.timeInterval
            {
                try await raise(
                    .uncommittedChanges, key,
                    "\(status.uncommitted.count) uncommitted file(s), the oldest changed \(Int(now.timeIntervalSince(oldest) / 60)) min ago",
                    agent: run.agent)
            }
        }
        if runs.count >= config.limits.maxConcurrentSubagents, lastEligible > lastUnassignable {
            try await raise(
                .limitReached, project.key.rawValue,
                "\(lastEligible - lastUnassignable) eligible issue(s) wait: all \(config.limits.maxConcurrentSubagents) agent slots "
                    + "(limits.max_concurrent_subagents) are busy")
        }
        if warnedWorktreeLimit {
            try await raise(
                .limitReached, project.key.rawValue + " worktrees",
                "limits.max_active_worktrees (\(config.limits.maxActiveWorktrees)) reached; remove finished worktrees")
        }
        if let free = Self.freeSpace(under: work.worktrees.worktrees.layout.root),
            free.bytes < 1 << 30 || free.fraction < 0.05
        {
            try await raise(
                .lowDisk, project.key.rawValue,
                "\(free.bytes >> 20) MiB (\(Int(free.fraction * 100)) %) free under \(work.worktrees.worktrees.layout.root)"
            )
        }
        raised.formIntersection(holding)
    }

    /// Conditions that hold in the current monitor pass.
    private var holding: Set<String> = []

    /// Records that a condition holds and writes its alert the first time.
    private func raise(_ kind: AlertKind, _ subject: String, _ message: String, agent: String? = nil) async throws {
        let key = "\(kind.rawValue) \(subject)"
        holding.insert(key)
        guard !raised.contains(key) else { return }
        raised.insert(key)
        _ = try await store.appendEvent(.alert(kind, subject: subject, message: message, agent: agent))
        report("alert (\(kind.rawValue)) \(subject): \(message)")
    }

    /// Free bytes and the free fraction of the file system holding `path` (or its nearest existing parent).
    static func freeSpace(under path: String) -> (bytes: Int64, fraction: Double)? {
        var url = URL(fileURLWithPath: path)
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" { url.deleteLastPathComponent() }
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: url.path),
            let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value,
            let size = (attributes[.systemSize] as? NSNumber)?.int64Value, size > 0
        else { return nil }
        return (free, Double(free) / Double(size))
    }

    /// Whether `agent` has every capability the issue needs.
    static func can(_ agent: OrchestratorConfig.Subagent, take issue: QueueCandidate) -> Bool {
        let have = Set(agent.capabilities.map { $0.lowercased() })
        return Set(issue.capabilities.map { $0.lowercased() }).isSubset(of: have)
    }

    /// An agent with free capacity that can take the issue: one whose specialization the issue asks for first,
    /// then the least busy, then configuration order.
    func pick(for issue: QueueCandidate, among agents: [OrchestratorConfig.Subagent]) -> OrchestratorConfig.Subagent? {
        let needs = Set(issue.capabilities.map { $0.lowercased() })
        let load = Dictionary(grouping: runs.values, by: \.agent).mapValues(\.count)
        return agents.enumerated().filter { _, agent in
            Self.can(agent, take: issue)
                && load[agent.id, default: 0] < min(agent.maxConcurrentIssues, config.limits.maxIssuesPerSubagent)
        }.min { a, b in
            let aSpecial = a.element.specialization.map { needs.contains($0.lowercased()) } ?? false
            let bSpecial = b.element.specialization.map { needs.contains($0.lowercased()) } ?? false
            if aSpecial != bSpecial { return aSpecial }
            let (aLoad, bLoad) = (load[a.element.id, default: 0], load[b.element.id, default: 0])
            return aLoad != bLoad ? aLoad < bLoad : a.offset < b.offset
        }?.element
    }

    struct Assignment: Sendable {
        var started: WorkService.Started
        var agent: OrchestratorConfig.Subagent
        /// Work that came back (failed verification, requested changes, a failed merge).
        var rework = false
    }

    typealias Outcome = AgentSession.Outcome

    /// One issue from its assignment to its submission or release.
    func execute(_ assignment: Assignment) async {
        let issue = assignment.started.issue
        let agent = assignment.agent
        let epoch = assignment.started.lease.epoch
        var outcome: Outcome
        do {
            outcome = try await drive(assignment)
        } catch {
            logger.error("running \(issue.key) failed", metadata: ["error": "\(error)"])
            outcome = .failed("\(error)")
        }
        // Whatever happened, the issue does not stay with a process that is gone (writes not cancelled).
        let store = store
        func giveBack(_ status: IssueStatus, reason: String, comment: String?) async {
            _ = try? await Task {
                try await store.finishLease(
                    on: .id(issue.id), agent: agent.id, epoch: epoch, status: status,
                    end: WorkLogEnd(outcome: .released), comment: comment, reason: reason)
            }.value
        }
        switch outcome {
        case .submitted:
            submitted += 1
            failures[issue.id] = nil
            report("\(issue.key) submitted by \(agent.id)")
        case .leftAlone(let why):
            report("\(issue.key) \(why)")
        case .rateLimited(let until, let message):
            await pause(agent.driver, Pause(until: until, kind: "rate_limited", reason: message))
            released += 1
            await giveBack(.ready, reason: "\(agent.driver.rawValue) is rate limited", comment: nil)
            report("\(issue.key) given back: \(agent.driver.rawValue) is rate limited")
        case .driverUnusable(let kind, let message):
            await pause(agent.driver, Pause(until: nil, kind: kind.rawValue, reason: message))
            released += 1
            await giveBack(.ready, reason: "\(agent.driver.rawValue) cannot work: \(kind.rawValue)", comment: nil)
            report("\(issue.key) given back: \(agent.driver.rawValue) cannot work (\(kind.rawValue))")
        case .retryLater(let why):
            released += 1
            let wait = Self.backoff(config.limits.retryBackoff, failures: (failures[issue.id] ?? 0) + 1)
            coolingUntil[issue.id] = Date().addingTimeInterval(wait.timeInterval)
            await giveBack(.ready, reason: why, comment: nil)
            report("\(issue.key) given back (\(why)); retried in \(Int(wait.timeInterval)) s")
        case .interrupted(let why):
            released += 1
            await giveBack(.ready, reason: why, comment: nil)
            report("\(issue.key) given back: \(why)")
        case .failed(let why):
            released += 1
            let count = failures[issue.id, default: 0] + 1
            failures[issue.id] = count
            if count >= config.limits.maxFailedRuns {
                // A person has to look: out of the queue, with the reason.
                await giveBack(
                    .open, reason: why,
                    comment: Self.setAsideComment(issue: issue.key.description, failures: count, last: why))
                failures[issue.id] = nil
                if !setAside.contains(issue.key.description) { setAside.append(issue.key.description) }
                report("\(issue.key) set aside after \(count) failed runs: \(why)")
            } else {
                let wait = Self.backoff(config.limits.retryBackoff, failures: count)
                coolingUntil[issue.id] = Date().addingTimeInterval(wait.timeInterval)
                // What the CLI refused, or why a submission was refused, is worth a comment: the operator (and the
                // next run, which sees the latest comments) learns what stood in the way.
                let worthSaying = why.contains("permission denied") || why.contains("submission was refused")
                await giveBack(.ready, reason: why, comment: worthSaying ? "Given back: \(why)" : nil)
                report("\(issue.key) given back (\(why)); retried in \(Int(wait.timeInterval)) s at the earliest")
            }
        }
        runs[issue.id] = nil
        wake()
    }

    /// Stops dispatch to `driver`: the event, an alert when a person must act, a line on the terminal.
    func pause(_ driver: DriverKind, _ pause: Pause) async {
        paused[driver] = pause
        _ = try? await store.appendEvent(
            .driverPaused(driver.rawValue, until: pause.until, kind: pause.kind, reason: pause.reason))
        if let until = pause.until {
            report("\(driver.rawValue) reported a limit (\(pause.reason)); paused until \(Self.clock(until))")
        } else {
            let message =
                "\(driver.rawValue) cannot work (\(pause.kind)): \(pause.reason). \(Self.remedy(driver, pause.kind)) "
                + "Its work is held back until 'turbocode up' is restarted."
            _ = try? await store.appendEvent(.alert(.driverUnusable, subject: driver.rawValue, message: message))
            report("alert (driver_unusable) \(message)")
        }
    }

    /// What a person sets so that a driver can log in.
    public static func remedy(_ driver: DriverKind, _ kind: String) -> String {
        if kind == "billing" { return "Add credit to the account or use another key." }
        switch driver {
        case .claude:
            return "Set ANTHROPIC_API_KEY (or CLAUDE_CODE_USE_BEDROCK / CLAUDE_CODE_USE_VERTEX with their credentials) "
                + "for 'turbocode up', or run 'claude /login' as the user running it."
        case .codex: return "Set OPENAI_API_KEY (or CODEX_API_KEY) for 'turbocode up', or run 'codex login'."
        case .gemini: return "Set GEMINI_API_KEY (or GOOGLE_API_KEY / Vertex credentials) for 'turbocode up'."
        case .aider:
            return "Set the model provider's key for 'turbocode up' (OPENAI_API_KEY, ANTHROPIC_API_KEY, …) or an "
                + "env: entry on the subagent."
        case .cursor: return "Set CURSOR_API_KEY for 'turbocode up'."
        case .amp: return "Set AMP_API_KEY for 'turbocode up'."
        case .copilot: return "Set GH_TOKEN / GITHUB_TOKEN with Copilot access for 'turbocode up'."
        case .opencode: return "Set the provider's key for 'turbocode up' or run 'opencode auth login'."
        case .command: return "Check the command's credentials."
        }
    }

    /// A local wall-clock time, 24-hour, with seconds (`21:04:05`).
    public static func clock(_ date: Date = Date()) -> String {
        let parts = Calendar.current.dateComponents([.hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))"
    }

    /// The comment on an issue set aside after `failures` failed runs in a row.
    static func setAsideComment(issue: String, failures: Int, last: String) -> String {
        "turboCode stopped retrying after \(failures) failed runs; the last one: \(last). "
            + "Logs: .turbocode/logs/\(issue)/. Make the issue ready again to retry."
    }

    /// The wait before the next try after `failures` failed runs in a row: doubling from `base`.
    static func backoff(_ base: Duration, failures: Int) -> Duration { base * (1 << max(0, failures - 1)) }

    /// Runs the agent through an `AgentSession` backed by the store, with a fresh agent token for the session.
    func drive(_ assignment: Assignment) async throws -> Outcome {
        let started = assignment.started
        let issue = started.issue
        let agent = assignment.agent
        let token = try await TokenService.create(
            role: .agent, agentID: agent.id, name: "run of \(issue.key)", store: store)
        defer {
            let store = store
            Task { _ = try? await store.revokeToken(token.token.id.lowercasedString) }
        }
        let (work, store, epoch) = (work, store, started.lease.epoch)
        let workspace = Prompt.Workspace(
            worktree: started.worktree.path, branch: started.worktree.branch,
            baseBranch: try await store.project(.id(issue.projectID)).baseBranch, epoch: epoch,
            testCommand: config.testCommand, allowedCommands: config.allowedCommands(for: agent),
            driver: agent.driver, submitsOnExit: agent.submitOnExit)
        var session = AgentSession(
            issue: issue.key, epoch: epoch, agent: agent, limits: config.limits,
            heartbeatInterval: config.leases.heartbeat, serverURL: serverURL, token: token.secret,
            workspace: workspace,
            logRoot: URL(fileURLWithPath: repository.stateDirectory).appendingPathComponent("logs"),
            heartbeat: { _ = try await work.heartbeat(.id(issue.id), agent: agent.id, epoch: epoch) },
            state: {
                let log = try await store.workLogs(of: .id(issue.id)).last
                return .from(
                    startedBy: log?.startedBy, active: log?.isActive ?? false, outcome: log?.outcome, agent: agent.id,
                    status: try await store.issue(.id(issue.id)).status)
            },
            submit: { _ = try await work.submit(.id(issue.id), agent: agent.id, epoch: epoch, commitURL: nil) },
            alert: { kind, message in
                _ = try? await store.appendEvent(
                    .alert(kind, subject: issue.key.description, message: message, agent: agent.id))
            },
            started: { process in await self.attach(process, to: issue.id) },
            activity: { await self.touch(issue.id) },
            report: report)
        let logID = started.log.id
        session.usage = { input, output, cost in
            _ = try? await store.addUsage(toWorkLog: logID, inputTokens: input, outputTokens: output, costUSD: cost)
        }
        let report = report
        session.denied = { denial in
            _ = try? await store.appendEvent(
                .permissionDenied(issue: issue.key.description, agent: agent.id, denial: denial))
            report("\(issue.key): \(agent.id) was refused \(denial)")
        }
        let prompt = try await Prompt.initial(for: issue, store: store, workspace: workspace)
        return try await session.run(prompt: assignment.rework ? Prompt.rework(issue.key) + prompt : prompt)
    }

    private func attach(_ process: AgentProcess, to issue: UUID) { runs[issue]?.process = process }

    private func touch(_ issue: UUID) { runs[issue]?.lastActivity = Date() }
}
