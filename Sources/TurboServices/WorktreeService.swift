public import Foundation
public import TurboCore
public import TurboGit

/// Issue worktrees for one repository: git, provisioning and the store together.
public struct WorktreeService: Sendable {
    /// Where worktrees are recorded and issues and projects read.
    public let store: any TurboStore
    /// The repository the worktrees belong to.
    public let repository: Repository
    /// The git side: making, finding and removing worktrees under the configured root.
    public let worktrees: Worktrees
    /// What `worktrees:` says to copy and run in each worktree, and how long each command may take.
    public let plan: ProvisioningPlan

    /// The service for `repository`, configured from its `turbocode.yaml`.
    public init(store: any TurboStore, repository: Repository, runner: GitRunner = GitRunner()) throws {
        let config = try ProjectConfig.load(from: repository.configFile)
        let section = config?.worktrees
        self.store = store
        self.repository = repository
        self.worktrees = Worktrees(
            repository: GitRepository(root: repository.root, runner: runner),
            layout: WorktreeLayout(root: section?.root ?? "~/worktrees", relativeTo: repository.root))
        self.plan = ProvisioningPlan(
            copy: section?.copy ?? [], setup: section?.setup ?? [], teardown: section?.teardown ?? [],
            timeout: .seconds(section?.timeout ?? 600))
    }

    /// What `create` did.
    public struct Created: Sendable {
        /// The worktree as recorded in the store.
        public var record: WorktreeRecord
        /// Whether it was provisioned now: new, or found with its provisioning unfinished.
        public var created: Bool
        /// The files copied in from the main checkout; empty when nothing was provisioned.
        public var copied: [String]
        /// The setup commands' runs, in order; empty when nothing was provisioned.
        public var setup: [CommandRun]
        /// Where the setup commands' output was kept, when any ran.
        public var setupLog: String?
    }

    /// Creates (or returns) the issue's worktree, provisions a new one, and records it.
    ///
    /// When a setup command fails, the fresh worktree is removed again (it holds no work yet) and nothing is
    /// recorded; the error carries the command's output.
    public func create(_ ref: IssueRef) async throws -> Created {
        let issue = try await store.issue(ref)
        let project = try await store.project(.id(issue.projectID))
        let worktree = try await worktrees.create(for: issue.key, title: issue.title, baseBranch: project.baseBranch)
        // A worktree whose provisioning never finished (a crash or Ctrl-C in between) is provisioned again.
        let marker = try await provisioningMarker(worktree.path)
        let unfinished = !worktree.created && FileManager.default.fileExists(atPath: marker)
        guard worktree.created || unfinished else {
            let record = try await store.recordWorktree(
                of: .id(issue.id), path: worktree.path, branch: worktree.branch, baseCommit: worktree.baseCommit)
            return Created(record: record, created: false, copied: [], setup: [], setupLog: nil)
        }
        var copied: [String] = []
        var runs: [CommandRun] = []
        var log: String?
        do {
            try Data().write(to: URL(fileURLWithPath: marker))
            copied = try Provisioner.copyFiles(plan.copy, from: repository.root, to: worktree.path)
            runs = try await Provisioner.run(plan.setup, in: worktree.path, timeout: plan.timeout, stopOnFailure: true)
            log = try keepLog(runs, issue: issue.key, kind: "setup")
            if let failed = runs.first(where: { !$0.succeeded }) {
                let tail = failed.output.split(separator: "\n").suffix(20).joined(separator: "\n")
                throw TurboError.invalidInput(
                    "setup command '\(failed.command)' "
                        + (failed.timedOut ? "timed out after \(plan.timeout)" : "failed (exit \(failed.status ?? -1))")
                        + (unfinished ? "" : "; the new worktree was removed") + " (output in \(log ?? "-"))"
                        + (tail.isEmpty ? "" : ":\n\(tail)"))
            }
        } catch {
            // Only a worktree made just now is removed: one found again may hold someone's work by now.
            if worktree.created {
                try? await worktrees.repository.removeWorktree(path: worktree.path, force: true)
                _ = try? await worktrees.repository.deleteBranchIfMerged(worktree.branch, base: worktree.baseCommit)
            }
            throw error
        }
        try? FileManager.default.removeItem(atPath: marker)
        let record = try await store.recordWorktree(
            of: .id(issue.id), path: worktree.path, branch: worktree.branch, baseCommit: worktree.baseCommit)
        return Created(record: record, created: true, copied: copied, setup: runs, setupLog: log)
    }

