import Foundation
import Logging
import Testing
import TurboCore

@testable import TurboApp
@testable import TurboServices

/// Verification and the merge queue on real repositories and a real SQLite file: each failing step sends the work
/// back with its reason, approved work is merged in order with the tests run on the merge, and the base branch only
/// ever moves forward.
@Suite(.timeLimit(.minutes(2)))
struct ReviewFlowTests {
    struct Fixture: Sendable {
        let sandbox: GitSandbox
        let store: any TurboStore
        let worktrees: WorktreeService
        let config: OrchestratorConfig

        var verifier: Verifier { Verifier(worktrees: worktrees, config: config, logger: Logger(label: "test")) }
        var queue: MergeQueue { MergeQueue(worktrees: worktrees, config: config, logger: Logger(label: "test")) }
        var review: ReviewService { ReviewService(worktrees: worktrees, config: config) }

        /// `git ARGUMENTS` in `directory` as a committer.
        @discardableResult
        func git(_ directory: String, _ arguments: String...) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", directory, "-c", "user.email=dev@t", "-c", "user.name=dev"] + arguments
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("git-\(UUID().uuidString)")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: output) }
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "git \(arguments.joined(separator: " "))")
            return try String(contentsOf: output, encoding: .utf8)
        }

        func write(_ directory: String, _ file: String, _ text: String) throws {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(file)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }

        /// A new issue worked by agent `dev` in its worktree (`work` gets the worktree's path) and handed in the
        /// way a submission does, without the submission's own checks: the verifier must catch what it let through.
        func submitted(_ title: String, work: (String) throws -> Void) async throws -> TurboCore.Issue {
            let issue = try await store.createIssue(
                NewIssue(project: .key(try ProjectKey("SVC")), title: title, status: .ready))
            _ = try await store.acquireLease(on: .id(issue.id), agent: "dev", ttl: .seconds(60))
            let created = try await worktrees.create(.id(issue.id))
            _ = try await store.startLeasedWork(
                on: .id(issue.id), agent: "dev", epoch: 1, worktreePath: created.record.path,
                branch: created.record.branch)
            try work(created.record.path)
            return try await store.finishLease(
                on: .id(issue.id), agent: "dev", epoch: 1, status: .testing,
                end: WorkLogEnd(outcome: .submitted), comment: nil, reason: "submitted"
            ).issue
        }

        func head(_ branch: String = "trunk") throws -> String {
            try git(sandbox.root.path, "rev-parse", branch).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    static func withFixture(
        _ yaml: String, _ body: @Sendable (Fixture) async throws -> Void
    ) async throws {
        let sandbox = try GitSandbox(name: "review")
        defer { sandbox.remove() }
        let root = sandbox.root.deletingLastPathComponent().appendingPathComponent("wt").path
        let text = "project:\n  key: SVC\nbase_branch: trunk\nworktrees:\n  root: \(root)\n\(yaml)"
        try text.write(to: sandbox.root.appendingPathComponent("turbocode.yaml"), atomically: true, encoding: .utf8)
        let repository = try Repository.locate(from: sandbox.root.path)
        try await TurboApp.withStore(repository.defaultDatabase, logger: Logger(label: "test")) { store in
            _ = try await ProjectSetup.initialize(repository: repository, key: nil, name: nil, store: store)
            let fixture = Fixture(
                sandbox: sandbox, store: store, worktrees: try WorktreeService(store: store, repository: repository),
                config: try OrchestratorConfig.load(from: repository.configFile))
            // The main checkout stays clean: turboCode's files are ignored there.
            try fixture.write(sandbox.root.path, ".gitignore", ".turbocode/\nturbocode.yaml\n")
            try fixture.git(sandbox.root.path, "add", ".gitignore")
            try fixture.git(sandbox.root.path, "commit", "-q", "-m", "ignore")
            try await body(fixture)
        }
    }

    static let pool = """
        test_command: "if grep -rn BROKEN --exclude-dir=.git .; then exit 1; fi"
        subagents:
          - id: dev
            driver: claude
        """

    @Test func eachFailingStepGoesBackToTheAgentWithItsReason() async throws {
        try await Self.withFixture(Self.pool) { f in
            let empty = try await f.submitted("Nothing done") { _ in }
            let dirty = try await f.submitted("Left files around") { path in
                try f.write(path, "done.txt", "done\n")
                try f.git(path, "add", "done.txt")
                try f.git(path, "commit", "-q", "-m", "done")
                try f.write(path, "notes/scratch.txt", "todo\n")
            }
            let failing = try await f.submitted("Breaks the tests") { path in
                try f.write(path, "api.txt", "BROKEN on purpose\n")
                try f.git(path, "add", "api.txt")
                try f.git(path, "commit", "-q", "-m", "api")
            }
            let conflicting = try await f.submitted("Edits the readme") { path in
                try f.write(path, "README.md", "mine\n")
                try f.git(path, "add", "README.md")
                try f.git(path, "commit", "-q", "-m", "readme")
            }
            // Meanwhile the base changed the same file.
            try f.write(f.sandbox.root.path, "README.md", "theirs\n")
            try f.git(f.sandbox.root.path, "add", "README.md")
            try f.git(f.sandbox.root.path, "commit", "-q", "-m", "readme on trunk")

            let verifier = f.verifier
            for issue in [empty, dirty, failing, conflicting] { await verifier.verify(issue) }
            let expected: [(TurboCore.Issue, String, String)] = [
                (empty, "commits", "has no commits beyond trunk"),
                (dirty, "clean", "1 uncommitted file(s) in the worktree: notes/scratch.txt"),
                (failing, "tests", "failed (exit 1)"),
                (conflicting, "merge", "conflicts with trunk"),
            ]
            for (issue, step, reason) in expected {
                let now = try await f.store.issue(.id(issue.id))
                #expect(now.status == .inProgress, "\(issue.key) goes back to its agent (dev is in the pool)")
                let check = try #require(try await f.store.checks(of: .id(issue.id)).last)
                #expect(check.kind == .verification && !check.passed && check.evidence["step"] == .string(step))
                let comment = try #require(try await f.store.comments(of: .id(issue.id)).last)
                #expect(
                    comment.body.hasPrefix("Verification failed at \(step):") && comment.body.contains(reason),
                    "\(comment.body)")
            }
            // The failing test's log is kept and its tail is in the comment.
            let check = try #require(try await f.store.checks(of: .id(failing.id)).last)
            let log = try #require(check.evidence["log"]?.stringValue)
            #expect(try String(contentsOfFile: log, encoding: .utf8).hasPrefix("$ if grep -rn BROKEN"))
            #expect(
                try await f.store.comments(of: .id(failing.id)).last?.body.contains("./api.txt:1:BROKEN on purpose")
                    == true)
            #expect(check.evidence["test"]?["exit"] == .number(1))
            // The conflict names the file.
            let conflict = try #require(try await f.store.checks(of: .id(conflicting.id)).last)
            #expect(conflict.evidence["merge"]?["conflicts"] == .array(["README.md"]))
            let types = try await f.store.events(after: 0, limit: 1_000).map(\.type)
            #expect(types.filter { $0 == "verification.failed" }.count == 4)
            #expect(await verifier.isIdle())
        }
    }

    @Test func retriesRunOutIntoReviewAndCleanWorkPassesWithEvidence() async throws {
        try await Self.withFixture(Self.pool + "\nreview:\n  verify_retries: 1\n") { f in
            let issue = try await f.submitted("Breaks the tests") { path in
                try f.write(path, "api.txt", "BROKEN\n")
                try f.git(path, "add", "api.txt")
                try f.git(path, "commit", "-q", "-m", "api")
            }
            await f.verifier.verify(issue)
            #expect(try await f.store.issue(.id(issue.id)).status == .inProgress)
            // The agent "fixes" nothing and submits again: out of retries, a person decides.
            let (_, lease, _) = try await f.store.resumeLeasedWork(
                on: .id(issue.id), agent: "dev", ttl: .seconds(60), worktreePath: nil, branch: nil)
            _ = try await f.store.finishLease(
                on: .id(issue.id), agent: "dev", epoch: lease.epoch, status: .testing,
                end: WorkLogEnd(outcome: .submitted), comment: nil, reason: "submitted")
            await f.verifier.verify(try await f.store.issue(.id(issue.id)))
            #expect(try await f.store.issue(.id(issue.id)).status == .review)
            let gaveUp = try #require(try await f.store.checks(of: .id(issue.id)).last)
            #expect(!gaveUp.passed && gaveUp.evidence["gave_up"] == .bool(true))
            let entries = try await f.review.list(project: nil)
            #expect(entries.first?.failedChecks == true)

            let good = try await f.submitted("Adds the API") { path in
                try f.write(path, "api/orders.txt", "orders\nlist\n")
                try f.git(path, "add", "api")
                try f.git(path, "commit", "-q", "-m", "orders api")
            }
            await f.verifier.verify(good)
            #expect(try await f.store.issue(.id(good.id)).status == .review)
            let passed = try #require(try await f.store.checks(of: .id(good.id)).last)
            #expect(passed.passed && passed.summary.contains("1 commit(s)") && passed.summary.contains("tests passed"))
            #expect(passed.evidence["diff_stat"]?.stringValue?.contains("2 insertions(+)") == true)
            #expect(passed.evidence["test"]?["passed"] == .bool(true))
            #expect(passed.evidence["merge"]?["clean"] == .bool(true))
            // Riskiest first: the failed one, then the clean one.
            #expect(try await f.review.list(project: nil).map(\.issue.key) == [issue.key, good.key])
        }
    }

    @Test func approvedWorkMergesInOrderWithTheTestsRunOnEachMerge() async throws {
        // The tests fail when both notes are in the file: the second merge must not reach trunk.
        let yaml = """
            test_command: "! (grep -qs alpha notes.txt && grep -qs gamma notes.txt)"
            review:
              auto_merge: true
            subagents:
              - id: dev
                driver: claude
            """
        try await Self.withFixture(yaml) { f in
            try f.write(f.sandbox.root.path, "notes.txt", "one\ntwo\nthree\nfour\nfive\nsix\n")
            try f.git(f.sandbox.root.path, "add", "notes.txt")
            try f.git(f.sandbox.root.path, "commit", "-q", "-m", "notes")
            func edit(_ line: String, _ replacement: String) -> @Sendable (String) throws -> Void {
                { path in
                    let file = URL(fileURLWithPath: path).appendingPathComponent("notes.txt")
                    let text = try String(contentsOf: file, encoding: .utf8)
                    try text.replacingOccurrences(of: line, with: replacement).write(
                        to: file, atomically: true, encoding: .utf8)
                    try f.git(path, "commit", "-qam", "\(line) → \(replacement)")
                }
            }
            // Three issues touching the same file (different lines), approved in this order.
            let first = try await f.submitted("Alpha", work: edit("one", "alpha"))
            let second = try await f.submitted("Beta", work: edit("six", "beta"))
            let third = try await f.submitted("Gamma", work: edit("three", "gamma"))
            let verifier = f.verifier
            for issue in [first, second, third] { await verifier.verify(issue) }
            let queue = f.queue
            #expect(try await queue.mergeable().map(\.issue.key) == [first.key, second.key, third.key])
            let before = try f.head()
            while let next = try await queue.mergeable().first {
                await queue.merge(next.issue, approval: next.approval)
            }

            for issue in [first, second] {
                let now = try await f.store.issue(.id(issue.id))
                #expect(now.status == .closed && now.closedReason == .merged)
                #expect(try await f.store.worktree(of: .id(issue.id)) == nil, "the worktree is removed")
            }
            let merges = try await f.store.checks(since: nil).filter { $0.kind == .merge && $0.passed }
            #expect(merges.map(\.issueKey) == [first.key, second.key])
            // The second was merged onto the first's result and tested there.
            #expect(merges[1].evidence["base_before"] == merges[0].evidence["merge_commit"])
            #expect(merges[1].evidence["test"]?["passed"] == .bool(true))
            // The third passed alone but fails on the merge: trunk is exactly the second merge, the work goes back.
            let tip = try f.head()
            #expect(.string(tip) == merges[1].evidence["merge_commit"])
            #expect(
                try String(contentsOf: f.sandbox.root.appendingPathComponent("notes.txt"), encoding: .utf8)
                    == "alpha\ntwo\nthree\nfour\nfive\nbeta\n", "the main checkout follows trunk")
            let back = try await f.store.issue(.id(third.id))
            #expect(back.status == .inProgress)
            let failed = try #require(try await f.store.checks(of: .id(third.id)).last)
            #expect(failed.kind == .merge && !failed.passed && failed.evidence["step"] == "tests")
            #expect(try await f.store.comments(of: .id(third.id)).last?.body.contains("trunk is unchanged") == true)
            // Trunk only ever moved forward: each reflog entry descends from the one before.
            let reflog = try f.git(f.sandbox.root.path, "reflog", "show", "--format=%H", "trunk")
                .split(separator: "\n").map(String.init).reversed().map { $0 }
            #expect(reflog.contains(before) && reflog.last == tip)
            for (older, newer) in zip(reflog, reflog.dropFirst()) {
                _ = try f.git(f.sandbox.root.path, "merge-base", "--is-ancestor", older, newer)
            }
            let types = try await f.store.events(after: 0, limit: 1_000).map(\.type)
            #expect(types.filter { $0 == "merge.succeeded" }.count == 2 && types.contains("merge.failed"))
            #expect(await queue.isIdle())
        }
    }

    @Test func aBaseCheckedOutNowhereMovesByCompareAndSwap() async throws {
        try await Self.withFixture("subagents:\n  - id: dev\n    driver: claude\n") { f in
            let issue = try await f.submitted("Adds a file") { path in
                try f.write(path, "added.txt", "x\n")
                try f.git(path, "add", "added.txt")
                try f.git(path, "commit", "-q", "-m", "added")
            }
            await f.verifier.verify(issue)
            #expect(try await f.store.issue(.id(issue.id)).status == .review, "human approval is the default")
            #expect(try await f.queue.mergeable().isEmpty)
            _ = try await f.review.approve(.id(issue.id), reviewer: "user:ana", comment: "ship it")
            try f.git(f.sandbox.root.path, "checkout", "-q", "-b", "elsewhere")
            let queue = f.queue
            let next = try #require(try await queue.mergeable().first)
            await queue.merge(next.issue, approval: next.approval)
            #expect(try await f.store.issue(.id(issue.id)).closedReason == .merged)
            #expect(try f.git(f.sandbox.root.path, "show", "trunk:added.txt") == "x\n")
            let reflog = try f.git(f.sandbox.root.path, "reflog", "show", "-1", "--format=%gs", "trunk")
            #expect(reflog.contains("turbocode: merge SVC-1 (fast-forward)"))
        }
    }

    /// The merge under way shows its step: the tests wait on a gate file while the merge is at `testing`.
    @Test func theMergeUnderWayShowsItsStep() async throws {
        let gate = FileManager.default.temporaryDirectory.appendingPathComponent("merge-gate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: gate) }
        let yaml = """
            test_command: "while [ -f '\(gate.path)' ]; do sleep 0.05; done"
            review:
              auto_merge: true
            subagents:
              - id: dev
                driver: claude
            """
        try await Self.withFixture(yaml) { f in
            let issue = try await f.submitted("Adds a file") { path in
                try f.write(path, "added.txt", "x\n")
                try f.git(path, "add", "added.txt")
                try f.git(path, "commit", "-q", "-m", "added")
            }
            await f.verifier.verify(issue)
            let queue = f.queue
            #expect(await queue.current == nil)
            let next = try #require(try await queue.mergeable().first)
            try Data().write(to: gate)
            let merging = Task { await queue.merge(next.issue, approval: next.approval) }
            var seen: [String] = []
            while seen.last != "testing" {
                if let step = await queue.current?.step, step != seen.last { seen.append(step) }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(seen.first == "merging" || seen == ["testing"])
            #expect(await queue.current?.issue == issue.key.description)
            try FileManager.default.removeItem(at: gate)
            await merging.value
            #expect(await queue.current == nil)
            #expect(try await f.store.issue(.id(issue.id)).closedReason == .merged)
        }
    }

    @Test func requestedChangesGoBackToTheAgentWithTheComment() async throws {
        try await Self.withFixture("subagents:\n  - id: other\n    driver: claude\n") { f in
            let issue = try await f.submitted("Adds a file") { path in
                try f.write(path, "added.txt", "x\n")
                try f.git(path, "add", "added.txt")
                try f.git(path, "commit", "-q", "-m", "added")
            }
            await f.verifier.verify(issue)
            await #expect(throws: TurboError.self) {
                try await f.review.requestChanges(.id(issue.id), reviewer: "user:ana", comment: "  ")
            }
            let (back, check) = try await f.review.requestChanges(
                .id(issue.id), reviewer: "user:ana", comment: "Name the file after the feature")
            // dev is not in this pool: the work goes back to the queue for any agent.
            #expect(back.status == .ready && check.kind == .changesRequested)
            #expect(
                try await f.store.comments(of: .id(issue.id)).last?.body
                    == "Changes requested: Name the file after the feature")
        }
    }

    /// The diff a reviewer reads, from a branch that adds, changes, deletes, renames, adds a binary file and ends a
    /// file without a newline, with a name git would quote; line comments quoted into the comment the agent reads, and
    /// a comment on a line the diff does not show refused with nothing recorded.
    @Test func theDiffFileByFileAndLineCommentsBackToTheAgent() async throws {
        try await Self.withFixture("subagents:\n  - id: other\n    driver: claude\n") { f in
            let root = f.sandbox.root.path
            try f.write(root, "kept.txt", "one\ntwo\nthree\n")
            try f.write(root, "gone.txt", "bye\n")
            try f.write(root, "old name.txt", (1...20).map { "line \($0)" }.joined(separator: "\n") + "\n")
            try f.write(root, "windows.txt", "first\r\nsecond\r\nthird\r\n")
            try f.git(root, "add", ".")
            try f.git(root, "commit", "-q", "-m", "base files")
            let issue = try await f.submitted("Touches every kind of file") { path in
                try f.write(path, "kept.txt", "one\n2\nthree\nfour")
                try f.write(path, "windows.txt", "first\r\nSECOND\r\nthird\r\n")
                try f.write(path, "tab\tand \"quote\".txt", "odd name\n")
                try Data([0, 1, 2, 255]).write(to: URL(fileURLWithPath: path).appendingPathComponent("blob.bin"))
                try f.git(path, "rm", "-q", "gone.txt")
                try f.git(path, "mv", "old name.txt", "new name.txt")
                try f.git(path, "add", "-A")
                try f.git(path, "commit", "-q", "-m", "all kinds")
            }
            await f.verifier.verify(issue)
            let document = try await f.review.diffDocument(.id(issue.id))
            let files = Dictionary(uniqueKeysWithValues: document.diff.files.map { ($0.path, $0) })
            #expect(document.base == "trunk" && files.count == 6)
            // A file with Windows line ends: its lines apart, without their returns.
            let windows = try #require(files["windows.txt"]).hunks.flatMap(\.lines)
            #expect(windows.map(\.text) == ["first", "second", "SECOND", "third"])
            #expect(windows.map(\.kind) == [.context, .deleted, .added, .context])
            let kept = try #require(files["kept.txt"])
            #expect(kept.change == .modified && kept.insertions == 2 && kept.deletions == 1)
            let lines = kept.hunks.flatMap(\.lines)
            #expect(
                lines.map {
                    "\($0.kind.rawValue) \($0.old.map(String.init) ?? "-") \($0.new.map(String.init) ?? "-") \($0.text)"
                }
                    == [
                        "context 1 1 one", "deleted 2 - two", "added - 2 2", "context 3 3 three", "added - 4 four",
                    ])
            #expect(lines.last?.noNewlineAtEnd == true)
            #expect(files["gone.txt"]?.change == .deleted && files["gone.txt"]?.deletions == 1)
            #expect(files["blob.bin"]?.binary == true && files["blob.bin"]?.hunks.isEmpty == true)
            #expect(files["tab\tand \"quote\".txt"]?.change == .added)
            let renamed = try #require(files["new name.txt"])
            #expect(renamed.change == .renamed && renamed.oldPath == "old name.txt" && renamed.hunks.isEmpty)

            // A line the diff does not show, or a file it does not have: refused, nothing recorded.
            for wrong in [
                LineComment(path: "kept.txt", line: 9, body: "here"),
                LineComment(path: "kept.txt", line: 2, side: .old, body: ""),
                LineComment(path: "elsewhere.txt", line: 1, body: "here"),
            ] {
                await #expect(throws: TurboError.self) {
                    try await f.review.requestChanges(
                        .id(issue.id), reviewer: "user:ana", comment: "", lineComments: [wrong])
                }
            }
            #expect(try await f.store.issue(.id(issue.id)).status == .review)
            let (back, _) = try await f.review.requestChanges(
                .id(issue.id), reviewer: "user:ana", comment: "",
                lineComments: [
                    LineComment(path: "kept.txt", line: 2, body: "Spell the number out."),
                    LineComment(path: "kept.txt", line: 2, side: .old, body: "Why did two go?"),
                ])
            #expect(back.status == .ready)
            #expect(
                try await f.store.comments(of: .id(issue.id)).last?.body
                    == """
                    Changes requested: See the line comments.

                    Line comments:
                    - kept.txt:2 `+2`: Spell the number out.
                    - kept.txt:2 (before the change) `-two`: Why did two go?
                    """)
        }
    }

    @Test func reviewPushSendsTheBaseToTheRemoteAfterAMerge() async throws {
        try await Self.withFixture(
            "review:\n  auto_merge: true\n  push: true\nsubagents:\n  - id: dev\n    driver: claude\n"
        ) {
            f in
            let bare = f.sandbox.root.deletingLastPathComponent().appendingPathComponent("origin.git").path
            try f.git(f.sandbox.root.path, "init", "-q", "--bare", bare)
            try f.git(f.sandbox.root.path, "remote", "add", "origin", bare)
            let issue = try await f.submitted("Adds a file") { path in
                try f.write(path, "added.txt", "x\n")
                try f.git(path, "add", "added.txt")
                try f.git(path, "commit", "-q", "-m", "added")
            }
            await f.verifier.verify(issue)
            let queue = f.queue
            let next = try #require(try await queue.mergeable().first)
            await queue.merge(next.issue, approval: next.approval)
            let merge = try #require(try await f.store.checks(of: .id(issue.id)).last)
            #expect(merge.kind == .merge && merge.passed && merge.evidence["pushed"] == .bool(true))
            #expect(try f.git(bare, "rev-parse", "trunk") == f.git(f.sandbox.root.path, "rev-parse", "trunk"))
            let verification = try #require(try await f.store.checks(of: .id(issue.id)).first)
            #expect(verification.evidence["usage"]?["sessions"] == .number(1))
        }
    }
}
