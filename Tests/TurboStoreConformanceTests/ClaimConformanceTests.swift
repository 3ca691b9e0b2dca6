import Foundation
import Synchronization
import Testing
import TurboCore

/// Claims read the next issue from an index, kept by the writes that change eligibility and score: they must take
/// exactly the issue the full queue puts first, on every store, and concurrent claims never take one issue twice.
@Suite(.timeLimit(.minutes(2)))
struct ClaimConformanceTests {
    /// The first eligible entry of the queue that an agent with `capabilities` can take.
    func queueHead(_ store: any TurboStore, capabilities: Set<String>?) async throws -> String? {
        try await store.queue(project: .key(try ProjectKey("TEST"))).first { entry in
            entry.isEligible && (capabilities.map { Set(entry.candidate.capabilities).isSubset(of: $0) } ?? true)
        }?.candidate.key.description
    }

    func claim(_ store: any TurboStore, _ agent: String, capabilities: [String]? = nil) async throws -> String? {
        try await store.claimNext(
            ClaimRequest(
                project: .key(try ProjectKey("TEST")), agent: agent, capabilities: capabilities, ttl: .seconds(60))
        )?.issue.key.description
    }

    @Test(arguments: StoreKind.enabled)
    func aClaimTakesTheQueuesFirstIssueAsTheQueueChanges(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            // TEST-1..3 block others (5 points each per open dependent); priorities and ranks differ.
            _ = try await makeIssue(store, "blocker low", priority: .low, status: .ready)
            _ = try await makeIssue(store, "blocker high", priority: .high, status: .ready)
            _ = try await makeIssue(store, "in flight", priority: .critical, status: .ready, paths: ["Sources/A/**"])
            _ = try await makeIssue(store, "overlaps TEST-3", priority: .critical, status: .ready, paths: ["Sources/A"])
            _ = try await makeIssue(store, "waits", priority: .critical, status: .ready, blockedBy: ["TEST-1"])
            _ = try await makeIssue(
                store, "waits too", priority: .high, status: .ready, blockedBy: ["TEST-1", "TEST-2"])
            _ = try await makeIssue(store, "ranked second", priority: .low, status: .ready, rank: 2)
            _ = try await makeIssue(store, "ranked first", priority: .low, status: .ready, rank: 1)
            _ = try await makeIssue(store, "medium", status: .ready)
            _ = try await makeIssue(store, "open, not ready", priority: .critical)
            _ = try await store.createIssue(
                NewIssue(
                    project: .key(try ProjectKey("TEST")), title: "needs ios", priority: .critical, status: .ready,
                    capabilities: ["ios"]))
            for number in 12...20 {
                _ = try await makeIssue(
                    store, "filler \(number)", priority: number % 2 == 0 ? .high : .low, status: .ready)
            }
            // TEST-1 now blocks two open issues: worth 10 more points; raising TEST-9 to high re-scores it.
            _ = try await store.updateIssue(ref("TEST-9"), IssueChanges(priority: .high))
            // An edge removed and one added after creation, and an issue deleted.
            _ = try await store.addDependency(blocker: ref("TEST-12"), blocked: ref("TEST-13"))
            _ = try await store.addDependency(blocker: ref("TEST-14"), blocked: ref("TEST-13"))
            try await store.removeDependency(blocker: ref("TEST-14"), blocked: ref("TEST-13"))
            _ = try await store.deleteIssue(ref("TEST-15"))

            var claimed: [String] = []
            for round in 0..<40 {
                let capabilities: [String]? = round % 3 == 0 ? ["ios"] : []
                let expected = try await queueHead(store, capabilities: capabilities.map(Set.init))
                let got = try await claim(store, "agent-\(round)", capabilities: capabilities)
                #expect(
                    got == expected, "round \(round): claimed \(got ?? "nothing"), queue says \(expected ?? "nothing")")
                guard let got else { break }
                claimed.append(got)
                // Finish some claimed work so blocked issues become claimable; reopen one finished blocker.
                if ["TEST-1", "TEST-2", "TEST-3", "TEST-12"].contains(got) {
                    _ = try await store.transition(ref(got), to: .ready, reason: nil, actor: "user:t")
                    _ = try await store.transition(ref(got), to: .closed, reason: .done, actor: "user:t")
                }
                if got == "TEST-2", try await store.issue(ref("TEST-1")).status == .closed {
                    _ = try await store.transition(ref("TEST-1"), to: .open, reason: nil, actor: "user:t")
                    _ = try await store.transition(ref("TEST-1"), to: .ready, reason: nil, actor: "user:t")
                }
            }
            #expect(Set(claimed).count == claimed.count)
            #expect(claimed.first == "TEST-8" && claimed.dropFirst().first == "TEST-7")
            #expect(!claimed.contains("TEST-10") && !claimed.contains("TEST-15"))
            #expect(try await claim(store, "late") == nil)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func concurrentClaimsTakeDifferentIssues(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            for number in 1...40 {
                _ = try await makeIssue(
                    store, "work \(number)", status: .ready, paths: number % 4 == 0 ? ["Shared/**"] : [])
            }
            let results = try await withThrowingTaskGroup(of: [String].self) { group in
                for claimer in 0..<8 {
                    group.addTask {
                        var mine: [String] = []
                        while let key = try await claim(store, "claimer-\(claimer)") { mine.append(key) }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            // Every issue without shared paths, and exactly one of the ten that share `Shared/**`.
            #expect(results.count == 31 && Set(results).count == 31)
            let leases = try await store.activeWorkLogs().count
            #expect(leases == 0)
            for key in results {
                #expect(try await store.currentLease(of: ref(key))?.agentID.hasPrefix("claimer-") == true)
            }
        }
    }

    /// A pool's claim (the scheduler of `up`): `assign` is offered the claimable issues in queue order and names the
    /// agent that takes one; those it passes over stay ready, however many.
    @Test(arguments: StoreKind.enabled)
    func aPoolsClaimGoesToTheAgentItsChooserNames(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            for number in 1...120 {
                _ = try await makeIssue(store, number == 100 ? "wanted" : "other \(number)", status: .ready)
            }
            let offered = OfferLog()
            let chooser: @Sendable (TurboCore.Issue) -> String? = { issue in
                offered.add(issue.key.number)
                return issue.title == "wanted" ? "pool-b" : nil
            }
            let request = ClaimRequest(project: .key(try ProjectKey("TEST")), ttl: .seconds(60), assign: chooser)
            let claimed = try #require(try await store.claimNext(request))
            #expect(claimed.issue.key.description == "TEST-100" && claimed.lease.agentID == "pool-b")
            #expect(claimed.issue.status == .assigned && claimed.issue.assignedTo == "pool-b")
            // In queue order (equal scores: oldest first), each once, up to the one taken.
            #expect(offered.numbers == Array(1...100))
            #expect(try await store.issue(ref("TEST-1")).status == .ready)
            let none = try await store.claimNext(
                ClaimRequest(project: .key(try ProjectKey("TEST")), ttl: .seconds(60)) { _ in nil })
            #expect(none == nil)
        }
    }

    /// Remote work starts with its claim: one transaction leases, moves the issue to `in_progress` and opens the
    /// work log with the worker's location and the branch, reusing the branch an earlier lease recorded; issues
    /// with a worktree on the coordinator's machine are skipped.
    @Test(arguments: StoreKind.enabled)
    func aRemoteClaimStartsTheWorkAndKeepsTheBranch(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            _ = try await makeIssue(store, "local", priority: .critical, status: .ready)
            _ = try await makeIssue(store, "remote", status: .ready)
            _ = try await store.recordWorktree(
                of: ref("TEST-1"), path: "/w/TEST-1", branch: "TEST-1/local", baseCommit: "abc")
            let remote = ClaimRequest.RemoteWork(location: "host:/w/2") { issue, recorded in
                recorded ?? "\(issue.key)/first"
            }
            func claimRemote() async throws -> Claimed? {
                try await store.claimNext(
                    ClaimRequest(
                        project: .key(try ProjectKey("TEST")), agent: "far", capabilities: nil, ttl: .seconds(60),
                        remote: remote))
            }
            let first = try #require(try await claimRemote())
            #expect(first.issue.key.description == "TEST-2" && first.issue.status == .inProgress)
            #expect(first.log?.worktreePath == "host:/w/2" && first.log?.branchName == "TEST-2/first")
            #expect(first.branch == "TEST-2/first")
            #expect(try await claimRemote() == nil)
            _ = try await store.finishLease(
                on: ref("TEST-2"), agent: "far", epoch: first.lease.epoch, status: .ready,
                end: WorkLogEnd(outcome: .released), comment: nil, reason: "released")
            let again = try #require(try await claimRemote())
            #expect(again.lease.epoch == first.lease.epoch + 1 && again.branch == "TEST-2/first")
        }
    }

    /// Paths are relative to a project's repository: work in flight in another project does not hold an issue back,
    /// as the queue says.
    @Test(arguments: StoreKind.enabled)
    func pathsInFlightCountWithinTheirProjectOnly(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeProject(store, key: "OTHER")
            _ = try await makeIssue(store, "elsewhere", project: "OTHER", status: .ready, paths: ["Sources/A/**"])
            _ = try await store.acquireLease(on: ref("OTHER-1"), agent: "someone", ttl: .seconds(60))
            _ = try await makeIssue(store, "here", status: .ready, paths: ["Sources/A"])
            #expect(try await queueHead(store, capabilities: nil) == "TEST-1")
            #expect(try await claim(store, "agent") == "TEST-1")
        }
    }
}

/// What a chooser was offered, in order (it is called synchronously inside the claim's transaction).
private final class OfferLog: Sendable {
    private let state = Mutex<[Int]>([])
    func add(_ number: Int) { state.withLock { $0.append(number) } }
    var numbers: [Int] { state.withLock { $0 } }
}