    /// The issue's branch: its worktree's, else the one its latest work log names (work done on another machine).
    /// Nil when the coordinator's repository does not have it.
    public func branch(of issue: Issue) async throws -> String? {
        var branch = try await store.worktree(of: .id(issue.id))?.branch
        if branch == nil { branch = try await store.workLogs(of: .id(issue.id)).last?.branchName }
        guard let branch, try await worktrees.repository.branchExists(branch) else { return nil }
        return branch
    }

    /// A file in the worktree's private git directory that exists while provisioning runs.
    public func provisioningMarker(_ path: String) async throws -> String {
        let gitDir =
            if let linked = GitRepository.linkedWorktreeState(at: path) {
                linked.gitDirectory
            } else {
                try await worktrees.repository.runner.run(["rev-parse", "--absolute-git-dir"], in: path).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
        return (gitDir as NSString).appendingPathComponent("turbocode-provisioning")
    }

    /// Writes the commands' output to `.turbocode/logs/<ISSUE>/<kind>-<time>.log`; nil when nothing ran.
    func keepLog(_ runs: [CommandRun], issue: IssueKey, kind: String) throws -> String? {
        guard !runs.isEmpty else { return nil }
        let directory = (repository.stateDirectory as NSString).appendingPathComponent("logs/\(issue)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stamp = Int(Date().timeIntervalSince1970 * 1000)
        let path = (directory as NSString).appendingPathComponent("\(kind)-\(stamp).log")
        let text = runs.map { run in
            "$ \(run.command)\n\(run.output)"
                + (run.timedOut ? "[timed out]\n" : "[exit \(run.status.map(String.init) ?? "signal")]\n")
        }.joined(separator: "\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The issue worktree's git status; nil when it has none.
    public func status(_ ref: IssueRef) async throws -> WorktreeStatus? {
        let issue = try await store.issue(ref)
        let project = try await store.project(.id(issue.projectID))
        // The recorded worktree, when it is still there on its branch (read from its files), saves listing every
        // worktree git has; anything else (moved, another branch checked out, gone) is looked up in git's listing.
        if let record = try await store.worktree(of: .id(issue.id)), record.isActive,
            let state = GitRepository.linkedWorktreeState(at: record.path), state.branch == record.branch
        {
            return try await worktrees.repository.status(
                path: record.path, branch: record.branch, base: project.baseBranch)
        }
        return try await worktrees.status(of: issue.key, baseBranch: project.baseBranch)
    }

    /// The issue worktree's uncommitted files and when the oldest changed, from its recorded path (one git
    /// process); nil when it has no worktree there.
    public func uncommittedChanges(_ ref: IssueRef) async throws -> (files: [String], oldestChange: Date?)? {
        guard let record = try await store.worktree(of: ref), record.isActive,
            GitRepository.linkedWorktreeState(at: record.path) != nil
        else { return nil }
        return try await worktrees.repository.uncommittedChanges(path: record.path)
    }

    /// Runs teardown, removes the worktree (refusing work unless `force`), deletes a merged branch, records it.
    /// Returns whether the branch was deleted and the teardown runs.
    public func remove(_ ref: IssueRef, force: Bool) async throws -> (branchDeleted: Bool, teardown: [CommandRun]) {
        let issue = try await store.issue(ref)
        let project = try await store.project(.id(issue.projectID))
        guard let entry = try await worktrees.find(issue.key), let branch = entry.branch else {
            if try await store.worktree(of: .id(issue.id)) != nil {
                _ = try await store.markWorktreeRemoved(of: .id(issue.id), reason: "missing")
                return (false, [])
            }
            throw TurboError.noWorktree(issue.key.description)
        }
        if !force {
            // Check before teardown touches anything.
            let status = try await worktrees.repository.status(
                path: entry.path, branch: branch, base: project.baseBranch)
            let commits = try await worktrees.repository.unmergedCommits(branch: branch, base: project.baseBranch)
            if !status.isClean || !commits.isEmpty {
                throw TurboError.worktreeHasWork(
                    path: entry.path, uncommitted: status.uncommitted.map { String($0.dropFirst(3)) },
                    unmergedCommits: commits)
            }
        }
        let teardown = try await Provisioner.run(
            plan.teardown, in: entry.path, timeout: plan.timeout, stopOnFailure: false)
        _ = try keepLog(teardown, issue: issue.key, kind: "teardown")
        // git checks cleanliness again at removal time: work written after our check (or by teardown) stops it.
        let deleted = try await worktrees.remove(issue.key, baseBranch: project.baseBranch, force: force)
        if try await store.worktree(of: .id(issue.id)) != nil {
            _ = try await store.markWorktreeRemoved(of: .id(issue.id), reason: force ? "forced" : "removed")
        }
        return (deleted, teardown)
    }
}
