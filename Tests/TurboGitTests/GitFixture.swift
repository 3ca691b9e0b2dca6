import Foundation
import Testing
import TurboCore
import TurboGit
import TurboTestSupport

/// A real repository in a temporary directory with a `main` branch (a README and a ten-line `src/app.txt`), and a
/// worktree root beside it.
struct GitFixture {
    let scratch: ScratchRepository
    let worktrees: Worktrees
    var base: URL { scratch.base }
    var repo: String { scratch.path }

    init() async throws {
        scratch = try ScratchRepository(
            prefix: "turbo-git",
            files: ["README.md": "hello\n", "src/app.txt": (1...10).map { "line \($0)\n" }.joined()])
        worktrees = Worktrees(
            repository: GitRepository(root: scratch.path),
            layout: WorktreeLayout(root: scratch.base.appendingPathComponent("wt").path, relativeTo: scratch.path))
    }

    func remove() { scratch.remove() }

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
