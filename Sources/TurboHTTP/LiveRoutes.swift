import Foundation
import Hummingbird
import ServiceLifecycle
import TurboAgents
import TurboCore
import TurboServices

/// The live view of the work: an issue's current run as its agent's stream (`GET /api/v1/issues/{key}/run`, waiting
/// for new entries up to `wait` seconds) and the fleet (`GET /api/v1/fleet`) of `turbocode up`'s pool — under
/// `serve`, which runs no agents, both answer that no pool is watched — and every live lease with its heartbeat (`GET
/// /api/v1/leases`), whoever holds it.
struct LiveRoutes: Sendable {
    let store: any TurboStore
    let runs: RunWatch
    let mergeQueue: MergeQueue?

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("issues/:issue/run") { request, context in
            let issue = try await store.issue(try APIController.issue(context))
            let after = try APIController.integer(request, "after", default: 0, range: 0...Int.max)
            let wait = try APIController.integer(request, "wait", default: 0, range: 0...25)
            let key = issue.key.description
            let runs = runs
            // A graceful shutdown answers waiting readers at once instead of waiting for their timeout.
            let run =
                wait > 0
                ? await withGracefulShutdownHandler {
                    await runs.wait(key, after: after, timeout: .seconds(wait))
                } onGracefulShutdown: {
                    Task { await runs.close() }
                }
                : await runs.run(key, after: after)
            return Reply(RunDocument(issue: key, watched: await runs.watchesAPool, run: run, after: after))
        }
        api.get("leases") { request, _ in
            let project = try request.uri.queryParameters.get("project").map { try ProjectRef(parsing: $0) }
            return Reply(try await store.liveLeases(project: project).map(LeaseDocument.init))
        }
        api.get("merge-queue") { _, _ in
            Reply(MergeQueueDocument(running: mergeQueue != nil, current: await mergeQueue?.current, now: Date()))
        }
        api.get("fleet") { _, _ in
            Reply(FleetDocument(await runs.fleet(), now: Date()))
        }
    }
}

/// `GET /api/v1/issues/{key}/run`: the issue's latest run in this coordinator's pool, entries after `after`.
struct RunDocument: Encodable {
    var issue: String
    var watched: Bool
    var run: RunWatch.Run?
    var after: Int

    enum CodingKeys: String, CodingKey {
        case issue, watched, live, agent, epoch, startedAt = "started_at", entries, next
    }

    enum EntryKeys: String, CodingKey {
        case seq, at, kind, text, ok, inputTokens = "input_tokens", outputTokens = "output_tokens"
        case costUSD = "cost_usd"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(issue, forKey: .issue)
        try c.encode(watched, forKey: .watched)
        try c.encode(run?.live ?? false, forKey: .live)
        try c.encode(run?.agent, forKey: .agent)
        try c.encode(run?.epoch, forKey: .epoch)
        try c.encode(run?.startedAt, forKey: .startedAt)
        try c.encode(run?.entries.last?.seq ?? after, forKey: .next)
        var entries = c.nestedUnkeyedContainer(forKey: .entries)
        for entry in run?.entries ?? [] {
            var e = entries.nestedContainer(keyedBy: EntryKeys.self)
            try e.encode(entry.seq, forKey: .seq)
            try e.encode(entry.at, forKey: .at)
            try e.encode(entry.kind, forKey: .kind)
            try e.encodeIfPresent(entry.text, forKey: .text)
            try e.encodeIfPresent(entry.ok, forKey: .ok)
            try e.encodeIfPresent(entry.inputTokens, forKey: .inputTokens)
            try e.encodeIfPresent(entry.outputTokens, forKey: .outputTokens)
            try e.encodeIfPresent(entry.costUSD, forKey: .costUSD)
        }
    }
}

/// `GET /api/v1/fleet`: the pool's agents with what each runs, the capacity used and free, paused drivers and the
/// queue as the scheduler last saw it.
struct FleetDocument: Encodable {
    var fleet: (agents: [OrchestratorConfig.Subagent], snapshot: Orchestrator.Snapshot)?
    var now: Date

    init(_ fleet: (agents: [OrchestratorConfig.Subagent], snapshot: Orchestrator.Snapshot)?, now: Date) {
        self.fleet = fleet
        self.now = now
    }

    enum CodingKeys: String, CodingKey {
        case pool, agents, capacity, pausedDrivers = "paused_drivers", queue, submitted, released
        case setAside = "set_aside", awaitingReview = "awaiting_review"
    }

    enum AgentKeys: String, CodingKey {
        case id, driver, model, capabilities, maxConcurrentIssues = "max_concurrent_issues", running, paused
    }

