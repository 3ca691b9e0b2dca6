import Foundation
import Testing
import TurboCore

/// Dependencies, cycles, chains and the work queue.
@Suite(.timeLimit(.minutes(2)))
struct DependencyAndQueueConformanceTests {
    @Test(arguments: StoreKind.enabled)
    func dependenciesRejectSelfDuplicatesAndCycles(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            for title in ["a", "b", "c", "d"] { try await makeIssue(store, title) }
            await #expect(throws: TurboError.selfDependency("TEST-1")) {
                try await store.addDependency(blocker: ref("TEST-1"), blocked: ref("test-1"))
            }
            _ = try await store.addDependency(blocker: ref("TEST-1"), blocked: ref("TEST-2"))
            _ = try await store.addDependency(blocker: ref("TEST-2"), blocked: ref("TEST-3"))
            await #expect(throws: TurboError.duplicateDependency(blocker: "TEST-1", blocked: "TEST-2")) {
                try await store.addDependency(blocker: ref("TEST-1"), blocked: ref("TEST-2"))
            }
            let cycle = await #expect(throws: TurboError.self) {
                try await store.addDependency(blocker: ref("TEST-3"), blocked: ref("TEST-1"))
            }
            #expect(cycle == .dependencyCycle(["TEST-3", "TEST-1", "TEST-2", "TEST-3"]))
            #expect(cycle?.description == "dependency would create a cycle: TEST-3 → TEST-1 → TEST-2 → TEST-3")
            try await store.removeDependency(blocker: ref("TEST-2"), blocked: ref("TEST-3"))
            await #expect(throws: TurboError.dependencyNotFound(blocker: "TEST-2", blocked: "TEST-3")) {
                try await store.removeDependency(blocker: ref("TEST-2"), blocked: ref("TEST-3"))
            }
            _ = try await store.addDependency(blocker: ref("TEST-3"), blocked: ref("TEST-1"))
            #expect(
                try await eventTypes(store).suffix(4) == [
                    "dependency.added", "dependency.added", "dependency.removed", "dependency.added",
                ])
        }
    }

    @Test(arguments: StoreKind.enabled)
    func dependencyViewHasTheTransitiveChain(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeIssue(store, "schema")
            try await makeIssue(store, "store", blockedBy: ["TEST-1"])
            try await makeIssue(store, "config")
            try await makeIssue(store, "cli", blockedBy: ["TEST-2", "TEST-3"])
            try await makeIssue(store, "docs", blockedBy: ["TEST-4"])
            let view = try await store.dependencies(of: ref("TEST-4"))
            #expect(view.blockers.map(\.key.description) == ["TEST-2", "TEST-3"])
            #expect(view.blocked.map(\.key.description) == ["TEST-5"])
            #expect(view.chain.map(\.key.description) == ["TEST-1", "TEST-2", "TEST-3", "TEST-4"])
            let cli = try await store.issue(ref("TEST-4"))
            #expect(
                cli.blockedBy.map(\.description) == ["TEST-2", "TEST-3"] && cli.blocks.map(\.description) == ["TEST-5"])
        }
    }

    @Test(arguments: StoreKind.enabled)
    func queueOrdersByRankThenScoreAndExplainsIneligibility(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeIssue(store, "low but ranked", priority: .low, status: .ready, rank: 1)  // 1
            try await makeIssue(store, "critical", priority: .critical, status: .ready)  // 2
            try await makeIssue(store, "high blocker", priority: .high, status: .ready)  // 3
            try await makeIssue(store, "blocked", priority: .critical, status: .ready, blockedBy: ["TEST-3"])  // 4
            try await makeIssue(store, "not ready", priority: .critical)  // 5
            try await makeIssue(store, "wont fix blocker", priority: .low, status: .ready)  // 6
            // 7
            try await makeIssue(store, "blocked by wont fix", priority: .low, status: .ready, blockedBy: ["TEST-6"])
            _ = try await store.transition(ref("TEST-6"), to: .closed, reason: .wontFix, actor: nil)
            try await makeIssue(store, "in flight", status: .ready, paths: ["Sources/Core/**"])  // 8
            for status in [IssueStatus.assigned, .inProgress] {
                _ = try await store.transition(ref("TEST-8"), to: status, reason: nil, actor: nil)
            }
            try await makeIssue(
                store, "overlapping", priority: .high, status: .ready, paths: ["Sources/Core/Model.swift"])  // 9
            try await makeIssue(store, "disjoint", priority: .medium, status: .ready, paths: ["docs/**"])  // 10

            let project = ProjectRef.key(try ProjectKey("TEST"))
            let queue = try await store.queue(project: project)
            let eligible = queue.filter(\.isEligible).map(\.candidate.key.description)
            #expect(eligible == ["TEST-1", "TEST-2", "TEST-3", "TEST-10"])
            let high = try #require(queue.first { $0.candidate.key.description == "TEST-3" })
            #expect(high.parts.priority == 50 && high.parts.noBlockers == 20 && high.parts.blocks == 5)
            #expect(high.parts.age >= 0 && high.parts.age < 0.01)
            let blocked = try #require(queue.first { $0.candidate.key.description == "TEST-4" })
            #expect(blocked.parts.noBlockers == 0)
            #expect(blocked.reason?.description == "blocked by TEST-3 (ready)")
            let wontFix = try #require(queue.first { $0.candidate.key.description == "TEST-7" })
            #expect(wontFix.reason?.description == "blocked by TEST-6 (closed as wont_fix)")
            let overlap = try #require(queue.first { $0.candidate.key.description == "TEST-9" })
            #expect(
                overlap.reason
                    == .pathOverlap(
                        with: try #require(IssueKey(parsing: "TEST-8")), ours: "Sources/Core/Model.swift",
                        theirs: "Sources/Core/**"))
            #expect(!queue.contains { $0.candidate.key.description == "TEST-5" })

            // Closing the blocker as done releases its dependent.
            for status in [IssueStatus.assigned, .inProgress, .testing, .review] {
                _ = try await store.transition(ref("TEST-3"), to: status, reason: nil, actor: nil)
            }
            _ = try await store.transition(ref("TEST-3"), to: .closed, reason: .done, actor: nil)
            let after = try await store.queue(project: project).filter(\.isEligible).map(\.candidate.key.description)
            // TEST-4 now scores like TEST-2 (critical, unblocked); the older issue goes first.
            #expect(after == ["TEST-1", "TEST-2", "TEST-4", "TEST-10"])
        }
    }
}
