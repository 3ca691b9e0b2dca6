import ArgumentParser
import Foundation
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct IssueCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue", abstract: "Create, list, change and move issues through their states.",
            discussion: """
                States: open → ready → assigned → in_progress → testing → review → closed. 'ready' puts an issue \
                in the work queue; 'close' and 'reopen' end and restart it. An issue is named by its key \
                (TURBO-12, any case) or its id.
                """,
            subcommands: [
                Add.self, List.self, Show.self, Update.self, Ready.self, Close.self, Reopen.self, CommentCommand.self,
            ])
    }
}

/// The person running the CLI, as an actor name (`user:ana`).
func currentUser() -> String { "user:" + currentUserName() }

/// The person running the CLI: `$USER`, else `cli`.
func currentUserName() -> String {
    ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "cli"
}

extension Turbocode.IssueCommand {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an issue and print its key.",
            discussion: "Example: turbocode issue add \"Parse the config\" --priority high --capability swift --ready")
        @OptionGroup var global: GlobalOptions

        @Argument(help: "The title (at most 200 characters).")
        var title: String

        @Option(name: [.short, .customLong("description")], help: "A longer description.")
        var description: String = ""

        @Option(help: "The kind of work.")
        var type: Parsed<IssueType> = Parsed(.task)

        @Option(help: "How urgent it is; the queue weighs critical 100, high 50, medium 25, low 10.")
        var priority: Parsed<IssuePriority> = Parsed(.medium)

        @Option(name: .customLong("capability"), help: "A capability an agent needs for it (repeatable).")
        var capabilities: [String] = []

        @Option(name: .customLong("path"), help: "A glob of files it expects to touch (repeatable).")
        var paths: [String] = []

        @Option(name: .customLong("blocked-by"), help: "An issue that must be finished first (repeatable).")
        var blockedBy: [String] = []

        @Option(help: "A manual rank (1 = first); ranked issues come before all unranked ones.")
        var rank: Int?

        @Option(help: "The project key (default: this repository's project).")
        var project: String?

        @Flag(help: "Create it as ready, so it enters the queue at once.")
        var ready = false

        func run() async throws {
            let blockers = try blockedBy.map { text throws(TurboError) in try IssueRef(parsing: text) }
            let issue = try await global.withStore { store, repository in
                let project = try await ProjectSetup.resolve(self.project, repository: repository, store: store)
                return try await IssueService(store: store).create(
                    NewIssue(
                        project: .id(project.id), title: title, description: description, type: type.value,
                        priority: priority.value, status: ready ? .ready : .open, capabilities: capabilities,
                        paths: paths, createdBy: currentUser(), workRank: rank, blockedBy: blockers),
                    caller: .person(currentUserName()))
            }
            try global.emit(IssueDocument(issue), text: issue.key.description)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List issues (all statuses but closed unless --status or --all).")
        @OptionGroup var global: GlobalOptions

        @Option(help: "Only this status (repeatable).")
        var status: [Parsed<IssueStatus>] = []

        @Option(help: "Only this priority.")
        var priority: Parsed<IssuePriority>?

        @Option(help: "Only this type.")
        var type: Parsed<IssueType>?

        @Option(help: "Only issues that need this capability.")
        var capability: String?

        @Option(help: "The project key (default: this repository's project).")
        var project: String?

        @Flag(help: "Include closed issues.")
        var all = false

        func run() async throws {
            let statuses: [IssueStatus]? =
                !status.isEmpty ? status.map(\.value) : (all ? nil : IssueStatus.allCases.filter { $0 != .closed })
            let issues = try await global.withStore { store, repository in
                let project = try await ProjectSetup.resolve(self.project, repository: repository, store: store)
                return try await store.issues(
                    IssueFilter(
                        project: .id(project.id), statuses: statuses, priority: priority?.value, type: type?.value,
                        capability: capability))
            }
            try global.emit(
                issues.map { IssueDocument($0) }, text: issues.isEmpty ? "No issues." : Format.issueTable(issues))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an issue with its dependencies and comments.")
        @OptionGroup var global: GlobalOptions

        @Argument(help: "The issue key or id.")
        var issue: String

        func run() async throws {
            let ref = try IssueRef(parsing: issue)
            let (found, comments) = try await global.withStore { store, _ in
                (try await store.issue(ref), try await store.comments(of: ref))
            }
            try global.emit(IssueDocument(found, comments: comments), text: Format.issue(found, comments: comments))
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an issue's fields.",
            discussion: "Capabilities and paths given here replace the current lists; --clear-… empties them.")
        @OptionGroup var global: GlobalOptions

        @Argument(help: "The issue key or id.")
        var issue: String

        @Option(help: "A new title.")
        var title: String?

        @Option(name: [.short, .customLong("description")], help: "A new description.")
        var description: String?

        @Option(help: "A new type.")
        var type: Parsed<IssueType>?

        @Option(help: "A new priority.")
        var priority: Parsed<IssuePriority>?

        @Option(name: .customLong("capability"), help: "Replaces the capabilities (repeatable).")
        var capabilities: [String] = []

        @Flag(help: "Remove every capability.")
        var clearCapabilities = false

        @Option(name: .customLong("path"), help: "Replaces the path globs (repeatable).")
        var paths: [String] = []

        @Flag(help: "Remove every path glob.")
        var clearPaths = false

        @Option(help: "A manual rank (1 = first).")
        var rank: Int?

        @Flag(help: "Remove the manual rank.")
        var noRank = false

        func validate() throws {
            if rank != nil && noRank { throw ValidationError("--rank and --no-rank exclude each other") }
            if !capabilities.isEmpty && clearCapabilities {
                throw ValidationError("--capability and --clear-capabilities exclude each other")
            }
            if !paths.isEmpty && clearPaths { throw ValidationError("--path and --clear-paths exclude each other") }
        }

        func run() async throws {
            let ref = try IssueRef(parsing: issue)
            let changes = IssueChanges(
                title: title, description: description, type: type?.value, priority: priority?.value,
                capabilities: clearCapabilities ? [] : (capabilities.isEmpty ? nil : capabilities),
                paths: clearPaths ? [] : (paths.isEmpty ? nil : paths),
                workRank: noRank ? .some(nil) : rank.map { .some($0) })
            guard !changes.isEmpty else { throw ValidationError("nothing to change: give at least one option") }
            let updated = try await global.withStore { store, _ in
                try await IssueService(store: store).update(ref, changes, caller: .person(currentUserName()))
            }
            try global.emit(IssueDocument(updated), text: "Updated \(updated.key)")
        }
    }

    struct Ready: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark an open issue ready: it enters the queue.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The issue key or id.") var issue: String

        func run() async throws {
            try await transition(global, issue, to: .ready, reason: nil, verb: "is ready")
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close an issue.",
            discussion: "Only 'done' and 'merged' release the issues it blocks; other reasons keep them blocked.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The issue key or id.") var issue: String

        @Option(help: "Why it is closed; only done and merged release the issues it blocks.")
        var reason: Parsed<ClosedReason> = Parsed(.done)

        func run() async throws {
            try await transition(
                global, issue, to: .closed, reason: reason.value, verb: "closed (\(reason.value.rawValue))")
        }
    }

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reopen a closed issue (it becomes open).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The issue key or id.") var issue: String

        func run() async throws {
            try await transition(global, issue, to: .open, reason: nil, verb: "reopened")
        }
    }

    struct CommentCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "comment", abstract: "Comment on an issue.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The issue key or id.") var issue: String
        @Argument(help: "The comment text.") var text: String

        @Option(help: "The author, user:<name> or ai:<agent> (default: user:$USER).")
        var author: String?

        func run() async throws {
            let ref = try IssueRef(parsing: issue)
            let comment = try await global.withStore { store, _ in
                try await IssueService(store: store).comment(
                    on: ref, body: text, author: author, caller: .person(currentUserName()))
            }
            try global.emit(CommentDocument(comment), text: "Commented on \(comment.issueKey)")
        }
    }
}

/// Runs one state transition and prints the issue.
private func transition(
    _ global: GlobalOptions, _ issue: String, to status: IssueStatus, reason: ClosedReason?, verb: String
) async throws {
    let ref = try IssueRef(parsing: issue)
    let updated = try await global.withStore { store, _ in
        try await store.transition(ref, to: status, reason: reason, actor: currentUser())
    }
    try global.emit(IssueDocument(updated), text: "\(updated.key) \(verb)")
}
