import Foundation
import Testing
import TurboCore
import TurboGit

@Suite(.timeLimit(.minutes(1)))
struct WorktreeTests {
    @Test func creationIsIdempotentAndNamedFromTheIssue() async throws {
        let fixture = try await GitFixture()
        defer { fixture.remove() }
        let first = try await fixture.worktrees.create(
            for: key("SHOP-12"), title: "Fix the checkout: totals!", baseBranch: "main")
        #expect(first.created)
        #expect(first.path.hasSuffix("/wt/shop-shop-12"))
        #expect(first.branch == "SHOP-12/fix-the-checkout-totals")
        #expect(FileManager.default.fileExists(atPath: first.path + "/src/app.txt"))
        // Again, even with a new title: the same worktree, untouched.
        let again = try await fixture.worktrees.create(for: key("SHOP-12"), title: "Renamed", baseBranch: "main")
        #expect(!again.created && again.path == first.path && again.branch == first.branch)
        #expect(again.baseCommit == first.baseCommit)
    }

    @Test func pathsAndBranchesThatAreNotOursAreNeverOverwritten() async throws {
        let fixture = try await GitFixture()
        defer { fixture.remove() }
        let path = fixture.worktrees.layout.path(for: key("SHOP-1"))
        try fixture.write("keep.txt", "someone's files\n", in: path)
        await #expect(throws: TurboError.notOurs("the path \(path)")) {
            try await fixture.worktrees.create(for: key("SHOP-1"), title: "x", baseBranch: "main")
        }
        #expect(try String(contentsOfFile: path + "/keep.txt", encoding: .utf8) == "someone's files\n")
        await #expect(throws: TurboError.self) {
            try await fixture.worktrees.create(for: key("SHOP-2"), title: "x", baseBranch: "no-such-branch")
        }
    }

    @Test func statusReportsCommitsAndUncommittedFiles() async throws {
        let fixture = try await GitFixture()
        defer { fixture.remove() }
        let worktree = try await fixture.worktrees.create(for: key("SHOP-3"), title: "work", baseBranch: "main")
        try fixture.write("src/new.txt", "new\n", in: worktree.path)
        try await fixture.commitAll("add new", in: worktree.path)
        try fixture.write("src/app.txt", "changed\n", in: worktree.path)
        try fixture.write("notes with space.md", "draft\n", in: worktree.path)
        try fixture.write("base-only.txt", "moved on\n")
        try await fixture.commitAll("base moves", in: fixture.repo)

        let status = try #require(try await fixture.worktrees.status(of: key("SHOP-3"), baseBranch: "main"))
        #expect(status.branch == worktree.branch && status.ahead == 1 && status.behind == 1)
        #expect(status.uncommitted.sorted() == [" M src/app.txt", "?? notes with space.md"])
        #expect(status.lastCommitAt != nil && status.oldestUncommittedChangeAt != nil)
        #expect(try await fixture.worktrees.status(of: key("SHOP-4"), baseBranch: "main") == nil)
    }

    @Test func removalRefusesWorkUnlessForcedAndKeepsUnmergedBranches() async throws {
        let fixture = try await GitFixture()
        defer { fixture.remove() }
        let worktree = try await fixture.worktrees.create(for: key("SHOP-5"), title: "feature", baseBranch: "main")
        try fixture.write("dirty.txt", "uncommitted\n", in: worktree.path)
        let dirty = await #expect(throws: TurboError.self) {
            try await fixture.worktrees.remove(key("SHOP-5"), baseBranch: "main", force: false)
        }
        #expect(dirty == .worktreeHasWork(path: worktree.path, uncommitted: ["dirty.txt"], unmergedCommits: []))
        try await fixture.commitAll("work", in: worktree.path)
        let unmerged = await #expect(throws: TurboError.self) {
            try await fixture.worktrees.remove(key("SHOP-5"), baseBranch: "main", force: false)
        }
        #expect(unmerged?.description.contains("1 unmerged commit(s)") == true)
        #expect(FileManager.default.fileExists(atPath: worktree.path + "/dirty.txt"))

        // Forced: the directory goes, the unmerged branch stays; creating again adopts it with its commit.
        #expect(try await fixture.worktrees.remove(key("SHOP-5"), baseBranch: "main", force: true) == false)
        #expect(!FileManager.default.fileExists(atPath: worktree.path))
        let back = try await fixture.worktrees.create(for: key("SHOP-5"), title: "other title", baseBranch: "main")
        #expect(back.created && back.branch == worktree.branch)
        #expect(FileManager.default.fileExists(atPath: back.path + "/dirty.txt"))
    }

    @Test func removingAMergedWorktreeDeletesItsBranch() async throws {
        let fixture = try await GitFixture()
        defer { fixture.remove() }
        let worktree = try await fixture.worktrees.create(for: key("SHOP-6"), title: "small", baseBranch: "main")
        try fixture.write("small.txt", "done\n", in: worktree.path)
        try await fixture.commitAll("small", in: worktree.path)
        try await fixture.git("merge", "-q", "--ff-only", worktree.branch)
        #expect(try await fixture.worktrees.remove(key("SHOP-6"), baseBranch: "main", force: false))
        #expect(try await !fixture.worktrees.repository.branchExists(worktree.branch))
    }
}
