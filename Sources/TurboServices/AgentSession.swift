public import Foundation
import Synchronization
public import TurboAgents
public import TurboCore
import TurboGit

/// One issue's agent runs from assignment to submission or give-back, for the local pool (`turbocode up`) and remote
/// workers (`turbocode agent run`) alike: starts the agent in the worktree, keeps the lease alive while the process
/// lives, stops it when the lease is lost, re-prompts a run that ends without submitting (bounded), and says how the
/// session ended. What talks to the coordinator (heartbeat, status, submission, usage, denials) is its
/// ``WorkSource``: the store for the local pool, REST for a remote worker.
public struct AgentSession: Sendable {
    /// The issue the session works on.
    public var issue: IssueKey
    /// The epoch of the lease the session works under, handed to the agent as `TURBOCODE_EPOCH`.
    public var epoch: Int
    /// The sub-agent that runs: its id, driver, model, `command:`, `env:` and `submit_on_exit`.
    public var agent: OrchestratorConfig.Subagent
    /// The work session timeout, inactivity timeout, nudges and rate-limit pauses the session keeps to.
    public var limits: OrchestratorConfig.Limits
    /// How often the lease is renewed while the agent's process lives (`leases.heartbeat`).
    public var heartbeatInterval: Duration
    /// The coordinator's base URL (REST and `/mcp`) and the token the agent uses.
    public var serverURL: String
    /// The agent's bearer token for REST and MCP (`TURBOCODE_TOKEN`), masked in each run's `launch.txt`.
    public var token: String
    /// Where and how the agent works; the nudges repeat it.
    public var workspace: Prompt.Workspace
    /// The worktree's path (`workspace.worktree`), where every run starts.
    public var worktree: String { workspace.worktree }
    /// Where run logs go: `<logs>/<ISSUE>/<time>-<n>/`.
    public var logRoot: URL
    /// Added to the agent's environment (a remote worker's git hooks).
    public var extraEnvironment: [String: String] = [:]
    /// Why the agent is stopped when the session is cancelled (contains "shutting down").
    public var shutdownReason = "the coordinator is shutting down"

    /// Where the work is recorded: the store for the local pool, REST for a remote worker.
    public var source: any WorkSource
    /// Told about each process started (so it can be stopped from outside) and each sign of life.
    public var started: @Sendable (AgentProcess) async -> Void
    /// Called for each event that shows the agent at work (every event but a notice).
    public var activity: @Sendable () async -> Void
    /// Told one line for the terminal when a run is nudged or its submission on exit is refused.
    public var report: @Sendable (String) -> Void
    /// Where the runs' streams are shown live (the dashboard's issue page), if anywhere.
    public var watch: RunWatch?

    /// Where the work of a session stands.
    public enum State: Sendable, Equatable {
        /// Still under this session's lease.
        case working
        /// Handed in by this session (whatever verification did with it since).
        case submitted
        /// Taken away some other way (reported blocked, moved by a person, lease lost): the reason.
        case gone(String)

        /// From the issue's latest work log (who started it, whether it is still open, how it ended): active →
        /// working, ended as submitted → submitted, else gone.
        public static func from(
            startedBy: String?, active: Bool, outcome: WorkOutcome?, agent: String, status: IssueStatus
        ) -> State {
            guard startedBy == "ai:\(agent)" else { return .gone("taken over (\(status.rawValue))") }
            if active { return status == .inProgress || status == .assigned ? .working : .gone(status.rawValue) }
            return outcome == .submitted ? .submitted : .gone("moved to \(status.rawValue) by its agent or a person")
        }
    }

    /// How a session ended, for what happens to the issue next.
    public enum Outcome: Sendable, Equatable {
        /// Handed in: by the agent, or by the session on a clean exit (Aider, `submit_on_exit`).
        case submitted
        /// The issue moved on without us (reported blocked, moved by a person, lease lost): nothing to give back.
        case leftAlone(String)
        /// To be given back; counts towards giving up on the issue.
        case failed(String)
        /// To be given back without blame (shutdown).
        case interrupted(String)
        /// The driver reported a usage limit: to be given back, and the driver paused until then.
        case rateLimited(until: Date, message: String)
        /// The driver cannot work until a person acts (no or a refused credential, billing): to be given back
        /// without blame, the driver paused, an alert raised. Never retried by itself.
        case driverUnusable(AgentFailure, String)
        /// A passing failure of the provider (overloaded): to be given back and retried after a back-off, without
        /// counting against the issue.
        case retryLater(String)
    }

