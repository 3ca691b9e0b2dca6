import Foundation
public import TurboCore

/// An issue's worktree as created or found.
public struct IssueWorktree: Hashable, Sendable {
    /// The issue the worktree belongs to.
    public var issue: IssueKey
    /// The worktree's directory.
    public var path: String
    /// The branch checked out there (`TURBO-12/slug`); empty for an existing worktree on a detached HEAD.
    public var branch: String
    /// The base commit the branch was cut from (for an existing worktree: the merge base with the base branch).
    public var baseCommit: String
    /// False when the worktree already existed and was returned as it is.
    public var created: Bool
}

/// Creating, inspecting and removing issue worktrees without ever losing work.
public struct Worktrees: Sendable {
    /// The repository whose worktrees these are.
    public let repository: GitRepository
    /// Where the worktrees go and how their branches are named.
    public let layout: WorktreeLayout

    /// Worktrees of `repository`, placed by `layout`.
    public init(repository: GitRepository, layout: WorktreeLayout) {
        self.repository = repository
        self.layout = layout
    }

    /// The issue's worktree: the existing one when there is one, else a new one on a new branch off `baseBranch`
    /// (or on the issue's existing branch, whose commits are kept).
    ///
    /// A path or branch that exists but is not the issue's is an error and is never overwritten.
    public func create(for issue: IssueKey, title: String, baseBranch: String) async throws -> IssueWorktree {
        let path = layout.path(for: issue)
        guard layout.contains(path) else { throw TurboError.invalidInput("worktree path escapes the root: \(path)") }
        // A branch of this issue from an earlier attempt (keys are never reused) is adopted with its commits.
        let earlier = try await existingBranch(of: issue)
        if earlier == nil, !FileManager.default.fileExists(atPath: path) {
            // No branch of the issue exists, so no worktree anywhere has one checked out, and nothing is at the
            // path: a new worktree, without listing every worktree git has. (`git worktree add` itself refuses a
            // path git still has registered.)
            guard let baseCommit = try await repository.commit(baseBranch) else {
                throw TurboError.git("the base branch '\(baseBranch)' does not exist")
            }
            let branch = try layout.branch(for: issue, title: title)
            try await repository.addWorktree(
                path: path, branch: branch, baseCommit: baseCommit, adoptExistingBranch: false)
            return IssueWorktree(issue: issue, path: path, branch: branch, baseCommit: baseCommit, created: true)
        }
        // One listing serves both the issue's existing worktree and the checks for a new one.
        let entries = try await repository.worktrees()
        if let existing = try find(issue, in: entries) {
            return IssueWorktree(
                issue: issue, path: existing.path, branch: existing.branch ?? "",
                baseCommit: try await mergeBase(existing.branch ?? "HEAD", baseBranch), created: false)
        }
        let canonicalPath = WorktreeLayout.canonical(path)
        if entries.contains(where: { WorktreeLayout.samePlace($0.path, canonicalPath) })
            || FileManager.default.fileExists(atPath: path)
        {
            throw TurboError.notOurs("the path \(path)")
        }
        guard let baseCommit = try await repository.commit(baseBranch) else {
            throw TurboError.git("the base branch '\(baseBranch)' does not exist")
        }
        let branch = try earlier ?? layout.branch(for: issue, title: title)
        let adopt = earlier != nil
        if adopt, let holder = entries.first(where: { $0.branch == branch }) {
            throw TurboError.notOurs("the branch \(branch), checked out at \(holder.path),")
        }
        try await repository.addWorktree(path: path, branch: branch, baseCommit: baseCommit, adoptExistingBranch: adopt)
        return IssueWorktree(
            issue: issue, path: path, branch: branch,
            baseCommit: adopt ? try await mergeBase(branch, baseBranch) : baseCommit, created: true)
    }

    /// The worktree git has for the issue: at the issue's path, or on one of the issue's branches elsewhere.
    ///
    /// The main checkout is never an issue's worktree, whatever branch it is on.
    public func find(_ issue: IssueKey) async throws -> GitWorktreeEntry? {
        try find(issue, in: try await repository.worktrees())
    }

    /// ``find(_:)`` in a listing already read.
    private func find(_ issue: IssueKey, in listing: [GitWorktreeEntry]) throws -> GitWorktreeEntry? {
        let path = WorktreeLayout.canonical(layout.path(for: issue))
        let prefix = "\(issue.description)/"
        let entries = linked(listing)
        if let atPath = entries.first(where: { WorktreeLayout.samePlace($0.path, path) }) {
            // A detached HEAD (an agent in the middle of a rebase) at the issue's own path is still the issue's.
            guard atPath.branch == nil || atPath.branch?.hasPrefix(prefix) == true else {
                throw TurboError.notOurs("the worktree at \(path)")
            }
            return atPath
        }
        return entries.first { $0.branch?.hasPrefix(prefix) == true }
    }

    /// The entries of a listing that are not the main checkout.
    private func linked(_ listing: [GitWorktreeEntry]) -> [GitWorktreeEntry] {
        let main = WorktreeLayout.canonical(repository.root)
        return listing.filter { !$0.isBare && !WorktreeLayout.samePlace($0.path, main) }
    }

    /// The issue worktree's status against `baseBranch`; nil when it has none.
    public func status(of issue: IssueKey, baseBranch: String) async throws -> WorktreeStatus? {
        guard let entry = try await find(issue), let branch = entry.branch else { return nil }
        return try await repository.status(path: entry.path, branch: branch, base: baseBranch)
    }

    /// Removes the issue's worktree. Refuses, naming them, when it has uncommitted files or commits `baseBranch`
    /// lacks, unless `force`. Deletes the branch only when `baseBranch` contains it. Returns whether the branch went.
    @discardableResult
    public func remove(_ issue: IssueKey, baseBranch: String, force: Bool) async throws -> Bool {
        guard let entry = try await find(issue), let branch = entry.branch else {
            throw TurboError.noWorktree(issue.description)
        }
        if !force {
            let status = try await repository.status(path: entry.path, branch: branch, base: baseBranch)
            let commits = try await repository.unmergedCommits(branch: branch, base: baseBranch)
            if !status.isClean || !commits.isEmpty {
                throw TurboError.worktreeHasWork(
                    path: entry.path, uncommitted: status.uncommitted.map { String($0.dropFirst(3)) },
                    unmergedCommits: commits)
            }
        }
        try await repository.removeWorktree(path: entry.path, force: force)
        return try await repository.deleteBranchIfMerged(branch, base: baseBranch)
    }

    /// The issue's branch: the existing one (from an earlier attempt, with its commits), else a new name.
    public func branch(for issue: IssueKey, title: String) async throws -> String {
        if let existing = try await existingBranch(of: issue) { return existing }
        return try layout.branch(for: issue, title: title)
    }

    private func existingBranch(of issue: IssueKey) async throws -> String? {
        let output = try await repository.runner.run(
            ["for-each-ref", "--format=%(refname:short)", "refs/heads/\(issue.description)/"], in: repository.root)
        return output.stdout.split(separator: "\n").map(String.init).sorted().first
    }

    private func mergeBase(_ branch: String, _ base: String) async throws -> String {
        try await repository.runner.run(["merge-base", "--end-of-options", branch, base], in: repository.root)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
