import ArgumentParser
import Foundation
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct ReviewCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "Verified work waiting for a person: list it by risk, look at it, approve it or send it back.",
            discussion: """
                Submitted work is verified by the coordinator ('turbocode up' or 'serve'): commits beyond the base, \
                a clean worktree, a clean merge onto the current base, and test_command. What passes (or has failed \
                verification review.verify_retries times) waits here. Approving puts it in the merge queue, which \
                merges it onto the latest base, runs the tests on the result and fast-forwards the base branch. \
                Rejecting sends the comment back to the agent: the issue returns to in_progress (the pool of \
                'turbocode up' resumes it with the same agent), or to the queue when that agent is not in the pool.
                """,
            subcommands: [List.self, Show.self, Approve.self, Reject.self])

        static func withService<T: Sendable>(
            _ global: GlobalOptions, _ body: @Sendable (ReviewService, Repository) async throws -> T
        ) async throws -> T {
            try await global.withStore { store, repository in
                guard let repository else { throw TurboError.notARepository(global.repo ?? "the current directory") }
                let service = ReviewService(
                    worktrees: try WorktreeService(store: store, repository: repository),
                    config: try OrchestratorConfig.load(from: repository.configFile))
                return try await body(service, repository)
            }
        }

        static func age(_ seconds: Int) -> String {
            seconds < 3_600
                ? "\(seconds / 60) min" : seconds < 86_400 ? "\(seconds / 3_600) h" : "\(seconds / 86_400) d"
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Issues in review, riskiest first: failed checks, then size, conflict risk, age.")
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let entries = try await ReviewCommand.withService(global) { service, repository in
                    let project = try await ProjectSetup.resolve(
                        nil, repository: repository, store: service.store)
                    return try await service.list(project: .id(project.id))
                }
                let lines = entries.map { entry in
                    let state =
                        entry.approved
                        ? "approved, in the merge queue"
                        : entry.failedChecks
                            ? "FAILED: \(entry.decision?.summary ?? entry.verification?.summary ?? "")"
                            : "verified"
                    return "\(entry.issue.key)  \(entry.issue.title)\n    \(state); \(entry.size) line(s) changed"
                        + (entry.conflictRisk > 0 ? ", \(entry.conflictRisk) predicted conflict(s)" : "")
                        + ", waiting \(ReviewCommand.age(Int(entry.age)))"
                }
                try global.emit(
                    entries.map(\.document),
                    text: lines.isEmpty ? "Nothing waits for review." : lines.joined(separator: "\n"))
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "An issue's description, its checks with their evidence, and the diff stat (--diff: the diff).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The issue key or id.") var issue: String
            @Flag(help: "Print the whole diff against the base branch.") var diff = false

            struct Document: Encodable {
                var issue: IssueDocument
                var checks: [CheckDocument]
                var diffStat: String
                var diff: String?

                enum CodingKeys: String, CodingKey { case issue, checks, diffStat = "diff_stat", diff }
            }

            func run() async throws {
                let ref = try IssueRef(parsing: issue)
                let wantsDiff = diff
                let (found, checks, stat, full, logs) = try await ReviewCommand.withService(global) { service, _ in
                    let issue = try await service.store.issue(ref)
                    let checks = try await service.store.checks(of: ref)
                    let stat = (try? await service.diff(ref, stat: true)) ?? ""
                    let full = wantsDiff ? try await service.diff(ref, stat: false) : nil
                    let logs = try await service.store.workLogs(of: ref)
                    return (issue, checks, stat, full, logs)
                }
                let usage = logs.usage
                var text = "\(found.key): \(found.title) (\(found.status.rawValue))\n"
                if !found.description.isEmpty { text += "\n\(found.description)\n" }
                text += "\nChecks:\n"
                text +=
                    checks.isEmpty
                    ? "  (none yet)\n"
                    : checks.map { check in
                        let mark = check.passed ? "✓" : "✗"
                        var line = "  \(mark) \(check.kind.rawValue) by \(check.actor): \(check.summary)"
                        if let test = check.evidence["test"], let log = test["log"]?.stringValue {
                            line += "\n      tests: exit \(test["exit"].map { "\($0)" } ?? "-"), log \(log)"
                        }
                        if let commits = check.evidence["commits"]?.arrayValue, !commits.isEmpty {
                            line +=
                                "\n      commits:\n"
                                + commits.compactMap(\.stringValue).map { "        \($0)" }
                                .joined(separator: "\n")
                        }
                        return line
                    }.joined(separator: "\n") + "\n"
                text +=
                    "\nAgents: \(usage.sessions) work session(s), \(usage.inputTokens) tokens in, \(usage.outputTokens) out"
                    + String(format: ", $%.4f", usage.costUSD) + "\n"
                text += stat.isEmpty ? "" : "\nDiff against the base:\n\(stat)"
                if let full { text += "\n\(full)" }
                try global.emit(
                    Document(
                        issue: IssueDocument(found), checks: checks.map(CheckDocument.init), diffStat: stat, diff: full),
                    text: text)
            }
        }

        struct Approve: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Approve verified work: it goes to the merge queue (merged by 'turbocode up' or 'serve').")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The issue key or id.") var issue: String
            @Option(help: "A remark kept with the approval.") var comment: String?

            func run() async throws {
                let ref = try IssueRef(parsing: issue)
                let comment = comment
                let (approved, check) = try await ReviewCommand.withService(global) { service, _ in
                    try await service.approve(ref, reviewer: currentUser(), comment: comment)
                }
                try global.emit(
                    CheckDocument(check), text: "\(approved.key) approved; the merge queue takes it next.")
            }
        }

        struct Reject: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Request changes: the comment goes back to the agent and the issue returns to in_progress.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The issue key or id.") var issue: String
            @Option(help: "What to change (needed unless --line is given).") var comment: String = ""
            @Option(
                name: .customLong("line"),
                help: ArgumentHelp(
                    "A comment on one line of the diff, as PATH:LINE=COMMENT (the branch's line number) or "
                        + "PATH:LINE:old=COMMENT (a removed line, numbered in the base). Repeatable; each must name "
                        + "a line 'review diff' shows.",
                    valueName: "path:line=comment"))
            var lines: [String] = []

            func run() async throws {
                let ref = try IssueRef(parsing: issue)
                let comment = comment
                let lineComments = try lines.map(Self.lineComment)
                let (back, check) = try await ReviewCommand.withService(global) { service, _ in
                    try await service.requestChanges(
                        ref, reviewer: currentUser(), comment: comment, lineComments: lineComments)
                }
                try global.emit(
                    CheckDocument(check),
                    text: back.status == .ready
                        ? "\(back.key) sent back to the queue with your comment (its agent is not in this pool)."
                        : "\(back.key) sent back to its agent with your comment.")
            }

            /// `PATH:LINE=COMMENT` or `PATH:LINE:old=COMMENT`: the first `=` that follows `:LINE` (or `:LINE:old`,
            /// `:LINE:new`) ends the place, so a path may hold colons and `=` and a comment may hold anything.
            static func lineComment(_ text: String) throws -> LineComment {
                for equals in text.indices where text[equals] == "=" {
                    var place = text[..<equals].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                    var side = DiffLine.Side.new
                    if place.count >= 3, let named = DiffLine.Side(rawValue: place[place.count - 1]) {
                        side = named
                        place.removeLast()
                    }
                    guard place.count >= 2, let line = Int(place[place.count - 1]), line > 0 else { continue }
                    place.removeLast()
                    let path = place.joined(separator: ":")
                    guard !path.isEmpty else { continue }
                    return LineComment(
                        path: path, line: line, side: side, body: String(text[text.index(after: equals)...]))
                }
                throw ValidationError(
                    "--line \(text): write PATH:LINE=COMMENT (or PATH:LINE:old=COMMENT) with a line number from 1")
            }
        }
    }
}