    enum RunKeys: String, CodingKey {
        case issue, since, lastActivity = "last_activity", quietSeconds = "quiet_seconds"
    }

    enum PauseKeys: String, CodingKey {
        case driver, kind, until, reason
    }

    enum CapacityKeys: String, CodingKey {
        case slots, used, free
    }

    enum QueueKeys: String, CodingKey {
        case eligible, unassignable, heldBack = "held_back", cooling
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fleet != nil, forKey: .pool)
        let agents = fleet?.agents ?? []
        let snapshot = fleet?.snapshot
        let paused = snapshot?.pausedDrivers ?? [:]
        var list = c.nestedUnkeyedContainer(forKey: .agents)
        for agent in agents {
            var a = list.nestedContainer(keyedBy: AgentKeys.self)
            try a.encode(agent.id, forKey: .id)
            try a.encode(agent.driver.rawValue, forKey: .driver)
            try a.encode(agent.model, forKey: .model)
            try a.encode(agent.capabilities, forKey: .capabilities)
            try a.encode(agent.maxConcurrentIssues, forKey: .maxConcurrentIssues)
            var running = a.nestedUnkeyedContainer(forKey: .running)
            for run in snapshot?.running ?? [] where run.agent == agent.id {
                var r = running.nestedContainer(keyedBy: RunKeys.self)
                try r.encode(run.issue, forKey: .issue)
                try r.encode(run.since, forKey: .since)
                try r.encode(run.lastActivity, forKey: .lastActivity)
                try r.encode(max(0, Int(now.timeIntervalSince(run.lastActivity))), forKey: .quietSeconds)
            }
            if let pause = paused[agent.driver] {
                var p = a.nestedContainer(keyedBy: PauseKeys.self, forKey: .paused)
                try Self.write(pause, driver: agent.driver, into: &p)
            } else {
                try a.encodeNil(forKey: .paused)
            }
        }
        var capacity = c.nestedContainer(keyedBy: CapacityKeys.self, forKey: .capacity)
        let slots = agents.reduce(0) { $0 + $1.maxConcurrentIssues }
        let used = snapshot?.running.count ?? 0
        try capacity.encode(slots, forKey: .slots)
        try capacity.encode(used, forKey: .used)
        try capacity.encode(max(0, slots - used), forKey: .free)
        var pauses = c.nestedUnkeyedContainer(forKey: .pausedDrivers)
        for (driver, pause) in paused.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            var p = pauses.nestedContainer(keyedBy: PauseKeys.self)
            try Self.write(pause, driver: driver, into: &p)
        }
        var queue = c.nestedContainer(keyedBy: QueueKeys.self, forKey: .queue)
        try queue.encode(snapshot?.eligible ?? 0, forKey: .eligible)
        try queue.encode(snapshot?.unassignable ?? 0, forKey: .unassignable)
        try queue.encode(snapshot?.heldBack ?? 0, forKey: .heldBack)
        try queue.encode(snapshot?.cooling ?? 0, forKey: .cooling)
        try c.encode(snapshot?.submitted ?? 0, forKey: .submitted)
        try c.encode(snapshot?.released ?? 0, forKey: .released)
        try c.encode(snapshot?.setAside ?? [], forKey: .setAside)
        try c.encode(snapshot?.awaitingReview ?? [], forKey: .awaitingReview)
    }

    static func write(
        _ pause: AgentSession.Pause, driver: DriverKind, into p: inout KeyedEncodingContainer<PauseKeys>
    ) throws {
        try p.encode(driver.rawValue, forKey: .driver)
        try p.encode(pause.kind, forKey: .kind)
        try p.encode(pause.until, forKey: .until)
        try p.encode(pause.reason, forKey: .reason)
    }
}

/// `GET /api/v1/merge-queue`: whether a merge queue runs beside this server and the merge under way.
struct MergeQueueDocument: Encodable {
    var running: Bool
    var current: MergeQueue.Step?
    var now: Date

    enum CodingKeys: String, CodingKey { case running, current }
    enum StepKeys: String, CodingKey { case issue, step, since, seconds }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(running, forKey: .running)
        guard let current else {
            try c.encodeNil(forKey: .current)
            return
        }
        var step = c.nestedContainer(keyedBy: StepKeys.self, forKey: .current)
        try step.encode(current.issue, forKey: .issue)
        try step.encode(current.step, forKey: .step)
        try step.encode(current.since, forKey: .since)
        try step.encode(max(0, Int(now.timeIntervalSince(current.since))), forKey: .seconds)
    }
}
