import Foundation
import Testing
import TurboCore

/// Atomicity and concurrency: guards hold under contention and failures write nothing.
@Suite(.timeLimit(.minutes(3)))
struct TransactionConformanceTests {
    @Test(arguments: StoreKind.enabled)
    func twoHundredConcurrentCreationsGetConsecutiveKeys(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<200 {
                    group.addTask { try await makeIssue(store, "issue \(index)").number }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(numbers.count == 200)
            #expect(numbers.sorted() == Array(1...200))
            #expect(try await store.countIssues(IssueFilter()) == 200)
            #expect(try await eventTypes(store).filter { $0 == "issue.created" }.count == 200)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func concurrentConflictingTransitionsHaveExactlyOneWinner(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            let issue = try await makeIssue(store, "contended", status: .ready)
            let before = try await lastEventID(store)
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    // Half try to assign, half try to close: all start from `ready`.
                    group.addTask {
                        do {
                            if index.isMultiple(of: 2) {
                                _ = try await store.transition(
                                    .key(issue.key), to: .assigned, reason: nil, actor: "a\(index)")
                            } else {
                                _ = try await store.transition(
                                    .key(issue.key), to: .closed, reason: .obsolete, actor: nil)
                            }
                            return true
                        } catch TurboError.invalidTransition {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            let events = try await store.events(after: before, limit: 100)
            #expect(events.count == 1)
            let final = try await store.issue(.key(issue.key))
            #expect(events.first?.payload["to"]?.stringValue == final.status.rawValue)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func failedOperationsLeaveNoPartialRows(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeIssue(store, "exists")
            let before = try await lastEventID(store)
            // A missing blocker fails the creation after the counter was touched: everything rolls back.
            await #expect(throws: TurboError.issueNotFound("TEST-99")) {
                try await makeIssue(store, "orphan", blockedBy: ["TEST-1", "TEST-99"])
            }
            #expect(try await store.countIssues(IssueFilter()) == 1)
            #expect(try await lastEventID(store) == before)
            #expect(try await makeIssue(store, "next").number == 2, "the failed creation must not consume a number")
            let afterCreate = try await lastEventID(store)
            // Invalid transitions, cycles and bad input write nothing either.
            await #expect(throws: TurboError.self) {
                try await store.transition(ref("TEST-1"), to: .review, reason: nil, actor: nil)
            }
            _ = try await store.addDependency(blocker: ref("TEST-1"), blocked: ref("TEST-2"))
            let afterEdge = try await lastEventID(store)
            #expect(afterEdge == afterCreate + 1)
            await #expect(throws: TurboError.self) {
                try await store.addDependency(blocker: ref("TEST-2"), blocked: ref("TEST-1"))
            }
            await #expect(throws: TurboError.self) { try await makeIssue(store, String(repeating: "x", count: 201)) }
            #expect(try await lastEventID(store) == afterEdge)
            #expect(try await store.issue(ref("TEST-1")).blocks.map(\.description) == ["TEST-2"])
            #expect(try await store.issue(ref("TEST-2")).status == .open)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func stateMachineIsGuardedAndEveryChangeWritesItsEvent(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            let key = try await makeIssue(store, "flow").key
            let invalid = await #expect(throws: TurboError.self) {
                try await store.transition(.key(key), to: .inProgress, reason: nil, actor: nil)
            }
            #expect(invalid == .invalidTransition(issue: "TEST-1", from: .open, to: .inProgress))
            #expect(
                invalid?.description.contains("open") == true && invalid?.description.contains("in_progress") == true)
            await #expect(throws: TurboError.self) {
                try await store.transition(.key(key), to: .closed, reason: nil, actor: nil)
            }

            for status in [IssueStatus.ready, .assigned, .inProgress, .testing, .review] {
                _ = try await store.transition(.key(key), to: status, reason: nil, actor: "user:t")
            }
            let closed = try await store.transition(.key(key), to: .closed, reason: .merged, actor: nil)
            #expect(closed.status == .closed && closed.closedReason == .merged && closed.closedAt != nil)
            let reopened = try await store.transition(.key(key), to: .open, reason: nil, actor: nil)
            #expect(reopened.closedReason == nil && reopened.closedAt == nil)
            #expect(
                try await eventTypes(store) == [
                    "project.created", "issue.created", "issue.ready", "issue.assigned", "issue.started",
                    "issue.testing",
                    "issue.review", "issue.closed", "issue.reopened",
                ])
            let closedEvent = try await store.events(after: 0, limit: 100).first { $0.type == "issue.closed" }
            #expect(closedEvent?.payload["from"] == "review" && closedEvent?.payload["reason"] == "merged")
        }
    }
}
