import Foundation
import Testing
import TurboCore

/// Deleting issues: only when nobody works on them; numbers are never reused.
@Suite(.timeLimit(.minutes(1)))
struct DeletionConformanceTests {
    @Test(arguments: StoreKind.enabled)
    func issuesNobodyWorksOnCanBeDeletedWithTheirEdges(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeIssue(store, "blocker")
            try await makeIssue(store, "blocked", blockedBy: ["TEST-1"])
            _ = try await store.addComment(to: ref("TEST-1"), author: "ana", body: "note")
            let deleted = try await store.deleteIssue(ref("TEST-1"))
            #expect(deleted.blocks.map(\.description) == ["TEST-2"])
            await #expect(throws: TurboError.issueNotFound("TEST-1")) { try await store.issue(ref("TEST-1")) }
            #expect(try await store.issue(ref("TEST-2")).blockedBy.isEmpty)
            #expect(try await makeIssue(store, "next").number == 3, "numbers are never reused")
            #expect(try await eventTypes(store).contains("issue.deleted"))

            // Someone is working on it, or it has a worktree: refused, nothing written.
            for status in [IssueStatus.ready, .assigned] {
                _ = try await store.transition(ref("TEST-2"), to: status, reason: nil, actor: nil)
            }
            let before = try await lastEventID(store)
            await #expect(throws: TurboError.self) { try await store.deleteIssue(ref("TEST-2")) }
            _ = try await store.recordWorktree(
                of: ref("TEST-3"), path: "/w/t3", branch: "TEST-3/next", baseCommit: "abc")
            let withWorktree = try await lastEventID(store)
            await #expect(throws: TurboError.self) { try await store.deleteIssue(ref("TEST-3")) }
            #expect(try await lastEventID(store) == withWorktree && withWorktree == before + 1)
        }
    }
}
