import Foundation
import Testing
import TurboCore

/// Checks (verification, review, merge) with their moves in one transaction, and resuming work sent back.
@Suite(.timeLimit(.minutes(1)))
struct CheckConformanceTests {
    /// What turboCode writes itself from tools' output (a failing test's colours, a NUL in its output) is made
    /// storable, the same on every store, instead of failing the verification's record.
    @Test(arguments: StoreKind.enabled)
    func toolOutputWithControlCharactersIsStoredCleaned(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeIssue(store, "Output", status: .ready)
            _ = try await store.acquireLease(on: ref("TEST-1"), agent: "a", ttl: .seconds(60))
            _ = try await store.startLeasedWork(on: ref("TEST-1"), agent: "a", epoch: 1, worktreePath: nil, branch: nil)
            _ = try await store.finishLease(
                on: ref("TEST-1"), agent: "a", epoch: 1, status: .testing,
                end: WorkLogEnd(outcome: .submitted, commit: "abc"), comment: nil, reason: "submitted")
            let output = "\u{1B}[31mFAIL\u{1B}[0m test\u{0}ed\r\nprogress\rdone"
            let (_, check) = try await store.recordCheck(
                on: ref("TEST-1"),
                NewCheck(
                    kind: .verification, passed: false, summary: output, evidence: ["output": .string(output)],
                    actor: "turbocode", expecting: .testing, moves: [.inProgress], comment: "Failed:\n\(output)"))
            let cleaned = "FAIL test\u{FFFD}ed\nprogress\ndone"
            #expect(check.summary == cleaned && check.evidence["output"] == .string(cleaned))
            #expect(try await store.checks(of: ref("TEST-1")).last?.summary == cleaned)
            #expect(try await store.comments(of: ref("TEST-1")).last?.body == "Failed:\n\(cleaned)")
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aCheckMovesCommentsAndWritesItsEventTogether(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeIssue(store, "Payment API", status: .ready)
            _ = try await store.acquireLease(on: ref("TEST-1"), agent: "backend-1", ttl: .seconds(60))
            _ = try await store.startLeasedWork(
                on: ref("TEST-1"), agent: "backend-1", epoch: 1, worktreePath: "/w/1", branch: "TEST-1/pay")
            _ = try await store.finishLease(
                on: ref("TEST-1"), agent: "backend-1", epoch: 1, status: .testing,
                end: WorkLogEnd(outcome: .submitted, commit: "abc"), comment: nil, reason: "submitted")

            // Expecting the wrong status: refused, nothing written.
            let before = try await lastEventID(store)
            await #expect(throws: TurboError.self) {
                try await store.recordCheck(
                    on: ref("TEST-1"),
                    NewCheck(kind: .verification, passed: true, summary: "ok", actor: "turbocode", expecting: .review))
            }
            #expect(try await lastEventID(store) == before)
            #expect(try await store.checks(of: ref("TEST-1")).isEmpty)

            // Failed verification: back to in_progress with a comment; then the same agent resumes with epoch 2.
            let (back, failed) = try await store.recordCheck(
                on: ref("TEST-1"),
                NewCheck(
                    kind: .verification, passed: false, summary: "tests failed",
                    evidence: ["step": "tests", "exit": 1], actor: "turbocode", expecting: .testing,
                    moves: [.inProgress], comment: "Verification failed at tests"))
            #expect(back.status == .inProgress && !failed.passed && failed.evidence["step"] == "tests")
            #expect(
                try await eventTypes(store, after: before) == ["issue.started", "comment.added", "verification.failed"])
            #expect(try await store.comments(of: ref("TEST-1")).last?.body == "Verification failed at tests")
            // Sent back (in_progress without a live lease): what a pool gives its agent again.
            let project = ProjectRef.key(try ProjectKey("TEST"))
            #expect(try await store.sentBackWork(project: project).map(\.key.description) == ["TEST-1"])
            let (resumed, lease, log) = try await store.resumeLeasedWork(
                on: ref("TEST-1"), agent: "backend-1", ttl: .seconds(60), worktreePath: "/w/1", branch: "TEST-1/pay")
            #expect(resumed.status == .inProgress && resumed.assignedTo == "backend-1")
            #expect(lease.epoch == 2 && log.worktreePath == "/w/1" && log.isActive)
            #expect(try await store.sentBackWork(project: project).isEmpty)
            await #expect(throws: TurboError.self) {
                try await store.resumeLeasedWork(
                    on: ref("TEST-1"), agent: "other", ttl: .seconds(60), worktreePath: nil, branch: nil)
            }
            _ = try await store.finishLease(
                on: ref("TEST-1"), agent: "backend-1", epoch: 2, status: .testing,
                end: WorkLogEnd(outcome: .submitted, commit: "def"), comment: nil, reason: "submitted")

            // Passed, approved, merged: closed as merged.
            _ = try await store.recordCheck(
                on: ref("TEST-1"),
                NewCheck(
                    kind: .verification, passed: true, summary: "verified", actor: "turbocode", expecting: .testing,
                    moves: [.review]))
            _ = try await store.recordCheck(
                on: ref("TEST-1"),
                NewCheck(kind: .approval, passed: true, summary: "looks good", actor: "user:ana", expecting: .review))
            let (closed, merge) = try await store.recordCheck(
                on: ref("TEST-1"),
                NewCheck(
                    kind: .merge, passed: true, summary: "merged", evidence: ["merge_commit": "123"],
                    actor: "turbocode", expecting: .review, moves: [.closed], closedReason: .merged))
            #expect(closed.status == .closed && closed.closedReason == .merged && merge.eventType == .mergeSucceeded)
            let all = try await store.checks(of: ref("TEST-1"))
            #expect(all.map(\.kind) == [.verification, .verification, .approval, .merge])
            #expect(all.map(\.passed) == [false, true, true, true])
            // SQLite's clock has millisecond precision: the verification before the approval may share its instant.
            let since = try await store.checks(since: all[2].createdAt)
            #expect(since.suffix(2).map(\.kind) == [.approval, .merge])
            #expect(since.allSatisfy { $0.createdAt >= all[2].createdAt } && since.count <= 3)
            #expect(try await store.checks(since: nil).count == 4)
        }
    }
}
