import Foundation
import Testing
import TurboCore
import TurboGit

/// A real repository in a temporary directory with a `main` branch, and a worktree root beside it.
struct GitFixture {
    let base: URL
    let repo: String
    let worktrees: Worktrees

    init() async throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-git-\(UUID().uuidString)")
        repo = base.appendingPathComponent("repo").path
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        let repository = GitRepository(root: repo)
        worktrees = Worktrees(
            repository: repository,
            layout: WorktreeLayout(root: base.appendingPathComponent("wt").path, relativeTo: repo))
        try await git("init", "-q", "-b", "main")
        try write("README.md", "hello\n")
        try write("src/app.txt", (1...10).map { "line \($0)\n" }.joined())
        try await commitAll("base", in: repo)
    }

    func remove() { try? FileManager.default.removeItem(at: base) }

    @discardableResult
    func git(_ arguments: String..., in directory: String? = nil) async throws -> String {
        try await GitRunner().run(
            ["-c", "user.email=t@t", "-c", "user.name=t"] + arguments, in: directory ?? repo
        ).stdout
    }

    func write(_ path: String, _ text: String, in directory: String? = nil) throws {
        let url = URL(fileURLWithPath: directory ?? repo).appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func commitAll(_ message: String, in directory: String) async throws {
        try await git("add", "-A", in: directory)
        try await git("commit", "-q", "-m", message, in: directory)
    }
}

/// A key known to be valid in a test.
func key(_ text: String) -> IssueKey {
    guard let key = IssueKey(parsing: text) else { preconditionFailure("invalid test key \(text)") }
    return key
}
