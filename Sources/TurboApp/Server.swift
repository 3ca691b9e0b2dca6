public import Foundation
import Hummingbird
public import Logging
import ServiceLifecycle
public import TurboCore
public import TurboHTTP
import TurboMCP
import TurboPostgres
public import TurboServices
import TurboWebhooks
import UnixSignals

/// The coordinator as `serve`, `up` and `demo` run it (``run(store:database:repository:options:logger:version:pool:report:onReady:)``),
/// and what they share: the admin token, the server's options and the API's configuration.
public enum Server {
    /// Whether `host` only accepts connections from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.")
    }

    /// Where `serve` leaves the admin token it creates: `.turbocode/admin-token`.
    public static func adminTokenPath(_ repository: Repository) -> String {
        (repository.stateDirectory as NSString).appendingPathComponent("admin-token")
    }

    /// The admin token `serve` wrote for this repository, if any.
    public static func readAdminToken(_ repository: Repository) -> String? {
        guard let text = try? String(contentsOfFile: adminTokenPath(repository), encoding: .utf8) else { return nil }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return secret.isEmpty ? nil : secret
    }

    /// Makes sure an admin token exists: when none is active, creates one and writes it to `.turbocode/admin-token`
    /// (mode 0600) for the CLI to read. Returns the file's path when it wrote one.
    public static func ensureAdminToken(repository: Repository?, store: any TurboStore) async throws -> String? {
        guard try await !store.tokens().contains(where: { $0.role == .admin && $0.isActive }) else { return nil }
        guard let repository else {
            throw TurboError.invalidInput(
                "no admin token exists and there is no repository to write one to; run 'turbocode token create --admin'"
            )
        }
        let (secret, _) = try await TokenService.create(role: .admin, agentID: nil, name: "serve", store: store)
        try ProjectSetup.prepareStateDirectory(repository)
        let path = adminTokenPath(repository)
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw TurboError.invalidInput("cannot write \(path)") }
        return path
    }

    /// How `serve` runs.
    public struct Options: Sendable {
        /// The address to listen on; anything but loopback makes reads need a token too.
        public var host = "127.0.0.1"
        /// The TCP port to listen on; 0 takes any free one (the bound port goes to `onReady`).
        public var port = 7420
        /// Per-token (or per-address, for anonymous reads) request budget; nil for none.
        public var rateLimit: RateLimit? = RateLimit(requestsPerSecond: 100)
        /// The longest wait before events written by another process reach WebSocket clients.
        public var pollInterval: Duration = .milliseconds(25)
        /// How often the webhook outbox is looked at.
        public var webhookPoll: Duration = .milliseconds(100)
        /// How often expired leases are looked for.
        public var leaseSweep: Duration = .seconds(5)
        /// How long a lease taken over REST lives without a heartbeat.
        public var leaseTTL: Duration = LeaseDefaults.ttl

        /// Loopback on port 7420, with the defaults above.
        public init() {}
    }

    /// The API's configuration for a store and repository: token authentication against the store, worktree
    /// operations when there is a repository; review follows `pool` (default: the repository's `turbocode.yaml`).
    public static func configuration(
        store: any TurboStore, repository: Repository?, options: Options, logger: Logger,
        pool: OrchestratorConfig? = nil
    ) throws -> APIConfiguration {
        let worktrees = try repository.map { repository in
            try WorktreeService(store: store, repository: repository)
        }
        var configuration = APIConfiguration(
            store: store, authenticate: { secret in try await TokenService.authenticate(secret, store: store) },
            requireTokenForReads: !isLoopback(options.host), worktrees: worktrees,
            feed: EventFeed(store: store, pollInterval: options.pollInterval, logger: logger),
            rateLimit: options.rateLimit)
        configuration.work = worktrees.map { WorkService(worktrees: $0, ttl: options.leaseTTL) }
        let pool =
            try pool ?? repository.map { try OrchestratorConfig.load(from: $0.configFile) } ?? OrchestratorConfig()
        configuration.review = worktrees.map { ReviewService(worktrees: $0, config: pool) }
        return configuration
    }

    /// `turbocode up`'s pool of agents: the orchestrator, one more service of the coordinator.
    public struct Pool: Sendable {
        /// The orchestrator's part of `turbocode.yaml` (limits, leases, the sub-agents); verification uses it too.
        public var config: OrchestratorConfig
        /// The project whose queue the pool works.
        public var project: Project
        /// Stop once nothing is in flight and nothing eligible can be taken.
        public var untilIdle: Bool
        /// With `untilIdle`: how long to wait for a paused driver whose limit resets.
        public var waitForReset: TimeInterval
        /// How often `status` is told the pool's state.
        public var statusInterval: Duration = .seconds(15)
        /// The pool's state, every `statusInterval` (the terminal's status line).
        public var status: @Sendable (Orchestrator.Snapshot) -> Void
        /// Once idle (with `untilIdle`): the last state; the coordinator then stops gracefully, as on SIGTERM.
        public var idle: @Sendable (Orchestrator.Snapshot) async -> Void

        /// A pool over `project`; `statusInterval` starts at 15 seconds.
        public init(
            config: OrchestratorConfig, project: Project, untilIdle: Bool, waitForReset: TimeInterval,
            status: @escaping @Sendable (Orchestrator.Snapshot) -> Void,
            idle: @escaping @Sendable (Orchestrator.Snapshot) async -> Void
        ) {
            self.config = config
            self.project = project
            self.untilIdle = untilIdle
            self.waitForReset = waitForReset
            self.status = status
            self.idle = idle
        }
    }

    /// The coordinator, composed once for `serve`, `up` and `demo`: the REST API, the event WebSocket and MCP on one
    /// Hummingbird server, and beside it, as named services of one `ServiceGroup`, the lease reaper, webhook delivery,
    /// verification and the merge queue (with a repository), PostgreSQL's commit notifications, and with `pool` the
    /// orchestrator. Runs until SIGINT or SIGTERM (or, with `pool.untilIdle`, until the pool is idle), then stops
    /// gracefully: in-flight requests finish, agents are stopped and their issues given back.
    ///
    /// `report` gets the lines for the terminal (verification, merges, the pool's assignments); `onReady` the port
    /// bound.
    public static func run(
        store: any TurboStore, database: DatabaseURL, repository: Repository?, options: Options, logger: Logger,
        version: String, pool: Pool? = nil, report: @escaping @Sendable (String) -> Void,
        onReady: @escaping @Sendable (Int) -> Void
    ) async throws {
        let config = try pool?.config ?? repository.map { try OrchestratorConfig.load(from: $0.configFile) }
        var configuration = try configuration(
            store: store, repository: repository, options: options, logger: logger, pool: config)
        let mcp = MCPHTTPEndpoint(
            tools: try TurboTools(store: store, repository: repository, leaseTTL: options.leaseTTL), version: version,
            loopbackOnly: isLoopback(options.host), logger: logger)
        configuration.extraRoutes = [{ router in mcp.register(on: router) }]
        // Verification and the merge queue follow the same configuration as the API's review routes.
        let review = configuration.worktrees.map { worktrees in
            ReviewServices(worktrees: worktrees, config: config ?? OrchestratorConfig(), logger: logger, report: report)
        }
        configuration.mergeQueue = review?.mergeQueue
        let feed = configuration.feed
        var services: [any Service] = [
            NamedService("lease reaper") {
                // Expired leases are released and their issues go back to the queue.
                while !Task.isCancelled {
                    do {
                        let expired = try await store.expireLeases()
                        if !expired.isEmpty {
                            feed.wake()
                            logger.notice(
                                "leases expired", metadata: ["issues": "\(expired.map(\.issueKey.description))"])
                        }
                    } catch {
                        logger.warning("expiring leases failed", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: options.leaseSweep)
                }
            }
        ]
        // Webhook delivery from the event log (the outbox).
        let dispatcher = WebhookDispatcher(store: store, logger: logger, pollInterval: options.webhookPoll)
        services.append(NamedService("webhook delivery") { await dispatcher.run() })
        if let review { services.append(NamedService("verification and merge queue") { await review.run() }) }
        // New events (written here, by other processes, or announced by PostgreSQL) go out at once, not at the
        // next poll; submissions and approvals reach verification and the merge queue the same way.
        await feed.onNewEvents {
            dispatcher.wake()
            review?.wake()
        }
        if case .postgres(let settings) = database {
            // Commits by other processes and machines wake the feed at once; polling stays as the safety net.
            services.append(
                NamedService("PostgreSQL notifications") {
                    await PostgresEventWakeups.listen(settings, logger: logger) { feed.wake() }
                })
        }
        let stop = ShutdownTrigger()
        let (addresses, address) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1))
        if let pool, let work = configuration.work {
            let watch = configuration.runs
            services.append(
                NamedService("orchestrator") {
                    // Agents are told the server's address, known once it is bound.
                    var iterator = addresses.makeAsyncIterator()
                    guard let url = await iterator.next() else { return }
                    await runPool(
                        pool, work: work, serverURL: url, review: review, feed: feed, watch: watch,
                        stop: stop, logger: logger, report: report)
                })
        }
        let app = buildApplication(
            configuration, address: .hostname(options.host, port: options.port), logger: logger, services: services,
            onServerRunning: { port in
                address.yield("http://\(options.host):\(port ?? options.port)")
                onReady(port ?? options.port)
            })
        // One service group: the server and every service above; SIGTERM, SIGINT or the idle pool stop it gracefully.
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        await stop.attach(group)
        try await group.run()
    }

    /// The orchestrator and its status line until shutdown; with `untilIdle`, the idle report, then the stop.
    static func runPool(
        _ pool: Pool, work: WorkService, serverURL: String, review: ReviewServices?, feed: EventFeed,
        watch: RunWatch, stop: ShutdownTrigger, logger: Logger, report: @escaping @Sendable (String) -> Void
    ) async {
        let orchestrator = Orchestrator(
            work: work, config: pool.config, project: pool.project, serverURL: serverURL, logger: logger,
            report: report, reviewIdle: { await review?.isIdle() ?? true }, watch: watch)
        await watch.attach(agents: pool.config.subagents) { await orchestrator.snapshot() }
        defer { Task { await watch.close() } }
        // Dispatch on events: what makes work assignable wakes the scheduler at once, whoever wrote it.
        let following = Task { await orchestrator.follow(feed) }
        defer { following.cancel() }
        let view = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: pool.statusInterval)
                if Task.isCancelled { return }
                pool.status(await orchestrator.snapshot())
            }
        }
        defer { view.cancel() }
        let stopWhenIdle: @Sendable () -> Void = {
            _ = Task {
                await pool.idle(await orchestrator.snapshot())
                // The same graceful path as Ctrl-C.
                await stop.shutdown()
            }
        }
        await orchestrator.run(idle: pool.untilIdle ? stopWhenIdle : nil, waitForResume: pool.waitForReset)
    }
}

/// Stops a running server gracefully from inside — the same path as SIGTERM: in-flight requests finish, agents are
/// stopped and their issues given back (`up --until-idle` once the pool is idle).
actor ShutdownTrigger {
    private var group: ServiceGroup?
    private var requested = false

    func attach(_ group: ServiceGroup) async {
        self.group = group
        if requested { await group.triggerGracefulShutdown() }
    }

    /// Asks the server to stop; when it has not started yet, it stops as soon as it does.
    func shutdown() async {
        requested = true
        await group?.triggerGracefulShutdown()
    }
}

/// A service that runs a closure until the group shuts down, named in the group's logs.
struct NamedService: Service, CustomStringConvertible {
    let description: String
    let body: @Sendable () async -> Void

    init(_ name: String, body: @escaping @Sendable () async -> Void) {
        self.description = name
        self.body = body
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
    }
}
