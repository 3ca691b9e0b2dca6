import Foundation
import MCP
import TurboCore
import TurboServices

// MARK: - Issues

extension TurboTools {
    func listIssues(_ arguments: ToolArguments) async throws -> IssueListDocument {
        let limit = try arguments.integer("limit") ?? 100
        guard (1...1_000).contains(limit) else { throw TurboError.invalidInput("list_issues: limit must be 1–1000") }
        var filter = IssueFilter(
            project: try arguments.string("project_id").map { try ProjectRef(parsing: $0) },
            statuses: try arguments.string("status").map { [try IssueStatus(parsing: $0)] },
            priority: try arguments.string("priority").map { try IssuePriority(parsing: $0) },
            type: try arguments.string("type").map { try IssueType(parsing: $0) },
            assignedTo: try arguments.string("assignee"))
        let total = try await store.countIssues(filter)
        filter.limit = limit
        return IssueListDocument(issues: try await store.issues(filter).map { IssueDocument($0) }, total: total)
    }

    func createIssue(_ arguments: ToolArguments, caller: Caller) async throws -> IssueDocument {
        let project: ProjectRef =
            if let named = try arguments.string("project_id") {
                try ProjectRef(parsing: named)
            } else {
                .id(try await ProjectSetup.resolve(nil, repository: repository, store: store).id)
            }
        let status = try arguments.string("status").map { try IssueStatus(parsing: $0) } ?? .open
        guard status == .open || status == .ready else {
            throw TurboError.invalidInput("create_issue: a new issue is open or ready, not \(status)")
        }
        let assignee = try arguments.string("assignee")
        let new = NewIssue(
            project: project, title: try arguments.requiredString("title"),
            description: try arguments.string("description") ?? "",
            type: try IssueType(parsing: try arguments.requiredString("type")),
            priority: try IssuePriority(parsing: try arguments.requiredString("priority")), status: status,
            createdBy: caller.actor)
        return IssueDocument(try await IssueService(store: store).create(new, assignee: assignee, caller: caller))
    }

    func updateIssue(_ arguments: ToolArguments, caller: Caller) async throws -> IssueDocument {
        let ref = try arguments.issue("issue_id")
        var changes = IssueChanges()
        changes.title = try arguments.string("title")
        changes.description = try arguments.string("description")
        changes.priority = try arguments.string("priority").map { try IssuePriority(parsing: $0) }
        changes.type = try arguments.string("type").map { try IssueType(parsing: $0) }
        if arguments.values.keys.contains("assignee") { changes.assignedTo = .some(try arguments.string("assignee")) }
        let status = try arguments.string("status").map { try IssueStatus(parsing: $0) }
        return IssueDocument(
            try await IssueService(store: store).update(ref, changes, status: status, caller: caller))
    }

    func nextIssue() async throws -> NextIssueDocument {
        let project = try? await ProjectSetup.resolve(nil, repository: repository, store: store)
        guard let entry = try await store.queue(project: project.map { .id($0.id) }).first(where: \.isEligible) else {
            return NextIssueDocument(issue: nil, score: nil, message: "No issue is eligible now.")
        }
        return NextIssueDocument(
            issue: IssueDocument(try await store.issue(.id(entry.candidate.id))), score: entry.score,
            message: "Call start_work_on_issue to take it, or claim_next_issue to take the best one for you.")
    }

    func workQueue(_ arguments: ToolArguments) async throws -> QueueDocument {
        let limit = try arguments.integer("limit") ?? 50
        guard (1...1_000).contains(limit) else { throw TurboError.invalidInput("get_work_queue: limit must be 1–1000") }
        let status = try arguments.string("status").map { try IssueStatus(parsing: $0) }
        let priority = try arguments.string("priority").map { try IssuePriority(parsing: $0) }
        let project = try? await ProjectSetup.resolve(nil, repository: repository, store: store)
        // The queue holds ready issues only, so another status matches nothing.
        let entries = try await store.queue(project: project.map { .id($0.id) }).filter { entry in
            (status == nil || status == .ready) && (priority == nil || entry.candidate.priority == priority)
        }
        var position = 0
        return QueueDocument(
            entries: entries.prefix(limit).map { entry in
                if entry.isEligible { position += 1 }
                return QueueEntryDocument(entry, position: entry.isEligible ? position : nil)
            }, total: entries.count)
    }
}
