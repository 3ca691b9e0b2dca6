import Foundation
import Testing
import TurboCore
import TurboGit

#if canImport(Glibc)
    import Glibc
#endif

/// Cases found in review: symlinked roots, the main checkout on an issue branch, renames, commands that outlive
/// their timeout or print a lot.
@Suite(.timeLimit(.minutes(1)))
struct EdgeCaseTests {
    @Test func aSymlinkedRootStillFindsTheExistingWorktree() async throws {
        let fixture = try await GitFixture()
        defer { fixture.remove() }
        let real = fixture.base.appendingPathComponent("real-trees")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        let link = fixture.base.appendingPathComponent("linked-trees")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        let worktrees = Worktrees(
            repository: fixture.worktrees.repository, layout: WorktreeLayout(root: link.path, relativeTo: fixture.repo))
        let first = try await worktrees.create(for: key("SHOP-1"), title: "linked", baseBranch: "main")
        let again = try await worktrees.create(for: key("SHOP-1"), title: "linked", baseBranch: "main")
        #expect(first.created && !again.created)
        #expect(try await worktrees.find(key("SHOP-1")) != nil)
    }

    @Test func theMainCheckoutIsNeverAnIssueWorktree() async throws {
        let fixture = try await GitFixture()
        defer { fixture.remove() }
        try await fixture.git("checkout", "-q", "-b", "SHOP-7/by-hand")
        #expect(try await fixture.worktrees.find(key("SHOP-7")) == nil)
        // Its branch is checked out in the main checkout: creating the worktree refuses rather than touching it.
        await #expect(throws: TurboError.self) {
            try await fixture.worktrees.create(for: key("SHOP-7"), title: "x", baseBranch: "main")
        }
        await #expect(throws: TurboError.self) {
            try await fixture.worktrees.remove(key("SHOP-7"), baseBranch: "main", force: true)
        }
        #expect(FileManager.default.fileExists(atPath: fixture.repo + "/README.md"))
    }

    @Test func renamesAreOneEntryAndNothingIsSkipped() async throws {
        let fixture = try await GitFixture()
        defer { fixture.remove() }
        let worktree = try await fixture.worktrees.create(for: key("SHOP-2"), title: "rename", baseBranch: "main")
        try await fixture.git("mv", "README.md", "READ.md", in: worktree.path)
        try fixture.write("z-new.txt", "new\n", in: worktree.path)
        let status = try #require(try await fixture.worktrees.status(of: key("SHOP-2"), baseBranch: "main"))
        #expect(status.uncommitted.sorted() == ["?? z-new.txt", "R  READ.md"])
    }

    @Test func aCommandPastItsTimeoutIsStoppedWithItsChildrenAndItsOutputKept() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-prov-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("child.pid").path
        let runs = try await Provisioner.run(
            ["echo started; sh -c 'echo $$ > \(pidFile); sleep 8' & sleep 30"], in: directory.path,
            timeout: .seconds(1), stopOnFailure: true)
        #expect(runs.first?.timedOut == true && runs.first?.output == "started\n")
        // The background child (alive for 8 seconds if left alone) is gone with its group: wait only until the
        // kernel has reaped it (a killed orphan is reaped by init at once).
        let pid = try #require(
            Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        var alive = true
        for _ in 0..<200 where alive {
            alive = kill(pid, 0) == 0 && !Self.isZombie(pid)
            if alive { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(!alive, "the background child outlived the timeout")
    }

    /// Whether `pid` has exited and only waits to be reaped (state `Z` in /proc).
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    @Test func largeOutputDoesNotFailACommand() async throws {
        let runs = try await Provisioner.run(
            ["head -c 3000000 /dev/zero | tr '\\\\0' x; echo; echo done"], in: "/tmp", timeout: .seconds(20),
            stopOnFailure: true)
        #expect(runs.first?.succeeded == true)
        #expect(runs.first?.output.hasSuffix("done\n") == true)
    }
}
