import Foundation
public import TurboCore

/// The git repository turboCode works on, found from a directory inside it.
public struct Repository: Hashable, Sendable {
    /// The main checkout's root: the same for every linked worktree of the repository.
    public var root: String
    /// The root of the checkout that contains the starting directory (a linked worktree or the main checkout).
    public var checkoutRoot: String

    /// A repository from known roots.
    public init(root: String, checkoutRoot: String) {
        self.root = root
        self.checkoutRoot = checkoutRoot
    }

    /// `.turbocode/` in the main checkout: the database, logs and other local state.
    public var stateDirectory: String { (root as NSString).appendingPathComponent(".turbocode") }
    /// `turbocode.yaml` at the repository root.
    public var configFile: String { (root as NSString).appendingPathComponent("turbocode.yaml") }
    /// The default database URL, `sqlite:<root>/.turbocode/turbocode.db`.
    public var defaultDatabase: DatabaseURL {
        .sqlite(path: (stateDirectory as NSString).appendingPathComponent("turbocode.db"))
    }

    /// Walks up from `directory` to the nearest `.git`; in a linked worktree, follows `gitdir:` and `commondir` back
    /// to the main checkout so that every worktree shares one database.
    public static func locate(from directory: String) throws(TurboError) -> Repository {
        let fileManager = FileManager.default
        var current = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath()
        while true {
            let dotGit = current.appendingPathComponent(".git")
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: dotGit.path, isDirectory: &isDirectory) {
                let checkout = current.path
                if isDirectory.boolValue { return Repository(root: checkout, checkoutRoot: checkout) }
                if let main = mainCheckout(fromGitFile: dotGit) {
                    return Repository(root: main, checkoutRoot: checkout)
                }
                return Repository(root: checkout, checkoutRoot: checkout)
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { throw .notARepository(directory) }
            current = parent
        }
    }

    /// For a `.git` file (`gitdir: …/.git/worktrees/NAME`), the main checkout that owns the common directory.
    private static func mainCheckout(fromGitFile file: URL) -> String? {
        guard let text = try? String(contentsOf: file, encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("gitdir:") })
        else { return nil }
        var gitDir = URL(fileURLWithPath: line.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces))
        if !line.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces).hasPrefix("/") {
            gitDir = file.deletingLastPathComponent().appendingPathComponent(gitDir.relativePath)
        }
        let commonDirFile = gitDir.appendingPathComponent("commondir")
        guard let common = try? String(contentsOf: commonDirFile, encoding: .utf8) else { return nil }
        let trimmed = common.trimmingCharacters(in: .whitespacesAndNewlines)
        let commonDir =
            trimmed.hasPrefix("/")
            ? URL(fileURLWithPath: trimmed) : gitDir.appendingPathComponent(trimmed).standardizedFileURL
        guard commonDir.lastPathComponent == ".git" else { return nil }
        return commonDir.deletingLastPathComponent().standardizedFileURL.path
    }
}
