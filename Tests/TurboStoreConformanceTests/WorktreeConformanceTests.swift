import Foundation
import Testing
import TurboCore

/// Worktree records and predicted conflicts, with their events.
@Suite(.timeLimit(.minutes(2)))
struct WorktreeConformanceTests {
    @Test(arguments: StoreKind.enabled)
    func worktreesAreRecordedOncePerIssueAndRemovedWithAReason(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            let issue = try await makeIssue(store, "work")
            _ = try await store.startWorkLog(on: .key(issue.key), NewWorkLog(startedBy: "ana"))
            let record = try await store.recordWorktree(
                of: .key(issue.key), path: "/w/test-test-1", branch: "TEST-1/work", baseCommit: "abc")
            #expect(record.isActive && record.issueKey == issue.key)
            #expect(
                try await store.recordWorktree(
                    of: .key(issue.key), path: "/w/test-test-1", branch: "TEST-1/work", baseCommit: "abc")
                    == record)
            await #expect(throws: TurboError.self) {
                try await store.recordWorktree(
                    of: .key(issue.key), path: "/elsewhere", branch: "TEST-1/x", baseCommit: "abc")
            }
            let log = try #require(try await store.activeWorkLogs().first)
            #expect(log.worktreePath == "/w/test-test-1" && log.branchName == "TEST-1/work")
            #expect(try await store.worktree(of: .key(issue.key)) == record)
            #expect(try await store.activeWorktrees(project: nil).map(\.id) == [record.id])

            let removed = try await store.markWorktreeRemoved(of: .key(issue.key), reason: "merged")
            #expect(removed.removedAt != nil)
            #expect(try await store.worktree(of: .key(issue.key)) == nil)
            #expect(try await store.activeWorktrees(project: .key(try ProjectKey("TEST"))).isEmpty)
            let events = try await store.events(after: 0, limit: 100).filter { $0.type.hasPrefix("worktree.") }
            #expect(events.map(\.type) == ["worktree.created", "worktree.removed"])
            #expect(events.last?.payload["reason"] == "merged")
        }
    }

    @Test(arguments: StoreKind.enabled)
    func conflictsAreDetectedUpdatedAndResolved(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            for title in ["a", "b", "c"] { try await makeIssue(store, title) }
            let project = ProjectRef.key(try ProjectKey("TEST"))
            let k1 = try #require(IssueKey(parsing: "TEST-1"))
            let k2 = try #require(IssueKey(parsing: "TEST-2"))
            let k3 = try #require(IssueKey(parsing: "TEST-3"))
            let pair = ConflictRecord(
                issue: k1, other: k2, commits: ["a1", "b1"], paths: ["x.swift"], detectedAt: Date())
            let base = ConflictRecord(
                issue: k3, other: nil, commits: ["c1", "m1"], paths: ["README.md"], detectedAt: Date())

            let first = try await store.replaceConflicts(project: project, current: [pair, base])
            #expect(first.detected.map(\.pairKey) == ["TEST-1~TEST-2", "TEST-3~base"] && first.resolved.isEmpty)
            // Same pairs on new commits: updated in place, no new events.
            var moved = pair
            moved.commits = ["a2", "b1"]
            moved.paths = ["x.swift", "y.swift"]
            let second = try await store.replaceConflicts(project: project, current: [moved, base])
            #expect(second.detected.isEmpty && second.resolved.isEmpty)
            #expect(try await store.conflicts(project: project).first?.paths == ["x.swift", "y.swift"])
            // The base conflict is gone.
            let third = try await store.replaceConflicts(project: project, current: [moved])
            #expect(third.resolved.map(\.pairKey) == ["TEST-3~base"])
            #expect(try await store.conflicts(project: nil).map(\.pairKey) == ["TEST-1~TEST-2"])
            #expect(
                try await eventTypes(store).filter { $0.hasPrefix("conflict.") } == [
                    "conflict.detected", "conflict.detected", "conflict.resolved",
                ])
        }
    }

    @Test(arguments: StoreKind.enabled)
    func mergeChecksAreReplacedPerProject(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeProject(store, key: "OTHER")
            let test = ProjectRef.key(try ProjectKey("TEST"))
            let other = ProjectRef.key(try ProjectKey("OTHER"))
            try await store.saveMergeChecks(project: test, ["a b": [], "a c": ["x.swift"]])
            try await store.saveMergeChecks(project: other, ["d e": ["y"]])
            #expect(try await store.mergeChecks(project: test) == ["a b": [], "a c": ["x.swift"]])
            try await store.saveMergeChecks(project: test, ["a c": ["x.swift"]])
            #expect(try await store.mergeChecks(project: test) == ["a c": ["x.swift"]])
            #expect(try await store.mergeChecks(project: other) == ["d e": ["y"]])
        }
    }
}
