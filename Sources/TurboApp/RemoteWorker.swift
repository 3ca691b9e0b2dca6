import Foundation
public import Logging
import ServiceLifecycle
import TurboAPI
import TurboAgents
import TurboCore
public import TurboGit
public import TurboServices
import UnixSignals

/// What a claim returned.
struct RemoteClaim: Sendable {
    var key: IssueKey
    var title: String
    var epoch: Int
    var branch: String
    var baseBranch: String
    var brief: Prompt.Brief
}

/// One agent of the pool running on this machine against a coordinator elsewhere (`turbocode agent run`): claims
/// eligible issues for its capabilities over REST, works each in a worktree of the local clone on the issue's
/// branch, and pushes every commit to the coordinator's repository as it is made (git hooks for the agent's
/// process only), so that the coordinator sees the branch when the agent submits. The agent reaches the
/// coordinator's MCP server directly with the worker's token.
public actor RemoteWorker {
    /// How the worker runs, from `turbocode agent run`'s options and the clone's `turbocode.yaml`.
    public struct Settings: Sendable {
        /// The agent: its id, driver, model, capabilities and how many issues it works at once.
        public var agent: OrchestratorConfig.Subagent
        /// Nudges, timeouts, failed runs and back-off, as for the local pool.
        public var limits: OrchestratorConfig.Limits
        /// How often the lease is renewed while the agent works.
        public var heartbeat: Duration
        /// How often to look for work when the last look found none.
        public var poll: Duration
        /// Stop once nothing runs and two looks a poll apart find nothing to claim.
        public var untilIdle: Bool
        /// The local clone, and the remote in it that is the coordinator's repository.
        public var repository: Repository
        /// The remote in the clone that is the coordinator's repository (pushed to).
        public var remote: String
        /// Where the worktrees go (`~` and relative paths resolved against the clone).
        public var worktreesRoot: String
        /// Files copied into and commands run in each new worktree.
        public var provisioning: ProvisioningPlan
        /// The project's tests and the commands the agent may run besides git (from the clone's turbocode.yaml).
        public var testCommand: String?
        /// The commands the agent may run besides git and the tests.
        public var allowedCommands: [String]

        /// Settings with every field given.
        public init(
            agent: OrchestratorConfig.Subagent, limits: OrchestratorConfig.Limits, heartbeat: Duration,
            poll: Duration, untilIdle: Bool, repository: Repository, remote: String, worktreesRoot: String,
            provisioning: ProvisioningPlan, testCommand: String?, allowedCommands: [String]
        ) {
            self.agent = agent
            self.limits = limits
            self.heartbeat = heartbeat
            self.poll = poll
            self.untilIdle = untilIdle
            self.repository = repository
            self.remote = remote
            self.worktreesRoot = worktreesRoot
            self.provisioning = provisioning
            self.testCommand = testCommand
            self.allowedCommands = allowedCommands
        }
    }

    let settings: Settings
    let client: CoordinatorAPI
    /// The worker's agent token, also given to its agents.
    let token: String
    let git: GitRepository
    let worktrees: Worktrees
    let logger: Logger
    let report: @Sendable (String) -> Void
    /// Where this worker keeps its worktrees, as the coordinator's work log records it.
    let location: String
    private var active = 0
    private var idlePasses = 0
    private var pausedUntil: Date?
    private var coolingUntil: Date?
    private var failures: [IssueKey: Int] = [:]
    private var processes: [IssueKey: AgentProcess] = [:]
    private nonisolated let wakeups = Wakeups()
    /// Issues submitted so far.
    public private(set) var submitted = 0
    /// Issues given back (to the queue, or set aside) so far.
    public private(set) var givenBack = 0

    /// A worker for `settings` against the coordinator at `coordinator` (`http://host:port`) with the agent token
    /// `token`; `report` gets the lines for the terminal.
    public init(
        settings: Settings, coordinator: String, token: String, logger: Logger,
        report: @escaping @Sendable (String) -> Void
    ) throws {
        self.settings = settings
        self.client = try CoordinatorAPI(base: coordinator, token: token)
        self.token = token
        self.git = GitRepository(root: settings.repository.root)
        self.worktrees = Worktrees(
            repository: git,
            layout: WorktreeLayout(root: settings.worktreesRoot, relativeTo: settings.repository.root))
        self.logger = logger
        self.report = report
        self.location = "\(ProcessInfo.processInfo.hostName):\(worktrees.layout.root)"
    }

    /// Claims and works issues until cancelled (or, with `untilIdle`, until nothing is running and a claim finds
    /// nothing). Cancelling stops the agents and gives their issues back.
    public func run() async throws {
        try await preflight()
        let capacity = settings.agent.maxConcurrentIssues
        await withDiscardingTaskGroup { group in
            await wakeups.run(every: settings.poll, logging: "claiming work", to: logger) {
                try Task.checkCancellation()
                var foundNothing = false
                while active < capacity {
                    if let pausedUntil, pausedUntil > Date() {
                        foundNothing = true
                        break
                    }
                    if let coolingUntil, coolingUntil > Date() { break }
                    guard let claim = try await claim() else {
                        foundNothing = true
                        break
                    }
                    active += 1
                    report(
                        "\(claim.key) → \(settings.agent.id) (\(settings.agent.driver.rawValue), lease \(claim.epoch))")
                    group.addTask { await self.work(claim) }
                }
                // Idle only when two passes in a row (a poll apart) find nothing: an issue given back a moment ago
                // by this worker, or by a coordinator that is slow to answer, gets a second look.
                idlePasses = settings.untilIdle && active == 0 && foundNothing ? idlePasses + 1 : 0
                if idlePasses >= 2 {
                    report("idle: nothing running and nothing to claim; stopping")
                    throw CancellationError()
                }
            }
            // Cancelled (shutdown): stop what runs; each session gives its issue back.
            for process in processes.values { process.stop("the worker is shutting down") }
        }
    }

    /// The clone has the coordinator's repository as a remote, and the hooks that push each commit exist.
    func preflight() async throws {
        let url = try await git.runner.run(
            ["remote", "get-url", "--", settings.remote], in: git.root, allowedExitCodes: [0, 2])
        guard url.status == 0 else {
            throw TurboError.invalidInput(
                "the repository \(git.root) has no remote '\(settings.remote)'; add the coordinator's repository "
                    + "(git remote add \(settings.remote) <url>) or pass --remote")
        }
        try PushHooks.install(in: hooksDirectory, original: try await originalHooksDirectory())
    }

    var hooksDirectory: String {
        (settings.repository.stateDirectory as NSString).appendingPathComponent("worker-hooks")
    }

    /// Where the clone's own hooks are (core.hooksPath, else the common git directory's hooks/), chained to.
    private func originalHooksDirectory() async throws -> String {
        let configured = try await git.runner.run(
            ["config", "--get", "core.hooksPath"], in: git.root, allowedExitCodes: [0, 1]
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if !configured.isEmpty {
            return configured.hasPrefix("/") ? configured : (git.root as NSString).appendingPathComponent(configured)
        }
        let common = try await git.runner.run(
            ["rev-parse", "--path-format=absolute", "--git-common-dir"], in: git.root
        )
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (common as NSString).appendingPathComponent("hooks")
    }

    private func claim() async throws -> RemoteClaim? {
        guard let claimed = try await client.claim(capabilities: settings.agent.capabilities, location: location)
        else { return nil }
        let issue = claimed.issue
        let key = issue.key.description
        // The brief for the prompt: blockers and comments are best effort (the prompt works without them).
        let blockers = (try? await client.blockers(key)) ?? []
        let comments = (try? await client.comments(key)) ?? []
        let brief = Prompt.Brief(
            key: key, title: issue.title, type: issue.type, priority: issue.priority, capabilities: issue.capabilities,
            paths: issue.paths, description: issue.description, blockers: blockers, comments: comments)
        return RemoteClaim(
            key: issue.key, title: brief.title, epoch: claimed.epoch, branch: claimed.branch,
            baseBranch: claimed.baseBranch, brief: brief)
    }

    /// One claimed issue: worktree, agent session, push, and giving the issue back when it was not submitted.
    private func work(_ claim: RemoteClaim) async {
        var outcome: AgentSession.Outcome
        var worktree: String?
        do {
            let path = try await prepareWorktree(claim)
            worktree = path
            let session = session(claim, worktree: path)
            outcome = try await session.run(prompt: Prompt.compose(claim.brief, workspace: session.workspace))
        } catch {
            logger.error("working on \(claim.key) failed", metadata: ["error": "\(error)"])
            outcome = .failed("\(error)")
        }
        processes[claim.key] = nil
        let (git, remote) = (git, settings.remote)
        let key = claim.key
        if let worktree {
            // Anything the hooks missed (an agent that committed without git's hooks) goes to the coordinator too.
            let branch = claim.branch
            _ = try? await Task { try await Self.push(git: git, remote: remote, branch: branch, from: worktree) }.value
        }
        let after = AgentSession.aftermath(
            of: outcome, issue: key.description, agent: settings.agent.id, driver: settings.agent.driver,
            failures: failures[key, default: 0], limits: settings.limits, logs: "on \(location)")
        // Not cancelled with the worker: the coordinator must hear how it ended.
        await source(claim, worktree: worktree).giveBack(after)
        switch after.giveBack {
        case .none: if case .submitted = outcome { submitted += 1 }
        case .ready, .setAside: givenBack += 1
        }
        failures[key] = after.failures == 0 ? nil : after.failures
        if let wait = after.retryAfter { coolingUntil = Date().addingTimeInterval(wait.timeInterval) }
        report(after.line)
        if let pause = after.pause {
            // A limit stops claims until it resets; a driver that cannot log in stops them for good.
            pausedUntil = max(pausedUntil ?? .distantPast, pause.until ?? .distantFuture)
            report(
                pause.until.map {
                    "\(settings.agent.driver.rawValue) reported a limit (\(pause.reason)); no claims until "
                        + Orchestrator.clock($0)
                }
                    ?? "\(settings.agent.driver.rawValue) cannot work (\(pause.kind)): \(pause.reason). "
                    + Orchestrator.remedy(settings.agent.driver, pause.kind) + " No more claims; restart the worker.")
        }
        if let worktree,
            let dirty = try? await git.runner.run(["status", "--porcelain"], in: worktree).stdout
                .split(separator: "\n"), !dirty.isEmpty
        {
            report("\(key): \(dirty.count) uncommitted file(s) left in \(worktree); the coordinator cannot see them")
        }
        active -= 1
        wakeups.wake()
    }

    private func session(_ claim: RemoteClaim, worktree: String) -> AgentSession {
        var session = AgentSession(
            issue: claim.key, epoch: claim.epoch, agent: settings.agent, limits: settings.limits,
            heartbeatInterval: settings.heartbeat, serverURL: client.base, token: token,
            workspace: Prompt.Workspace(
                worktree: worktree, branch: claim.branch, baseBranch: claim.baseBranch, epoch: claim.epoch,
                testCommand: settings.testCommand, allowedCommands: settings.allowedCommands,
                driver: settings.agent.driver, submitsOnExit: settings.agent.submitOnExit),
            logRoot: URL(fileURLWithPath: settings.repository.stateDirectory).appendingPathComponent("logs"),
            source: source(claim, worktree: worktree),
            started: { process in await self.attach(process, to: claim.key) },
            report: report)
        session.shutdownReason = "the worker is shutting down"
        session.extraEnvironment = PushHooks.environment(
            hooks: hooksDirectory, remote: settings.remote, branch: claim.branch)
        return session
    }

    private func source(_ claim: RemoteClaim, worktree: String?) -> CoordinatorWorkSource {
        CoordinatorWorkSource(
            client: client, issue: claim.key, epoch: claim.epoch, agent: settings.agent.id, git: git,
            remote: settings.remote, branch: claim.branch, worktree: worktree, report: report)
    }

    private func attach(_ process: AgentProcess, to key: IssueKey) { processes[key] = process }

    /// The issue's worktree in the clone, on the coordinator's branch: fetched from the coordinator (with the
    /// commits of earlier attempts, wherever they ran), fast-forwarded when this clone is behind, provisioned when
    /// new.
    private func prepareWorktree(_ claim: RemoteClaim) async throws -> String {
        let remote = settings.remote
        let tracking = "refs/remotes/\(remote)/\(claim.branch)"
        let baseRef = "refs/remotes/\(remote)/\(claim.baseBranch)"
        try await git.runner.run(
            ["fetch", "--quiet", "--end-of-options", remote, "+refs/heads/\(claim.baseBranch):\(baseRef)"], in: git.root
        )
        let fetched = try await git.runner.run(
            ["fetch", "--quiet", "--end-of-options", remote, "+refs/heads/\(claim.branch):\(tracking)"], in: git.root,
            allowedExitCodes: [0, 1, 128])
        let remoteHead = fetched.status == 0 ? try await git.commit(tracking) : nil
        if let existing = try await worktrees.find(claim.key) {
            if let remoteHead, try await isAncestor(existing.branch ?? "HEAD", of: remoteHead) {
                try await git.runner.run(["merge", "--ff-only", "--quiet", remoteHead], in: existing.path)
            }
            return existing.path
        }
        let start = remoteHead ?? baseRef
        if try await git.branchExists(claim.branch) {
            if try await isAncestor(claim.branch, of: start) {
                try await git.runner.run(["branch", "--force", "--end-of-options", claim.branch, start], in: git.root)
            }
        } else {
            try await git.runner.run(["branch", "--no-track", "--end-of-options", claim.branch, start], in: git.root)
        }
        let created = try await worktrees.create(for: claim.key, title: claim.title, baseBranch: baseRef)
        guard created.branch == claim.branch else {
            throw TurboError.conflictingState(
                "\(claim.key): this clone has the issue on branch \(created.branch), the coordinator on "
                    + "\(claim.branch); remove the local one")
        }
        if created.created {
            _ = try Provisioner.copyFiles(
                settings.provisioning.copy, from: settings.repository.root, to: created.path)
            let runs = try await Provisioner.run(
                settings.provisioning.setup, in: created.path, timeout: settings.provisioning.timeout,
                stopOnFailure: true)
            if let failed = runs.first(where: { !$0.succeeded }) {
                throw TurboError.invalidInput(
                    "setup command '\(failed.command)' failed in \(created.path): "
                        + failed.output.split(separator: "\n").suffix(10).joined(separator: "\n"))
            }
        }
        return created.path
    }

    private func isAncestor(_ revision: String, of other: String) async throws -> Bool {
        try await git.runner.run(
            ["merge-base", "--is-ancestor", "--end-of-options", revision, other], in: git.root,
            allowedExitCodes: [0, 1]
        ).status == 0
    }

    /// Pushes the worktree's branch to the coordinator (never forced: a worker that lost its lease cannot
    /// overwrite the next holder's commits).
    static func push(git: GitRepository, remote: String, branch: String, from worktree: String) async throws {
        try await git.runner.run(
            ["push", "--quiet", "--end-of-options", remote, "HEAD:refs/heads/\(branch)"], in: worktree)
    }
}

/// Git hooks that push each commit of the issue branch to the coordinator as soon as it is made, for the agent's
/// git commands only (through `GIT_CONFIG_*` in its environment; the clone's configuration is not touched). They
/// run the clone's own hooks of the same name first.
enum PushHooks {
    static let pushing = ["post-commit", "post-merge", "post-rewrite"]
    static let chained = [
        "pre-commit", "prepare-commit-msg", "commit-msg", "pre-merge-commit", "pre-rebase", "post-checkout",
        "pre-push", "post-applypatch", "applypatch-msg", "pre-applypatch",
    ]

    static func install(in directory: String, original: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in pushing + chained {
            var script = """
                #!/bin/sh
                # turboCode remote worker: written by 'turbocode agent run'; safe to delete while no agent runs.
                original='\(original.replacingOccurrences(of: "'", with: "'\\''"))/\(name)'
                if [ -x "$original" ]; then "$original" "$@" || exit $?; fi

                """
            if pushing.contains(name) {
                script += """
                    branch=$(git symbolic-ref --quiet --short HEAD 2>/dev/null) || exit 0
                    [ -n "$TURBOCODE_BRANCH" ] && [ "$branch" = "$TURBOCODE_BRANCH" ] || exit 0
                    if ! git push --quiet -- "$TURBOCODE_PUSH_REMOTE" "HEAD:refs/heads/$TURBOCODE_BRANCH"; then
                        echo "turbocode: pushing $TURBOCODE_BRANCH to the coordinator failed; submission will not see this commit" >&2
                    fi

                    """
            }
            let path = (directory as NSString).appendingPathComponent(name)
            try Data(script.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
    }

    /// The agent's extra environment: `core.hooksPath` through `GIT_CONFIG_*` (after any the worker inherited).
    static func environment(hooks: String, remote: String, branch: String) -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        let index = inherited["GIT_CONFIG_COUNT"].flatMap(Int.init) ?? 0
        return [
            "GIT_CONFIG_COUNT": String(index + 1), "GIT_CONFIG_KEY_\(index)": "core.hooksPath",
            "GIT_CONFIG_VALUE_\(index)": hooks, "TURBOCODE_PUSH_REMOTE": remote, "TURBOCODE_BRANCH": branch,
        ]
    }
}

extension RemoteWorker {
    /// Works the coordinator's queue as the one service of a `ServiceGroup`, until it is done (`untilIdle`) or
    /// SIGINT or SIGTERM stop it gracefully: its agents are stopped and their issues given back before it returns.
    public func runUntilStopped() async throws {
        // Done by itself (`untilIdle`): the group ends as on a signal, not as on a failure.
        let service = ServiceGroupConfiguration.ServiceConfiguration(
            service: WorkerService(worker: self), successTerminationBehavior: .gracefullyShutdownGroup)
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// `agent run`'s worker as a service: cancelled (agents stopped, issues given back) on graceful shutdown.
struct WorkerService: Service, CustomStringConvertible {
    let worker: RemoteWorker
    var description: String { "remote worker" }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await worker.run() }
        } catch is CancellationError {
            // Stopped by a signal: the worker has given its issues back.
        }
    }
}
