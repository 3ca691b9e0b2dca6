import Foundation
import Testing
import TurboCore

/// Leases: one live lease per issue, epochs that only grow, fencing of stale writers, work under a lease.
@Suite(.timeLimit(.minutes(1)))
struct LeaseConformanceTests {
    @Test(arguments: StoreKind.enabled)
    func aLeaseAssignsTheIssueAndFencesEveryLaterWrite(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeIssue(store, "Payment API", status: .ready)
            let (assigned, lease) = try await store.acquireLease(
                on: ref("test-1"), agent: "backend-1", ttl: .seconds(60))
            #expect(assigned.status == .assigned && assigned.assignedTo == "backend-1")
            #expect(lease.epoch == 1 && lease.agentID == "backend-1" && lease.releasedAt == nil)
            #expect(lease.expiresAt > lease.acquiredAt)
            #expect(try await store.currentLease(of: ref("TEST-1")) == lease)
            // A second claim is refused while the lease lives.
            await #expect(throws: TurboError.self) {
                try await store.acquireLease(on: ref("TEST-1"), agent: "backend-2", ttl: .seconds(60))
            }

            let before = try await lastEventID(store)
            // Wrong epoch, wrong agent: refused, nothing written.
            await #expect(
                throws: TurboError.staleLease(
                    issue: "TEST-1", reason: "epoch 2 is stale: the live lease is epoch 1, held by backend-1")
            ) {
                try await store.renewLease(
                    on: ref("TEST-1"), agent: "backend-1", epoch: 2, ttl: .seconds(60), progress: nil, percent: nil)
            }
            await #expect(throws: TurboError.self) {
                try await store.startLeasedWork(
                    on: ref("TEST-1"), agent: "backend-2", epoch: 1, worktreePath: nil, branch: nil)
            }
            #expect(try await lastEventID(store) == before)

            let renewed = try await store.renewLease(
                on: ref("TEST-1"), agent: "backend-1", epoch: 1, ttl: .seconds(120), progress: "tests written",
                percent: 40)
            #expect(renewed.expiresAt > lease.expiresAt)
            let (started, log) = try await store.startLeasedWork(
                on: ref("TEST-1"), agent: "backend-1", epoch: 1, worktreePath: "/w/test-1", branch: "TEST-1/payment")
            #expect(started.status == .inProgress && log.worktreePath == "/w/test-1" && log.startedBy == "ai:backend-1")

            let (submitted, released) = try await store.finishLease(
                on: ref("TEST-1"), agent: nil, epoch: 1, status: .testing,
                end: WorkLogEnd(outcome: .submitted, commit: "abc123"), comment: nil, reason: "submitted")
            #expect(submitted.status == .testing && released.releasedAt != nil && released.releaseReason == "submitted")
            #expect(try await store.currentLease(of: ref("TEST-1")) == nil)
            #expect(try await store.activeWorkLogs().isEmpty)
            #expect(try await store.workLogs(of: ref("TEST-1")).first?.commit == "abc123")
            // The released lease fences its holder too.
            await #expect(throws: TurboError.self) {
                try await store.renewLease(
                    on: ref("TEST-1"), agent: "backend-1", epoch: 1, ttl: .seconds(60), progress: nil, percent: nil)
            }
            let types = try await eventTypes(store, after: before)
            #expect(
                types == [
                    "issue.progress", "issue.started", "worklog.started", "issue.testing", "worklog.ended",
                    "lease.released",
                ])
        }
    }

    @Test(arguments: StoreKind.enabled)
    func anExpiredLeaseGivesWayToANewEpochAndOnlyReadyUnblockedIssuesCanBeLeased(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeIssue(store, "blocker", status: .ready)
            try await makeIssue(store, "blocked", status: .ready, blockedBy: ["TEST-1"])
            try await makeIssue(store, "not ready")
            await #expect(throws: TurboError.conflictingState("TEST-2 waits for TEST-1 to be finished")) {
                try await store.acquireLease(on: ref("TEST-2"), agent: "a", ttl: .seconds(60))
            }
            await #expect(throws: TurboError.self) {
                try await store.acquireLease(on: ref("TEST-3"), agent: "a", ttl: .seconds(60))
            }
            // A lease that lapses (zero TTL) is dead: its holder is fenced; the reaper releases it and puts the issue
            // back in the queue, and the next lease has epoch 2.
            let first = try await store.acquireLease(on: ref("TEST-1"), agent: "a", ttl: .zero).lease
            await #expect(throws: TurboError.self) {
                try await store.renewLease(
                    on: ref("TEST-1"), agent: "a", epoch: 1, ttl: .seconds(60), progress: nil, percent: nil)
            }
            let expired = try await store.expireLeases()
            #expect(expired.map(\.epoch) == [1] && expired.first?.releaseReason == "expired")
            #expect(try await store.issue(ref("TEST-1")).status == .ready)
            #expect(try await store.expireLeases().isEmpty)
            let second = try await store.acquireLease(on: ref("TEST-1"), agent: "b", ttl: .seconds(60)).lease
            #expect(first.epoch == 1 && second.epoch == 2 && second.agentID == "b")
            let events = try await store.events(after: 0, limit: 1_000).filter { $0.type.hasPrefix("lease.") }
            #expect(events.map(\.type) == ["lease.acquired", "lease.released", "lease.acquired"])
            #expect(events[1].payload["reason"] == .string("expired"))

            // Reported blocked: back to open, out of the queue, with the reason as a comment.
            _ = try await store.startLeasedWork(on: ref("TEST-1"), agent: "b", epoch: 2, worktreePath: nil, branch: nil)
            let (parked, _) = try await store.finishLease(
                on: ref("TEST-1"), agent: "b", epoch: 2, status: .open, end: WorkLogEnd(outcome: .released),
                comment: "Blocked: the staging database is down", reason: "blocked")
            #expect(parked.status == .open && parked.assignedTo == nil)
            let comment = try await store.comments(of: ref("TEST-1")).last
            #expect(comment?.author == "ai:b" && comment?.body == "Blocked: the staging database is down")
            #expect(try await eventTypes(store).contains("issue.blocked"))

            // A person taking an issue away from its agent ends the lease and the work log with it.
            _ = try await store.transition(ref("TEST-1"), to: .ready, reason: nil, actor: "user:ops")
            let third = try await store.acquireLease(on: ref("TEST-1"), agent: "c", ttl: .seconds(60)).lease
            _ = try await store.startLeasedWork(on: ref("TEST-1"), agent: "c", epoch: 3, worktreePath: nil, branch: nil)
            _ = try await store.transition(ref("TEST-1"), to: .ready, reason: nil, actor: "user:ops")
            let afterRelease = try await store.currentLease(of: ref("TEST-1"))
            #expect(third.epoch == 3 && afterRelease == nil)
            #expect(try await store.activeWorkLogs().isEmpty)
            #expect(try await store.acquireLease(on: ref("TEST-1"), agent: "d", ttl: .seconds(60)).lease.epoch == 4)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func agentsRacingForOneIssueGetOneLease(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeIssue(store, "contended", status: .ready)
            let winners = try await withThrowingTaskGroup(of: Int?.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try? await store.acquireLease(on: ref("TEST-1"), agent: "agent-\(index)", ttl: .seconds(60))
                            .lease.epoch
                    }
                }
                return try await group.reduce(into: [Int]()) { if let epoch = $1 { $0.append(epoch) } }
            }
            #expect(winners == [1])
        }
    }
}