    /// A session for `issue` under the lease `epoch`; the callbacks do nothing unless given.
    public init(
        issue: IssueKey, epoch: Int, agent: OrchestratorConfig.Subagent, limits: OrchestratorConfig.Limits,
        heartbeatInterval: Duration, serverURL: String, token: String, workspace: Prompt.Workspace, logRoot: URL,
        source: any WorkSource,
        started: @escaping @Sendable (AgentProcess) async -> Void = { _ in },
        activity: @escaping @Sendable () async -> Void = {},
        report: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.issue = issue
        self.epoch = epoch
        self.agent = agent
        self.limits = limits
        self.heartbeatInterval = heartbeatInterval
        self.serverURL = serverURL
        self.token = token
        self.workspace = workspace
        self.logRoot = logRoot
        self.source = source
        self.started = started
        self.activity = activity
        self.report = report
    }

    /// When a driver that reported a usage limit may work again: at the reset it named (never sooner than
    /// `limits.minimumRateLimitPause` from `now`, so that a reset already past cannot make it retry at once), else
    /// `limits.rateLimitPause` from `now`.
    public static func pauseEnd(resetAt: Date?, limits: OrchestratorConfig.Limits, now: Date) -> Date {
        let until = resetAt ?? now.addingTimeInterval(limits.rateLimitPause.timeInterval)
        return max(until, now.addingTimeInterval(limits.minimumRateLimitPause))
    }

    /// Runs the agent with `prompt`, re-prompting it while it ends without submitting. Cancelling stops the agent
    /// (signal ladder) and ends the session as interrupted.
    public func run(prompt initial: String) async throws -> Outcome {
        let driver = agent.driver.driver()
        let deadline = ContinuousClock.now + limits.workSessionTimeout
        var prompt = initial
        var denials: [String] = []
        var lastRefusal: String?
        for attempt in 0...limits.maxNudges {
            let runDirectory = logRoot.appendingPathComponent(
                "\(issue)/\(Self.timestamp())-\(Self.runCounter.add(1, ordering: .relaxed).newValue)")
            let mcp = MCPServerSpec(url: "\(serverURL)/mcp", headers: ["Authorization": "Bearer \(token)"])
            var request = AgentRunRequest(
                worktree: URL(fileURLWithPath: worktree), prompt: prompt, model: agent.model, mcp: mcp,
                runDirectory: runDirectory, issue: issue.description, command: agent.command)
            request.permissions = AgentRunRequest.Permissions(
                testCommand: workspace.testCommand, allowedCommands: workspace.allowedCommands,
                baseBranch: workspace.baseBranch)
            let plan = try driver.plan(request)
            try await Self.exclude(plan.excludes, in: worktree)
            let environment = AgentEnvironment.build(
                driver: agent.driver, inherited: ProcessInfo.processInfo.environment, configured: agent.environment,
                turbo: turboEnvironment(mcpConfig: request.mcpConfigFile.path), extra: extraEnvironment,
                plan: plan.environment)
            let process = try AgentProcess(
                plan: plan, directory: request.worktree, environment: environment, logDirectory: runDirectory)
            // The run's command line (the token masked) and its variables' names, beside its output.
            try? AgentProcess.writePrivately(
                Data(AgentEnvironment.launchRecord(plan: plan, environment: environment, secrets: [token]).utf8),
                to: runDirectory.appendingPathComponent("launch.txt"))
            await started(process)
            await watch?.begin(issue: issue.description, agent: agent.id, epoch: epoch)
            let remaining = deadline - ContinuousClock.now
            let runLimits = RunLimits(
                wallClock: max(remaining, .seconds(1)), inactivity: limits.inactivityTimeout, grace: .seconds(3))
            let beats = heartbeats(stopping: process)
            // Cancelled (shutdown): the supervisor stops the agent with the signal ladder and waits for it.
            let runReport = await process.supervise(
                parser: driver.makeParser(), limits: runLimits, whenCancelled: shutdownReason
            ) { [watch, issue] event in
                await watch?.record(issue: issue.description, event)
                if event.isActivity { await activity() }
                // A CLI that would only sleep and retry against a closed door is stopped at once: a credential a
                // person must fix, or a limit (the CLI's own quick retries are behind it; the driver pauses).
                switch event {
                case .failure(let kind, _) where kind.needsPerson: process.stop("\(kind.rawValue) failed")
                case .rateLimited: process.stop("rate limited")
                default: break
                }
            }
            beats.cancel()
            await watch?.end(issue: issue.description)
            if runReport.inputTokens > 0 || runReport.outputTokens > 0 || runReport.costUSD != nil {
                await source.usage(
                    inputTokens: runReport.inputTokens, outputTokens: runReport.outputTokens,
                    costUSD: runReport.costUSD)
            }
            for denial in runReport.permissionDenials {
                await source.denied(denial)
                if !denials.contains(denial) { denials.append(denial) }
            }
            let now = try await Task { [source] in try await source.state() }.value
            switch now {
            case .working: break
            case .submitted: return .submitted
            case .gone(let why): return .leftAlone(why)
            }
            if let failure = runReport.failure, failure.kind.needsPerson {
                return .driverUnusable(failure.kind, failure.message)
            }
            if let limit = runReport.rateLimit {
                return .rateLimited(
                    until: Self.pauseEnd(resetAt: limit.resetAt, limits: limits, now: Date()), message: limit.message)
            }
            if let failure = runReport.failure {
                switch failure.kind {
                case .overloaded: return .retryLater("\(agent.driver.rawValue) is overloaded: \(failure.message)")
                default: return .failed(Self.withDenials("\(failure.kind.rawValue): \(failure.message)", denials))
                }
            }
            lastRefusal = nil
            switch runReport.termination {
            case .exited(0):
                if agent.driver.submitsOnExit || (agent.driver == .command && agent.submitOnExit) {
                    do {
                        try await source.submit()
                        return .submitted
                    } catch TurboError.conflictingState(let why) {
                        // Refused (nothing committed, files left over): the agent is told why, not blamed yet.
                        lastRefusal = why
                        report("\(issue): the submission on exit was refused: \(why)")
                    }
                }
            case .exited:
                // A non-zero exit after the CLI's own final event is an ended turn, worth a nudge; without one, a crash.
                if runReport.finished == nil {
                    return .failed(Self.withDenials("the agent \(runReport.termination)", denials))
                }
            case .stopped(let why) where why.contains("shutting down"):
                return .interrupted(why)
            case .wallClock:
                await source.alert(.sessionTimeout, "the work session reached limits.work_session_timeout")
                return .failed(Self.withDenials("the agent \(runReport.termination)", denials))
            default:
                return .failed(Self.withDenials("the agent \(runReport.termination)", denials))
            }
            guard attempt < limits.maxNudges, ContinuousClock.now < deadline else { break }
            report("\(issue): \(agent.id) ended without submitting; nudging (\(attempt + 1)/\(limits.maxNudges))")
            prompt = Prompt.nudge(for: issue, first: initial, refusal: lastRefusal)
        }
        let ended =
            lastRefusal.map { "its submission was refused after \(limits.maxNudges) nudge(s): \($0)" }
            ?? "ended without submitting after \(limits.maxNudges) nudge(s)"
        return .failed(Self.withDenials(ended, denials))
    }

