import Foundation
public import TurboCore
import TurboGit

extension WorktreeService {
    /// What `prune` found and did. Nothing with work in it is ever deleted.
    public struct Reconciliation: Sendable {
        /// Records whose worktree no longer exists: marked removed (git's stale admin entry pruned).
        public var missing: [WorktreeRecord] = []
        /// Issue worktrees git has but the database did not: recorded now.
        public var adopted: [WorktreeRecord] = []
        /// Directories under the worktree root that git does not know: reported, left alone.
        public var strayDirectories: [String] = []
    }

    /// Reconciles the database with `git worktree list --porcelain` and the worktree root after a crash.
    public func prune() async throws -> Reconciliation {
        var result = Reconciliation()
        let repository = worktrees.repository
        let project = try await ProjectSetup.resolve(nil, repository: self.repository, store: store)
        var entries = try await repository.worktrees()
        // Worktrees whose directory is gone: drop git's stale entry (branches and commits stay).
        if entries.contains(where: { $0.isPrunable || !FileManager.default.fileExists(atPath: $0.path) }) {
            try await repository.runner.run(["worktree", "prune"], in: repository.root)
            entries = try await repository.worktrees()
        }
        let known = Set(entries.map { WorktreeLayout.canonical($0.path) })
        for record in try await store.activeWorktrees(project: .id(project.id))
        where !known.contains(WorktreeLayout.canonical(record.path)) {
            result.missing.append(try await store.markWorktreeRemoved(of: .id(record.issueID), reason: "missing"))
        }
        // Issue worktrees git knows about (branch KEY-n/…) that have no record; never the main checkout.
        let main = WorktreeLayout.canonical(self.repository.root)
        for entry in entries where WorktreeLayout.canonical(entry.path) != main {
            guard let branch = entry.branch, let slash = branch.firstIndex(of: "/"),
                let key = IssueKey(parsing: String(branch[..<slash])), key.project == project.key,
                let issue = try? await store.issue(.key(key)), try await store.worktree(of: .id(issue.id)) == nil,
                let head = entry.head
            else { continue }
            let base = try await repository.runner.run(
                ["merge-base", "--end-of-options", head, project.baseBranch], in: repository.root,
                allowedExitCodes: [0, 1]
            ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            result.adopted.append(
                try await store.recordWorktree(of: .id(issue.id), path: entry.path, branch: branch, baseCommit: base))
        }
        // Directories in the root that are not worktrees: maybe someone's files; only reported.
        let root = worktrees.layout.root
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let prefix = project.key.rawValue.lowercased() + "-"
        result.strayDirectories = names.filter { $0.hasPrefix(prefix) }.map {
            (root as NSString).appendingPathComponent($0)
        }
        .filter { !known.contains(WorktreeLayout.canonical($0)) }.sorted()
        return result
    }

    /// Predicts conflicts between the project's active worktree branches and against the base, stores them (with
    /// `conflict.detected` / `conflict.resolved` events) and returns every conflicting pair.
    public func predictConflicts() async throws -> (conflicts: [ConflictRecord], changes: ConflictChanges) {
        let project = try await ProjectSetup.resolve(nil, repository: repository, store: store)
        let records = try await store.activeWorktrees(project: .id(project.id))
        let branches = Dictionary(records.map { ($0.issueKey, $0.branch) }, uniquingKeysWith: { first, _ in first })
        // Pairs whose commits did not move keep their stored result, clean or not.
        let cache = try await store.mergeChecks(project: .id(project.id))
        let (predicted, updated) = try await ConflictPredictor(repository: worktrees.repository)
            .predict(branches: branches, baseBranch: project.baseBranch, cache: cache)
        let used = Set(predicted.map { $0.commits.joined(separator: " ") })
        try await store.saveMergeChecks(project: .id(project.id), updated.filter { used.contains($0.key) })
        let conflicting = predicted.filter { !$0.paths.isEmpty }.map {
            ConflictRecord(issue: $0.issue, other: $0.other, commits: $0.commits, paths: $0.paths, detectedAt: Date())
        }
        let changes = try await store.replaceConflicts(project: .id(project.id), current: conflicting)
        return (try await store.conflicts(project: .id(project.id)), changes)
    }
}
