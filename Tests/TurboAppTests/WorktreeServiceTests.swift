import Foundation
import Logging
import Testing
import TurboApp
import TurboCore
import TurboGit
import TurboServices

/// Worktrees through the service: provisioning, records and events, reconciliation after a crash.
@Suite(.timeLimit(.minutes(1)))
struct WorktreeServiceTests {
    /// A repository with a project, a worktree root beside it and the given `worktrees:` configuration.
    static func withService(
        worktreesYAML: String, _ body: @Sendable (WorktreeService, GitSandbox) async throws -> Void
    ) async throws {
        let sandbox = try GitSandbox(name: "svc")
        defer { sandbox.remove() }
        let root = sandbox.root.deletingLastPathComponent().appendingPathComponent("wt").path
        try "project:\n  key: SVC\nbase_branch: trunk\nworktrees:\n  root: \(root)\n\(worktreesYAML)".write(
            to: sandbox.root.appendingPathComponent("turbocode.yaml"), atomically: true, encoding: .utf8)
        try "TOKEN=1\n".write(to: sandbox.root.appendingPathComponent(".env.local"), atomically: true, encoding: .utf8)
        let repository = try Repository.locate(from: sandbox.root.path)
        try await TurboApp.withStore(repository.defaultDatabase, logger: Logger(label: "test")) { store in
            _ = try await ProjectSetup.initialize(repository: repository, key: nil, name: nil, store: store)
            _ = try await store.createIssue(NewIssue(project: .key(try ProjectKey("SVC")), title: "First task"))
            try await body(try WorktreeService(store: store, repository: repository), sandbox)
        }
    }

    @Test func creationProvisionsRecordsAndEmitsAnEvent() async throws {
        try await Self.withService(worktreesYAML: "  copy: ['.env*']\n  setup: ['echo ready > provisioned.txt']\n") {
            service, _ in
            let created = try await service.create(try IssueRef(parsing: "SVC-1"))
            #expect(created.created && created.copied == [".env.local"] && created.setup.first?.succeeded == true)
            #expect(
                try String(contentsOfFile: created.record.path + "/provisioned.txt", encoding: .utf8) == "ready\n")
            #expect(created.record.branch == "SVC-1/first-task")
            let log = try String(contentsOfFile: try #require(created.setupLog), encoding: .utf8)
            #expect(log.contains("$ echo ready > provisioned.txt") && log.contains("[exit 0]"))
            let again = try await service.create(try IssueRef(parsing: "svc-1"))
            #expect(!again.created && again.record.id == created.record.id)
            let events = try await service.store.events(after: 0, limit: 100).map(\.type)
            #expect(events.filter { $0 == "worktree.created" }.count == 1)
        }
    }

    @Test func failedSetupLeavesNoWorktreeAndNoRecord() async throws {
        try await Self.withService(worktreesYAML: "  setup: ['echo broken dependency >&2; exit 3']\n") {
            service, sandbox in
            let error = await #expect(throws: TurboError.self) {
                try await service.create(try IssueRef(parsing: "SVC-1"))
            }
            #expect(error?.description.contains("failed (exit 3)") == true)
            #expect(error?.description.contains("broken dependency") == true)
            let path = service.worktrees.layout.path(for: try #require(IssueKey(parsing: "SVC-1")))
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(try await service.store.worktree(of: try IssueRef(parsing: "SVC-1")) == nil)
            #expect(try sandbox.git("branch", "--list", "SVC-1/*") == "")
        }
    }

