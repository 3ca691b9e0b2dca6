import Foundation
import Testing
import TurboAgents

@testable import TurboServices

/// The live view of runs: a waiting reader is woken by the next entry, a new lease starts a new run, a nudge
/// continues the same one, and only the newest entries are kept.
@Suite(.timeLimit(.minutes(1)))
struct RunWatchTests {
    /// A watch with a pool attached (an idle one), as `turbocode up` makes it.
    static func watching() async -> RunWatch {
        let watch = RunWatch()
        await watch.attach(agents: []) {
            Orchestrator.Snapshot(
                running: [], eligible: 0, unassignable: 0, submitted: 0, released: 0, pausedDrivers: [:], heldBack: 0,
                setAside: [], cooling: 0, awaitingReview: [])
        }
        return watch
    }

    @Test func aWaitingReaderIsWokenByTheNextEntryAndARunsEndStopsIt() async throws {
        let watch = await Self.watching()
        #expect(await watch.run("W-1") == nil)
        await watch.begin(issue: "W-1", agent: "solo", epoch: 1)
        async let waited = watch.wait("W-1", after: 0, timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(50))
        await watch.record(issue: "W-1", .toolCall(name: "Bash"))
        let run = try #require(await waited)
        #expect(run.entries.map(\.kind) == ["tool_call"] && run.entries.map(\.text) == ["Bash"] && run.live)

        async let ended = watch.wait("W-1", after: 1, timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(50))
        await watch.end(issue: "W-1")
        let last = try #require(await ended)
        #expect(last.entries.isEmpty && !last.live)
        // A reader caught up with an ended run is answered at once.
        #expect(await watch.wait("W-1", after: 1, timeout: .seconds(30))?.live == false)

        // Closed (the pool stopped): a waiting reader is answered, and so is any later one, at once.
        await watch.begin(issue: "W-1", agent: "solo", epoch: 2)
        async let closing = watch.wait("W-1", after: 0, timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(50))
        await watch.close()
        #expect(await closing?.live == false)
        #expect(await watch.wait("W-3", after: 0, timeout: .seconds(30)) == nil)
        // Without a pool nothing is waited for.
        #expect(await RunWatch().wait("W-1", after: 0, timeout: .seconds(30)) == nil)
    }

    @Test func aNewLeaseStartsANewRunANudgeContinuesAndOldEntriesGo() async {
        let watch = RunWatch()
        await watch.begin(issue: "W-2", agent: "solo", epoch: 1)
        await watch.record(issue: "W-2", .text("first run"))
        await watch.end(issue: "W-2")
        await watch.begin(issue: "W-2", agent: "solo", epoch: 1)  // a nudge: the same session
        await watch.record(issue: "W-2", .usage(inputTokens: 10, outputTokens: 2, costUSD: 0.5))
        #expect(await watch.run("W-2")?.entries.map(\.seq) == [1, 2])
        #expect(await watch.run("W-2", after: 1)?.entries.first?.inputTokens == 10)
        await watch.begin(issue: "W-2", agent: "other", epoch: 2)
        #expect(await watch.run("W-2")?.entries.isEmpty == true)
        for index in 0..<(RunWatch.keep + 5) { await watch.record(issue: "W-2", .text("line \(index)")) }
        let kept = await watch.run("W-2")?.entries ?? []
        #expect(kept.count == RunWatch.keep && kept.first?.seq == 6 && kept.last?.text == "line \(RunWatch.keep + 4)")
    }
}
