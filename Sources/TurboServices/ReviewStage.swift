import Foundation
import Logging
import TurboCore

/// What the verifier and the merge queue are built from: the repository's worktrees (and through them the store),
/// the pool's configuration, and where their lines go.
struct ReviewContext: Sendable {
    let worktrees: WorktreeService
    let config: OrchestratorConfig
    /// The agents whose sent-back work the local pool resumes; other agents' work goes back to the queue.
    let poolAgents: Set<String>
    let logger: Logger
    let report: @Sendable (String) -> Void
    let wakeups = Wakeups()

    init(
        worktrees: WorktreeService, config: OrchestratorConfig, logger: Logger,
        report: @escaping @Sendable (String) -> Void
    ) {
        self.worktrees = worktrees
        self.config = config
        self.poolAgents = Set(config.subagents.map(\.id))
        self.logger = logger
        self.report = report
    }
}

/// A stage of review that works through what waits for it, one item at a time: a pass on each wake-up (new events)
/// and every second, and an idle check that counts a pass or an item in progress (the actor is reentrant at every
/// await, so a check between two steps of a pass must see it busy).
protocol ReviewStage: Actor {
    associatedtype Item: Sendable

    /// The dependencies, shared in form with the other stage.
    nonisolated var context: ReviewContext { get }
    /// A pass is running.
    var passing: Bool { get set }
    /// An item is being handled.
    var busy: Bool { get }
    /// What waits, in the order the stage takes it.
    func waiting() async throws -> [Item]
    /// Handles one item; failures of the machinery are the stage's to log, and the item is tried next pass.
    func handle(_ item: Item) async
}

extension ReviewStage {
    nonisolated var store: any TurboStore { context.worktrees.store }
    nonisolated var worktrees: WorktreeService { context.worktrees }
    nonisolated var config: OrchestratorConfig { context.config }
    nonisolated var poolAgents: Set<String> { context.poolAgents }
    nonisolated var logger: Logger { context.logger }
    nonisolated var report: @Sendable (String) -> Void { context.report }

    /// Passes until cancelled; `afterEachPass` runs once per pass after the items (the merge queue's pull requests).
    func runPasses(named name: String, afterEachPass: (() async throws -> Void)? = nil) async {
        await context.wakeups.run(every: .seconds(1), logging: name, to: logger) {
            passing = true
            defer { passing = false }
            // Each waiting item once per pass: one whose outcome cannot be recorded is tried again next pass, not
            // in a tight loop.
            for item in try await waiting() {
                try Task.checkCancellation()
                await handle(item)
            }
            try await afterEachPass?()
        }
    }

    /// Nothing waits, and no pass or item is in progress.
    func stageIsIdle() async -> Bool {
        guard !busy, !passing else { return false }
        return (try? await waiting().isEmpty) ?? true
    }
}
