import Foundation
import Logging
import Testing
import TurboApp
import TurboCore
import TurboServices

/// The attention inbox over a real store: each kind appears while its cause holds, in the inbox's order.
@Suite(.timeLimit(.minutes(1)))
struct AttentionTests {
    /// Work sent to review after verification gave up is broke, not a plain review.
    @Test func verificationThatGaveUpIsBroke() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attention-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = DatabaseURL.sqlite(path: directory.appendingPathComponent("t.db").path)
        try await TurboApp.withStore(database, logger: Logger(label: "test")) { store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("VF"), name: "Verify"))
            let made = try await store.createIssue(NewIssue(project: .id(project.id), title: "Flaky", status: .ready))
            let (_, lease) = try await store.acquireLease(on: .id(made.id), agent: "a", ttl: .seconds(60))
            _ = try await store.startLeasedWork(
                on: .id(made.id), agent: "a", epoch: lease.epoch, worktreePath: "/w/VF-1", branch: "b")
            _ = try await store.finishLease(
                on: .id(made.id), agent: "a", epoch: lease.epoch, status: .testing,
                end: WorkLogEnd(outcome: .submitted), comment: nil, reason: "submitted")
            _ = try await store.recordCheck(
                on: .id(made.id),
                NewCheck(
                    kind: .verification, passed: false, summary: "tests: 'make test' exited 2",
                    evidence: ["attempt": 3, "gave_up": true], actor: "turbocode", expecting: .testing,
                    moves: [.review]))
            let items = try await AttentionService(store: store).items()
            #expect(items.map(\.kind) == [.verificationFailed] && items.first?.need == .broken)
            #expect(
                items.first?.message == "verification failed 3 times, retries used up: tests: 'make test' exited 2")
            #expect(items.first?.actions == ["approve", "request_changes"])
        }
    }

    @Test func theInboxRanksWhatBrokeBeforeWhatWaitsAndDropsWhatHasPassed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attention-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = DatabaseURL.sqlite(path: directory.appendingPathComponent("t.db").path)
        try await TurboApp.withStore(database, logger: Logger(label: "test")) { store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("SHOP"), name: "Shop"))
            func issue(_ title: String) async throws -> TurboCore.Issue {
                try await store.createIssue(NewIssue(project: .id(project.id), title: title, status: .ready))
            }
            /// Leased to `agent` and handed in: the issue is `testing`.
            func submitted(_ title: String) async throws -> TurboCore.Issue {
                let made = try await issue(title)
                let (_, lease) = try await store.acquireLease(on: .id(made.id), agent: "a", ttl: .seconds(60))
                _ = try await store.startLeasedWork(
                    on: .id(made.id), agent: "a", epoch: lease.epoch, worktreePath: "/w/\(made.key)", branch: "b")
                return try await store.finishLease(
                    on: .id(made.id), agent: "a", epoch: lease.epoch, status: .testing,
                    end: WorkLogEnd(outcome: .submitted), comment: nil, reason: "submitted"
                ).issue
            }
            let review = try await submitted("Waits for review")
            _ = try await store.recordCheck(
                on: .id(review.id),
                NewCheck(
                    kind: .verification, passed: true, summary: "1 commit(s), tests passed", actor: "turbocode",
                    expecting: .testing, moves: [.review]))
            let unmerged = try await submitted("Would not merge")
            _ = try await store.recordCheck(
                on: .id(unmerged.id),
                NewCheck(
                    kind: .verification, passed: true, summary: "tests passed", actor: "turbocode", expecting: .testing,
                    moves: [.review]))
            _ = try await store.recordCheck(
                on: .id(unmerged.id),
                NewCheck(kind: .approval, passed: true, summary: "approved", actor: "user:ana", expecting: .review))
            _ = try await store.recordCheck(
                on: .id(unmerged.id),
                NewCheck(
                    kind: .merge, passed: false, summary: "merge: the main checkout has local changes",
                    actor: "turbocode", expecting: .review))

            // Given back to `open`: by the agent with a question, and by turboCode after failed runs.
            for (title, comment) in [
                ("Asks", "Blocked: which database should the users table live in?"),
                ("Keeps failing", "turboCode stopped retrying after 3 failed runs; the last one: tests failed."),
            ] {
                let made = try await issue(title)
                let (_, lease) = try await store.acquireLease(on: .id(made.id), agent: "a", ttl: .seconds(60))
                _ = try await store.finishLease(
                    on: .id(made.id), agent: "a", epoch: lease.epoch, status: .open,
                    end: WorkLogEnd(outcome: .released), comment: comment, reason: "given back")
            }
            // In flight, refused a tool call and silent; and an alert about an issue that has ended since.
            let running = try await issue("Runs")
            _ = try await store.acquireLease(on: .id(running.id), agent: "a", ttl: .seconds(60))
            _ = try await store.appendEvent(.permissionDenied(issue: "SHOP-5", agent: "a", denial: "Bash(rm -rf /)"))
            _ = try await store.appendEvent(.alert(.agentInactive, subject: "SHOP-5", message: "a is silent"))
            _ = try await store.appendEvent(.alert(.agentInactive, subject: "SHOP-1", message: "old news"))
            _ = try await store.appendEvent(.alert(.lowDisk, subject: "SHOP", message: "512 MiB free"))
            // One driver paused until later, one resumed, one whose pause has run out.
            let now = Date()
            for (driver, until) in [("claude", now.addingTimeInterval(900)), ("codex", now.addingTimeInterval(900))] {
                _ = try await store.appendEvent(
                    .driverPaused(driver, until: until, kind: "rate_limited", reason: "usage limit reached"))
            }
            _ = try await store.appendEvent(.driverResumed("codex"))
            _ = try await store.appendEvent(
                .driverPaused("gemini", until: now.addingTimeInterval(-60), kind: "rate_limited", reason: "over"))

            let items = try await AttentionService(store: store).items(now: now)
            // Kinds in the inbox's order (the two alerts, written in the same instant, may come either way).
            #expect(
                items.map(\.kind) == [
                    .mergeFailed, .setAside, .driverPaused, .permissionDenied, .alert, .alert, .reviewWaiting,
                    .agentBlocked,
                ], "\(items)")
            #expect(
                Set(items.map { "\($0.kind.rawValue) \($0.subject)" }) == [
                    "merge_failed SHOP-2", "set_aside SHOP-4", "driver_paused claude", "permission_denied SHOP-5",
                    "alert SHOP-5", "alert SHOP", "review_waiting SHOP-1", "agent_blocked SHOP-3",
                ])
            let byKind = Dictionary(items.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byKind[.agentBlocked]?.message == "which database should the users table live in?")
            #expect(byKind[.agentBlocked]?.actions == ["comment", "make_ready"])
            #expect(byKind[.reviewWaiting]?.message == "verified: 1 commit(s), tests passed")
            #expect(byKind[.reviewWaiting]?.need == .decision && byKind[.mergeFailed]?.need == .broken)
            #expect(byKind[.driverPaused]?.until != nil)
            #expect(byKind[.permissionDenied]?.message.contains("Bash(rm -rf /)") == true)

            // The causes pass: the question is answered (ready again), the review approved.
            _ = try await store.transition(
                .key(IssueKey(project: project.key, number: 3)), to: .ready, reason: nil, actor: "user:ana")
            _ = try await store.recordCheck(
                on: .id(review.id),
                NewCheck(kind: .approval, passed: true, summary: "approved", actor: "user:ana", expecting: .review))
            let later = try await AttentionService(store: store).items(now: now)
            #expect(!later.contains { $0.kind == .agentBlocked || $0.kind == .reviewWaiting }, "\(later)")

            // The document the API and the MCP tool answer.
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            let json =
                try JSONSerialization.jsonObject(
                    with: try encoder.encode(AttentionDocument(items: items, now: now))) as? [String: Any]
            #expect(json?["decisions"] as? Int == 2 && json?["broken"] as? Int == 6)
            let first = (json?["items"] as? [[String: Any]])?.first
            #expect(first?["kind"] as? String == "merge_failed" && first?["need"] as? String == "broken")
            #expect(first?["title"] as? String == "Would not merge" && first?["age_seconds"] is Int)
        }
    }
}
