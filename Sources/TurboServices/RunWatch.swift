public import Foundation
public import TurboAgents
public import TurboCore

/// What the agents of this coordinator's pool are doing, for the dashboard: each issue's latest run as its agent's
/// normalized stream (text, tool calls and results, usage, failures) kept in memory as it happens, and the pool's
/// state (agents, running work, paused drivers). Only `turbocode up` has a pool; `serve` answers with nothing
/// watched. Nothing here is durable: the event log and the work logs are the record, this is the live view.
public actor RunWatch {
    /// One thing the agent's stream said.
    public struct Entry: Sendable, Hashable {
        /// Its place in the run, from 1; `after=` pages by it.
        public var seq: Int
        /// When the coordinator read it.
        public var at: Date
        /// `started`, `text`, `tool_call`, `tool_result`, `usage`, `permission_denied`, `rate_limited`, `failure`,
        /// `recovered`, `finished` or `notice`.
        public var kind: String
        /// What it says (a message, a tool's name, a failure's words).
        public var text: String?
        /// A tool result's or the run's success.
        public var ok: Bool?
        /// Tokens in, for `usage`.
        public var inputTokens: Int?
        /// Tokens out, for `usage`.
        public var outputTokens: Int?
        /// The cost the CLI reported, for `usage`.
        public var costUSD: Double?
    }

    /// An issue's latest run.
    public struct Run: Sendable, Hashable {
        /// The issue's key.
        public var issue: String
        /// The agent running it.
        public var agent: String
        /// The epoch of the lease it runs under.
        public var epoch: Int
        /// When its first entry came.
        public var startedAt: Date
        /// Whether the agent's process still runs.
        public var live: Bool
        /// The newest entries (at most ``keep``), oldest first.
        public var entries: [Entry]
    }

    /// Entries kept per run; older ones are dropped (the run's log on disk has them all).
    public static let keep = 500
    /// Runs kept, the most recently active first; older runs are forgotten (with ``keep`` entries of at most 2,000
    /// characters, a few tens of MB at most).
    public static let runsKept = 100

    private var runs: [String: Run] = [:]
    private var order: [String] = []
    private var waiters: [String: [UUID: CheckedContinuation<Void, Never>]] = [:]
    private var pool: (@Sendable () async -> Orchestrator.Snapshot)?
    private var closed = false
    private var agents: [OrchestratorConfig.Subagent] = []

    /// An empty watch.
    public init() {}

    /// The pool whose state ``fleet()`` reports, and its configured agents.
    public func attach(
        agents: [OrchestratorConfig.Subagent], snapshot: @escaping @Sendable () async -> Orchestrator.Snapshot
    ) {
        self.agents = agents
        pool = snapshot
    }

    /// Whether a pool reports here (`turbocode up`).
    public var watchesAPool: Bool { pool != nil }

    /// The pool's agents and state now; nil without a pool.
    public func fleet() async -> (agents: [OrchestratorConfig.Subagent], snapshot: Orchestrator.Snapshot)? {
        guard let pool else { return nil }
        return (agents, await pool())
    }

    /// A run of `issue` by `agent` under `epoch` begins (its process is about to start). Another run of the same
    /// session (a nudge) continues the same entries.
    public func begin(issue: String, agent: String, epoch: Int) {
        if var run = runs[issue], run.agent == agent, run.epoch == epoch {
            run.live = true
            runs[issue] = run
        } else {
            runs[issue] = Run(issue: issue, agent: agent, epoch: epoch, startedAt: Date(), live: true, entries: [])
        }
        touch(issue)
        wake(issue)
    }

    /// `event` from the stream of `issue`'s current run.
    public func record(issue: String, _ event: AgentEvent) {
        guard var run = runs[issue] else { return }
        run.entries.append(Self.entry(event, seq: (run.entries.last?.seq ?? 0) + 1))
        if run.entries.count > Self.keep { run.entries.removeFirst(run.entries.count - Self.keep) }
        runs[issue] = run
        wake(issue)
    }

    /// `issue`'s run ended (its process exited).
    public func end(issue: String) {
        runs[issue]?.live = false
        wake(issue)
    }

    /// `issue`'s latest run with only the entries after `after`; nil when none was seen.
    public func run(_ issue: String, after: Int = 0) -> Run? {
        guard var run = runs[issue] else { return nil }
        run.entries = run.entries.filter { $0.seq > after }
        return run
    }

    /// Like ``run(_:after:)``, but waits up to `timeout` for an entry after `after` (or the run's end) when there is
    /// none yet: one request outstanding per watching page, no polling.
    public func wait(_ issue: String, after: Int, timeout: Duration) async -> Run? {
        // Without a pool (or once it stopped) nothing will come: answer at once rather than hold the request.
        guard pool != nil, !closed else { return run(issue, after: after) }
        if let run = run(issue, after: after), !run.entries.isEmpty || !run.live { return run }
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.resume(issue, id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters[issue, default: [:]][id] = continuation
            }
        } onCancel: {
            Task { await self.resume(issue, id) }
        }
        timer.cancel()
        return run(issue, after: after)
    }

    /// The pool stopped (the coordinator is shutting down): waiting readers are answered now, later ones at once,
    /// so that no request holds the shutdown up.
    public func close() {
        closed = true
        for runs in waiters.values { for continuation in runs.values { continuation.resume() } }
        waiters = [:]
        for key in runs.keys { runs[key]?.live = false }
    }

    private func resume(_ issue: String, _ id: UUID) {
        waiters[issue]?.removeValue(forKey: id)?.resume()
    }

    private func wake(_ issue: String) {
        for continuation in (waiters.removeValue(forKey: issue) ?? [:]).values { continuation.resume() }
    }

    private func touch(_ issue: String) {
        order.removeAll { $0 == issue }
        order.insert(issue, at: 0)
        while order.count > Self.runsKept, let oldest = order.popLast() { runs.removeValue(forKey: oldest) }
    }

    static func entry(_ event: AgentEvent, seq: Int) -> Entry {
        var entry = Entry(seq: seq, at: Date(), kind: "notice")
        switch event {
        case .started(let session, let model):
            entry.kind = "started"
            entry.text = [model.map { "model \($0)" }, session.map { "session \($0)" }].compactMap { $0 }
                .joined(separator: ", ")
        case .text(let text): (entry.kind, entry.text) = ("text", text)
        case .toolCall(let name): (entry.kind, entry.text) = ("tool_call", name)
        case .toolResult(let ok): (entry.kind, entry.ok) = ("tool_result", ok)
        case .usage(let input, let output, let cost):
            (entry.kind, entry.inputTokens, entry.outputTokens, entry.costUSD) = ("usage", input, output, cost)
        case .permissionDenied(let tool, let detail):
            (entry.kind, entry.text) = ("permission_denied", detail.map { "\(tool): \($0)" } ?? tool)
        case .rateLimited(_, let message): (entry.kind, entry.text) = ("rate_limited", message)
        case .failure(let kind, let message): (entry.kind, entry.text) = ("failure", "\(kind.rawValue): \(message)")
        case .recovered: entry.kind = "recovered"
        case .finished(let success, let detail): (entry.kind, entry.ok, entry.text) = ("finished", success, detail)
        case .notice(let text): entry.text = text
        }
        // A very long message (a whole file echoed) is cut for the page; the run's log has it whole.
        if let text = entry.text, text.count > 2_000 { entry.text = String(text.prefix(2_000)) + "…" }
        return entry
    }
}

extension RunWatch.Entry {
    init(seq: Int, at: Date, kind: String) {
        self.seq = seq
        self.at = at
        self.kind = kind
    }
}
