import Foundation
import MCP
import TurboCore
import TurboServices

// MARK: - Worktrees and conflicts

extension TurboTools {
    func listWorktrees(_ arguments: ToolArguments) async throws -> WorktreeListDocument {
        var project: ProjectRef?
        if let path = try arguments.string("project_path") {
            let located = try Repository.locate(from: (path as NSString).expandingTildeInPath)
            guard let found = try await store.project(repositoryPath: located.root) else {
                throw TurboError.projectNotFound(path)
            }
            project = .id(found.id)
        }
        return WorktreeListDocument(
            worktrees: try await store.activeWorktrees(project: project).map { WorktreeDocument($0) })
    }

    func worktreeStatus(_ arguments: ToolArguments) async throws -> WorktreeDetailDocument {
        let work = try requireWork("get_worktree_status")
        let record: WorktreeRecord
        if let issue = try arguments.string("issue_id") {
            guard let found = try await store.worktree(of: try IssueRef(parsing: issue)), found.removedAt == nil else {
                throw TurboError.noWorktree(try await store.issue(try IssueRef(parsing: issue)).key.description)
            }
            record = found
        } else if let path = try arguments.string("worktree_path") {
            let wanted = URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL.path
            guard
                let found = try await store.activeWorktrees(project: nil).first(where: {
                    URL(fileURLWithPath: $0.path).standardizedFileURL.path == wanted
                })
            else { throw TurboError.invalidInput("no issue worktree at \(path)") }
            record = found
        } else {
            throw TurboError.invalidInput("get_worktree_status needs issue_id or worktree_path")
        }
        return WorktreeDetailDocument(record: record, status: try await work.worktrees.status(.id(record.issueID)))
    }

    func conflicts(_ arguments: ToolArguments) async throws -> ConflictListDocument {
        let issue = try arguments.string("issue_id").map { try IssueRef(parsing: $0) }
        var key: IssueKey?
        if let issue { key = try await store.issue(issue).key }
        let all: [ConflictRecord]
        if let work {
            all = try await work.worktrees.predictConflicts().conflicts
        } else {
            all = try await store.conflicts(project: nil)
        }
        return ConflictListDocument(
            conflicts: all.filter { key == nil || $0.issue == key || $0.other == key }.map { ConflictDocument($0) })
    }
}