    /// Adds `patterns` (a CLI's housekeeping files) to the repository's `info/exclude`, so they are never seen as
    /// uncommitted work. The file is shared by every worktree of the repository and holds only ignore patterns.
    static func exclude(_ patterns: [String], in worktree: String) async throws {
        guard !patterns.isEmpty else { return }
        let common = try await GitRunner().run(
            ["rev-parse", "--path-format=absolute", "--git-common-dir"], in: worktree
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let info = URL(fileURLWithPath: common).appendingPathComponent("info")
        let file = info.appendingPathComponent("exclude")
        let existing = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        let lines = Set(existing.split(separator: "\n").map(String.init))
        let missing = patterns.filter { !lines.contains($0) }
        guard !missing.isEmpty else { return }
        try FileManager.default.createDirectory(at: info, withIntermediateDirectories: true)
        let prefix = existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n"
        let added = prefix + "# added by turboCode: agent CLIs' housekeeping\n" + missing.joined(separator: "\n") + "\n"
        try Data((existing + added).utf8).write(to: file)
    }

    /// A give-back reason naming what the CLI refused, since a denial is often why the work did not get done.
    static func withDenials(_ reason: String, _ denials: [String]) -> String {
        guard !denials.isEmpty else { return reason }
        let named = denials.prefix(5).joined(separator: "; ") + (denials.count > 5 ? "; …" : "")
        return "\(reason); permission denied: \(named) (allow commands with agents.allow in turbocode.yaml)"
    }

    /// Renews the lease every `heartbeatInterval` while the process lives; a lost lease stops the process.
    /// A lease that ended because the agent submitted is not lost: the agent is finishing its turn and exits by
    /// itself.
    private func heartbeats(stopping process: AgentProcess) -> Task<Void, Never> {
        let (source, interval) = (source, heartbeatInterval)
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                do {
                    try await source.heartbeat()
                } catch TurboError.staleLease {
                    // Submitted: the agent is finishing its turn (its last events carry the usage). A state that
                    // cannot be read now is looked at again at the next beat.
                    guard let state = try? await source.state() else { continue }
                    if state != .submitted { process.stop("its lease is gone") }
                    return
                } catch {
                    continue
                }
            }
        }
    }

    /// How the agent reaches turboCode.
    private func turboEnvironment(mcpConfig: String) -> [String: String] {
        [
            "TURBOCODE_URL": serverURL, "TURBOCODE_TOKEN": token, "TURBOCODE_ISSUE": issue.description,
            "TURBOCODE_EPOCH": String(epoch), "TURBOCODE_WORKTREE": worktree, "TURBOCODE_MCP_CONFIG": mcpConfig,
        ]
    }

    private static let runCounter = Atomic<Int>(0)

    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeSeparator(.omitted))
    }
}
