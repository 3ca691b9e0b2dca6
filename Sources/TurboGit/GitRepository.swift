public import Foundation
public import TurboCore

/// One entry of `git worktree list --porcelain -z`.
public struct GitWorktreeEntry: Hashable, Sendable {
    /// The worktree's directory, as git prints it.
    public var path: String
    /// The checked-out commit; nil for a bare entry.
    public var head: String?
    /// The short branch name (`TURBO-1/title`), nil when detached or bare.
    public var branch: String?
    /// Whether this is the bare repository's entry rather than a checkout.
    public var isBare: Bool
    /// Whether git would prune it (its directory is gone).
    public var isPrunable: Bool
}

/// The result of simulating a merge with `git merge-tree --write-tree`.
public struct MergeSimulation: Hashable, Sendable {
    /// The merged tree when clean.
    public var tree: String?
    /// Paths with conflicts, sorted.
    public var conflicts: [String]

    /// Whether the merge has no conflicts.
    public var isClean: Bool { conflicts.isEmpty }
}

/// The git operations turboCode needs on one repository, through ``GitRunner``.
public struct GitRepository: Sendable {
    /// The main checkout.
    public let root: String
    /// Runs every git command of this repository.
    public let runner: GitRunner

    /// Operations on the repository whose main checkout is `root`.
    public init(root: String, runner: GitRunner = GitRunner()) {
        self.root = root
        self.runner = runner
    }

    /// The commit a revision names, or nil.
    public func commit(_ revision: String) async throws -> String? {
        let output = try await runner.run(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", "\(revision)^{commit}"], in: root,
            allowedExitCodes: [0, 1, 128])
        let sha = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return output.status == 0 && !sha.isEmpty ? sha : nil
    }

    /// A linked worktree's private git directory and the branch it has checked out (nil for a detached HEAD), read
    /// from its `.git` file and that directory's `HEAD` without running git; nil when `path` is not a linked
    /// worktree (no `.git` file naming a `gitdir:`).
    public static func linkedWorktreeState(at path: String) -> (gitDirectory: String, branch: String?)? {
        let dotGit = (path as NSString).appendingPathComponent(".git")
        guard let text = try? String(contentsOfFile: dotGit, encoding: .utf8), text.hasPrefix("gitdir: ") else {
            return nil
        }
        var gitDirectory = String(text.dropFirst("gitdir: ".count)).trimmingCharacters(in: .whitespacesAndNewlines)
        if !gitDirectory.hasPrefix("/") { gitDirectory = (path as NSString).appendingPathComponent(gitDirectory) }
        guard
            let head = try? String(
                contentsOfFile: (gitDirectory as NSString).appendingPathComponent("HEAD"), encoding: .utf8)
        else { return nil }
        let reference = head.trimmingCharacters(in: .whitespacesAndNewlines)
        let prefix = "ref: refs/heads/"
        return (gitDirectory, reference.hasPrefix(prefix) ? String(reference.dropFirst(prefix.count)) : nil)
    }

    /// Whether `refs/heads/<branch>` exists.
    public func branchExists(_ branch: String) async throws -> Bool {
        try await runner.run(
            ["show-ref", "--verify", "--quiet", "refs/heads/\(branch)"], in: root, allowedExitCodes: [0, 1]
        ).status == 0
    }

    /// `git worktree list --porcelain -z`, read again when it caught a worktree being added: `git worktree add`
    /// writes the new worktree's administrative files one by one, and a listing that runs in between fails with
    /// "failed to read .git/worktrees/<name>/…" (exit 128). The coordinator adds worktrees while it lists them.
    private func listWorktrees() async throws -> String {
        var attempt = 0
        while true {
            do {
                return try await runner.run(["worktree", "list", "--porcelain", "-z"], in: root).stdout
            } catch let error as GitCommandError
                where error.status == 128 && error.stderr.contains("/worktrees/") && attempt < 10
            {
                attempt += 1
                try await Task.sleep(for: .milliseconds(20 * attempt))
            }
        }
    }

    /// Every worktree git knows, the main checkout first.
    public func worktrees() async throws -> [GitWorktreeEntry] {
        let fields = try await listWorktrees().nulSeparated()
        var entries: [GitWorktreeEntry] = []
        var current: GitWorktreeEntry?
        for field in fields {
            if field.isEmpty {
                if let entry = current { entries.append(entry) }
                current = nil
            } else if field.hasPrefix("worktree ") {
                if let entry = current { entries.append(entry) }
                current = GitWorktreeEntry(
                    path: String(field.dropFirst("worktree ".count)), head: nil, branch: nil, isBare: false,
                    isPrunable: false)
            } else if field.hasPrefix("HEAD ") {
                current?.head = String(field.dropFirst("HEAD ".count))
            } else if field.hasPrefix("branch ") {
                let ref = field.dropFirst("branch ".count)
                current?.branch =
                    ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : String(ref)
            } else if field == "bare" {
                current?.isBare = true
            } else if field.hasPrefix("prunable") {
                current?.isPrunable = true
            }
        }
        if let entry = current { entries.append(entry) }
        return entries
    }

