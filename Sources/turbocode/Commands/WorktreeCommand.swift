import ArgumentParser
import Foundation
import TurboApp
import TurboCore
import TurboGit
import TurboServices

extension Turbocode {
    struct WorktreeCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "worktree", abstract: "One git worktree per issue: create, inspect, remove, reconcile.",
            discussion: """
                A worktree lives at <worktrees.root>/<project>-<issue> (root from turbocode.yaml, default \
                ~/worktrees) on branch <ISSUE-KEY>/<title slug> cut from the project's base branch. Removal refuses \
                a worktree with uncommitted files or unmerged commits unless --force, and keeps unmerged branches \
                even then.
                """,
            subcommands: [Create.self, List.self, Status.self, Remove.self, Prune.self])

        /// Opens the store and the repository's worktree service.
        static func withService<T: Sendable>(
            _ global: GlobalOptions, _ body: @Sendable (WorktreeService) async throws -> T
        ) async throws -> T {
            try await global.withStore { store, repository in
                guard let repository else { throw TurboError.notARepository(global.repo ?? "the current directory") }
                return try await body(try WorktreeService(store: store, repository: repository))
            }
        }

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create (or show) an issue's worktree, for working on it by hand.",
                discussion: "New worktrees get the worktrees.copy files and run the worktrees.setup commands.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The issue key or id.") var issue: String

            func run() async throws {
                let ref = try IssueRef(parsing: issue)
                let created = try await WorktreeCommand.withService(global) { service in try await service.create(ref) }
                var lines = [
                    created.created
                        ? "Created \(created.record.path) on branch \(created.record.branch)"
                        : "\(created.record.issueKey) already has \(created.record.path) on branch \(created.record.branch)"
                ]
                if !created.copied.isEmpty { lines.append("Copied: \(created.copied.joined(separator: ", "))") }
                for run in created.setup { lines.append("Ran: \(run.command)") }
                if let log = created.setupLog { lines.append("Setup output: \(log)") }
                try global.emit(WorktreeDocument(created.record), text: lines.joined(separator: "\n"))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The project's active worktrees.")
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let records = try await WorktreeCommand.withService(global) { service in
                    let project = try await ProjectSetup.resolve(
                        nil, repository: service.repository, store: service.store)
                    return try await service.store.activeWorktrees(project: .id(project.id))
                }
                try global.emit(
                    records.map { WorktreeDocument($0) },
                    text: records.isEmpty
                        ? "No worktrees."
                        : Format.table(
                            ["ISSUE", "BRANCH", "PATH"], records.map { [$0.issueKey.description, $0.branch, $0.path] }))
            }
        }

        struct Status: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Branch, commits ahead/behind the base, uncommitted files and times of an issue's worktree.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The issue key or id.") var issue: String

            func run() async throws {
                let ref = try IssueRef(parsing: issue)
                guard let status = try await WorktreeCommand.withService(global, { try await $0.status(ref) }) else {
                    throw TurboError.noWorktree(issue.uppercased())
                }
                var lines = [
                    "path:         \(status.path)", "branch:       \(status.branch)",
                    "base:         \(status.baseCommit.prefix(12))",
                    "ahead:        \(status.ahead) commit(s)", "behind:       \(status.behind) commit(s)",
                    "last commit:  \(status.lastCommitAt.map(Format.date) ?? "-")",
                    "uncommitted:  \(status.uncommitted.count) file(s)"
                        + (status.oldestUncommittedChangeAt.map { ", oldest change \(Format.date($0))" } ?? ""),
                ]
                lines += status.uncommitted.map { "  \($0)" }
                try global.emit(WorktreeStatusDocument(status), text: lines.joined(separator: "\n"))
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove an issue's worktree; refuses uncommitted files or unmerged commits unless --force.",
                discussion: "The branch is deleted only when the base branch contains it; unmerged branches stay.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The issue key or id.") var issue: String
            @Flag(help: "Remove even with uncommitted files or unmerged commits (the branch and its commits stay).")
            var force = false

            func run() async throws {
                let ref = try IssueRef(parsing: issue)
                let (deleted, teardown) = try await WorktreeCommand.withService(global) { service in
                    try await service.remove(ref, force: force)
                }
                var lines = [
                    "Removed the worktree of \(issue.uppercased())" + (deleted ? " and its merged branch" : "")
                ]
                lines += teardown.filter { !$0.succeeded }.map { "warning: teardown '\($0.command)' failed" }
                try global.emit(
                    WorktreeRemovalDocument(removed: true, branchDeleted: deleted), text: lines.joined(separator: "\n"))
            }
        }

        struct Prune: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Reconcile the database with git's worktrees after a crash; deletes no work.",
                discussion: """
                    Records whose worktree is gone are marked removed; issue worktrees git has but the database \
                    lacks are recorded; directories under the root that git does not know are listed, not deleted.
                    """)
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let result = try await WorktreeCommand.withService(global) { service in try await service.prune() }
                var lines: [String] = []
                lines += result.missing.map { "missing: \($0.issueKey) \($0.path) (marked removed)" }
                lines += result.adopted.map { "recorded: \($0.issueKey) \($0.path)" }
                lines += result.strayDirectories.map { "not a worktree (left alone): \($0)" }
                try global.emit(
                    PruneDocument(
                        missing: result.missing.map { WorktreeDocument($0) },
                        adopted: result.adopted.map { WorktreeDocument($0) },
                        strayDirectories: result.strayDirectories),
                    text: lines.isEmpty ? "Database and worktrees agree." : lines.joined(separator: "\n"))
            }
        }
    }

    struct Conflicts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Predict merge conflicts between active issue branches and with the base branch.",
            discussion: """
                Compares changed-file sets, then confirms with git merge-tree; results are stored with the commits \
                they were computed on and recomputed only when a branch moves.
                """)
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let (conflicts, changes) = try await WorktreeCommand.withService(global) { service in
                try await service.predictConflicts()
            }
            var lines = conflicts.map {
                "\($0.issue) ~ \($0.other?.description ?? "base"): \($0.paths.joined(separator: ", "))"
            }
            if lines.isEmpty { lines = ["No conflicts predicted."] }
            lines += changes.resolved.map { "resolved: \($0.issue) ~ \($0.other?.description ?? "base")" }
            try global.emit(conflicts.map { ConflictDocument($0) }, text: lines.joined(separator: "\n"))
        }
    }
}

/// `worktree prune --json`.
struct PruneDocument: Encodable {
    var missing: [WorktreeDocument]
    var adopted: [WorktreeDocument]
    var strayDirectories: [String]

    enum CodingKeys: String, CodingKey {
        case missing, adopted, strayDirectories = "stray_directories"
    }
}