    @Test func pruneRepairsOrphansBothWaysWithoutDeletingWork() async throws {
        try await Self.withService(worktreesYAML: "") { service, sandbox in
            _ = try await service.store.createIssue(NewIssue(project: .key(try ProjectKey("SVC")), title: "Second"))
            let first = try await service.create(try IssueRef(parsing: "SVC-1"))
            // A worktree made by hand for SVC-2 (the database never heard of it), and SVC-1's directory deleted.
            let manual = service.worktrees.layout.path(for: try #require(IssueKey(parsing: "SVC-2")))
            try sandbox.git("worktree", "add", "-q", "-b", "SVC-2/second", manual, "trunk")
            try FileManager.default.removeItem(atPath: first.record.path)
            let stray = service.worktrees.layout.root + "/svc-notes"
            try FileManager.default.createDirectory(atPath: stray, withIntermediateDirectories: true)

            let result = try await service.prune()
            #expect(result.missing.map(\.issueKey.description) == ["SVC-1"])
            #expect(result.adopted.map(\.path) == [manual])
            #expect(result.strayDirectories == [stray])
            #expect(FileManager.default.fileExists(atPath: stray) && FileManager.default.fileExists(atPath: manual))
            #expect(try sandbox.git("branch", "--list", "SVC-1/*").contains("SVC-1/first-task"))
            let again = try await service.prune()
            #expect(again.missing.isEmpty && again.adopted.isEmpty)
        }
    }

    @Test func conflictsAreStoredAndResolvedAsBranchesMove() async throws {
        try await Self.withService(worktreesYAML: "") { service, _ in
            _ = try await service.store.createIssue(NewIssue(project: .key(try ProjectKey("SVC")), title: "Second"))
            var paths: [String] = []
            for key in ["SVC-1", "SVC-2"] {
                let created = try await service.create(try IssueRef(parsing: key))
                try "\(key)\n".write(toFile: created.record.path + "/shared.txt", atomically: true, encoding: .utf8)
                let git = GitRunner()
                try await git.run(["add", "-A"], in: created.record.path)
                try await git.run(
                    ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", key], in: created.record.path)
                paths.append(created.record.path)
            }
            let (conflicts, changes) = try await service.predictConflicts()
            #expect(conflicts.map(\.pairKey) == ["SVC-1~SVC-2"] && conflicts.first?.paths == ["shared.txt"])
            #expect(changes.detected.count == 1)
            // Nothing moved: the stored simulations answer, no merge-tree runs.
            let statistics = GitRunner.Statistics()
            let counting = try WorktreeService(
                store: service.store, repository: service.repository, runner: GitRunner(statistics: statistics))
            let (same, _) = try await counting.predictConflicts()
            #expect(same.map(\.pairKey) == ["SVC-1~SVC-2"])
            #expect(!statistics.commands.contains { $0.contains("merge-tree") })
            // SVC-2 drops its change: the conflict is resolved.
            let git = GitRunner()
            try await git.run(
                ["-c", "user.email=t@t", "-c", "user.name=t", "revert", "--no-edit", "HEAD"], in: paths[1])
            let (after, resolved) = try await service.predictConflicts()
            #expect(after.isEmpty && resolved.resolved.map(\.pairKey) == ["SVC-1~SVC-2"])
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct InterruptedProvisioningTests {
    @Test func aWorktreeLeftHalfProvisionedIsProvisionedAgain() async throws {
        try await WorktreeServiceTests.withService(worktreesYAML: "  setup: ['echo ok > provisioned.txt']\n") {
            service, _ in
            // As after a crash between `git worktree add` and the end of provisioning: git has it, the marker is set.
            let issue = try #require(IssueKey(parsing: "SVC-1"))
            let made = try await service.worktrees.create(for: issue, title: "First task", baseBranch: "trunk")
            let marker = try await service.provisioningMarker(made.path)
            try Data().write(to: URL(fileURLWithPath: marker))

            let created = try await service.create(.key(issue))
            #expect(created.setup.count == 1 && created.record.path == made.path)
            #expect(FileManager.default.fileExists(atPath: made.path + "/provisioned.txt"))
            #expect(!FileManager.default.fileExists(atPath: marker))
            let again = try await service.create(.key(issue))
            #expect(again.setup.isEmpty && !again.created)
        }
    }
}

/// A session reads its own work log: once its submitted work came back to the same agent, the new session's log is
/// the latest, and the first session (its agent still finishing its turn) must see `submitted`, not `working`.
@Suite(.timeLimit(.minutes(1)))
struct WorkSourceStateTests {
    @Test func aSessionThatSubmittedStillSeesItsSubmissionWhenTheWorkComesBack() async throws {
        try await WorktreeServiceTests.withService(worktreesYAML: "") { worktrees, _ in
            let store = worktrees.store
            let work = WorkService(worktrees: worktrees)
            let issue = try await store.issue(try IssueRef(parsing: "SVC-1"))
            _ = try await store.transition(.id(issue.id), to: .ready, reason: nil, actor: nil)
            let (_, lease) = try await store.acquireLease(on: .id(issue.id), agent: "a", ttl: .seconds(60))
            let (_, first) = try await store.startLeasedWork(
                on: .id(issue.id), agent: "a", epoch: lease.epoch, worktreePath: "/w", branch: "SVC-1/first-task")
            _ = try await store.finishLease(
                on: .id(issue.id), agent: "a", epoch: lease.epoch, status: .testing,
                end: WorkLogEnd(outcome: .submitted), comment: nil, reason: "submitted")
            _ = try await store.recordCheck(
                on: .id(issue.id),
                NewCheck(
                    kind: .verification, passed: true, summary: "ok", actor: "turbocode", expecting: .testing,
                    moves: [.review]))
            _ = try await store.recordCheck(
                on: .id(issue.id),
                NewCheck(
                    kind: .changesRequested, passed: false, summary: "rename it", actor: "user:ana",
                    expecting: .review, moves: [.inProgress]))
            // The work came back and the same agent took it again: a new lease and work log.
            let (_, _, second) = try await store.resumeLeasedWork(
                on: .id(issue.id), agent: "a", ttl: .seconds(60), worktreePath: "/w", branch: "SVC-1/first-task")
            let report: @Sendable (String) -> Void = { _ in }
            let earlier = StoreWorkSource(work: work, issue: issue, agent: "a", epoch: 1, log: first.id, report: report)
            let current = StoreWorkSource(
                work: work, issue: issue, agent: "a", epoch: 2, log: second.id, report: report)
            #expect(try await earlier.state() == .submitted)
            #expect(try await current.state() == .working)
        }
    }
}