    /// Adds a worktree at `path` on a new `branch` cut from `baseCommit`, or on the existing `branch` when
    /// `adoptExistingBranch` (a previous attempt's commits are kept).
    public func addWorktree(path: String, branch: String, baseCommit: String, adoptExistingBranch: Bool) async throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if adoptExistingBranch {
            try await runner.run(["worktree", "add", "--end-of-options", path, branch], in: root)
        } else {
            try await runner.run(["worktree", "add", "-b", branch, "--end-of-options", path, baseCommit], in: root)
        }
    }

    /// The worktree's branch, commits ahead/behind `base`, uncommitted files and times.
    public func status(path: String, branch: String, base: String) async throws -> WorktreeStatus {
        guard let baseCommit = try await commit(base) else { throw TurboError.git("unknown base '\(base)'") }
        // The head and its commit time in one process.
        let last = try await runner.run(
            ["log", "-1", "--format=%H %ct", "--end-of-options", "\(branch)^{commit}"], in: root,
            allowedExitCodes: [0, 128]
        )
        let headFields = last.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        guard last.status == 0, headFields.count == 2 else { throw TurboError.git("unknown branch '\(branch)'") }
        let head = headFields[0]
        let counts = try await runner.run(
            ["rev-list", "--left-right", "--count", "--end-of-options", "\(baseCommit)...\(head)"], in: root
        ).stdout.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        let (uncommitted, oldest) = try await uncommittedChanges(path: path)
        let lastCommit = headFields[1]
        return WorktreeStatus(
            path: path, branch: branch, head: head, baseCommit: baseCommit, ahead: counts.count == 2 ? counts[1] : 0,
            behind: counts.count == 2 ? counts[0] : 0, uncommitted: uncommitted,
            lastCommitAt: TimeInterval(lastCommit).map { Date(timeIntervalSince1970: $0) },
            oldestUncommittedChangeAt: oldest)
    }

    /// The worktree's uncommitted files as `git status --porcelain` lists them (`XY path`), and when the oldest of
    /// them last changed: one git process.
    public func uncommittedChanges(path: String) async throws -> (files: [String], oldestChange: Date?) {
        let entries = try await runner.run(
            ["status", "--porcelain", "-z", "--untracked-files=all"], in: path
        ).stdout.nulSeparated()
        var uncommitted: [String] = []
        var skipNext = false
        for entry in entries {
            if skipNext {
                skipNext = false
                continue
            }
            uncommitted.append(entry)
            // Renames and copies carry their source path as the next field.
            if entry.prefix(2).contains(where: { $0 == "R" || $0 == "C" }) { skipNext = true }
        }
        var oldest: Date?
        for entry in uncommitted {
            let file = (path as NSString).appendingPathComponent(String(entry.dropFirst(3)))
            if let date = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date {
                oldest = min(oldest ?? date, date)
            }
        }
        return (uncommitted, oldest)
    }

    /// Commits on `branch` that `base` does not contain, as `sha subject`, newest first.
    public func unmergedCommits(branch: String, base: String) async throws -> [String] {
        try await runner.run(
            ["log", "--format=%h %s", "--end-of-options", "\(base)..\(branch)"], in: root
        ).stdout.split(separator: "\n").map(String.init)
    }

    /// Removes the worktree directory (forcing past uncommitted files when `force`).
    public func removeWorktree(path: String, force: Bool) async throws {
        try await runner.run(
            ["worktree", "remove"] + (force ? ["--force", "--force"] : []) + ["--end-of-options", path], in: root)
    }

    /// Deletes a branch that `base` already contains; a branch with unmerged commits is kept. Returns whether it
    /// was deleted.
    public func deleteBranchIfMerged(_ branch: String, base: String) async throws -> Bool {
        let merged =
            try await runner.run(
                ["merge-base", "--is-ancestor", "--end-of-options", branch, base], in: root, allowedExitCodes: [0, 1]
            ).status == 0
        guard merged else { return false }
        try await runner.run(["branch", "-D", "--end-of-options", branch], in: root)
        return true
    }

    /// Paths changed on `to` since it diverged from `from` (`git diff from...to`).
    public func changedFiles(from: String, to: String) async throws -> Set<String> {
        Set(
            try await runner.run(
                ["diff", "--name-only", "-z", "--no-renames", "--end-of-options", "\(from)...\(to)"], in: root
            ).stdout.nulSeparated())
    }

    /// Merges two commits in memory (`git merge-tree --write-tree`, git ≥ 2.38) and lists the conflicting paths.
    public func simulateMerge(_ ours: String, _ theirs: String) async throws -> MergeSimulation {
        let output = try await runner.run(
            ["merge-tree", "--write-tree", "-z", "--name-only", "--no-messages", "--end-of-options", ours, theirs],
            in: root, allowedExitCodes: [0, 1])
        let fields = output.stdout.nulSeparated()
        if output.status == 0 { return MergeSimulation(tree: fields.first, conflicts: []) }
        return MergeSimulation(tree: nil, conflicts: Array(Set(fields.dropFirst())).sorted())
    }
}
