import Foundation
public import TurboCore
import Yams

/// The project part of `turbocode.yaml`, the committable configuration at the repository root.
public struct ProjectConfig: Hashable, Sendable {
    /// The `project:` section.
    public struct ProjectSection: Hashable, Sendable {
        /// The project key (`SHOP`): used by `init`, and to find the project from another clone.
        public var key: String?
        /// The project's name; `init` falls back to the directory name.
        public var name: String?
    }

    /// The `worktrees:` section.
    public struct WorktreesSection: Hashable, Sendable {
        /// Where worktrees go (default `~/worktrees`); relative to the repository root when relative.
        public var root: String?
        /// Globs of files copied from the main checkout into each new worktree (`.env*`).
        public var copy: [String]?
        /// Shell commands run in each new worktree, in order; a failure removes the new worktree again.
        public var setup: [String]?
        /// Shell commands run in a worktree before it is removed; failures do not stop the removal.
        public var teardown: [String]?
        /// Seconds each setup or teardown command may take (default 600).
        public var timeout: Int?
    }

    /// The `project:` section; nil when the file has none.
    public var project: ProjectSection?
    /// The branch issue branches start from and merge into; read only when `init` creates the project.
    public var baseBranch: String?
    /// The `worktrees:` section; nil when the file has none.
    public var worktrees: WorktreesSection?

    /// Reads `turbocode.yaml` with the one strict reader (``OrchestratorConfig/load(from:)`` reads the same file the
    /// same way): an unknown key or a bad value anywhere in the file is an error naming its line. Nil when the file
    /// does not exist.
    public static func load(from path: String) throws(TurboError) -> ProjectConfig? {
        guard let root = try ConfigReader.compose(path) else {
            return FileManager.default.fileExists(atPath: path) ? ProjectConfig() : nil
        }
        return try ConfigReader(file: (path as NSString).lastPathComponent).read(root).project
    }

    /// The commented file `init` writes.
    public static func template(key: ProjectKey, name: String, baseBranch: String) -> String {
        """
        # turboCode configuration. Commit this file; local state (the SQLite database, logs) lives in
        # .turbocode/, which git ignores.

        project:
          # Issue keys are \(key)-1, \(key)-2, … The key is fixed once the project exists.
          key: \(key)
          name: \(yamlScalar(name))

        # The branch issue branches are cut from and merged back into.
        base_branch: \(yamlScalar(baseBranch))

        # Each issue gets its own git worktree: <root>/<project>-<issue>, on branch <ISSUE-KEY>/<title slug>.
        worktrees:
          root: ~/worktrees
          # Files copied from this checkout into each new worktree (globs from the repository root).
          copy: [".env*"]
          # Commands run in each new worktree (e.g. installing dependencies), and before one is removed.
          setup: []
          teardown: []
          timeout: 600   # seconds per command

        # The agents 'turbocode up' runs, each in its own worktree (see docs/agents.md for every key).
        # limits:
        #   max_concurrent_subagents: 5
        #   inactivity_timeout: 15m
        # subagents:
        #   - id: claude-1
        #     specialization: backend
        #     capabilities: [backend]
        #     driver: claude        # codex gemini cursor amp opencode copilot aider, or command with
        #                           # command: [program, "{prompt_file}"]

        """
    }

    private static func yamlScalar(_ text: String) -> String {
        (try? Yams.serialize(node: .scalar(.init(text))).trimmingCharacters(in: .newlines)) ?? "\"\(text)\""
    }

    init(project: ProjectSection? = nil, baseBranch: String? = nil, worktrees: WorktreesSection? = nil) {
        self.project = project
        self.baseBranch = baseBranch
        self.worktrees = worktrees
    }
}
