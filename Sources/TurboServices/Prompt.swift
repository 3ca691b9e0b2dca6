import Foundation
public import TurboAgents
public import TurboCore

/// What agents are told. Everything an agent needs to do its job is in the prompt or in its tools' results: the
/// issue, where to work, how to test, how to hand the work in. Nothing is left for it to find in its environment.
public enum Prompt {
    /// What the first prompt says about the issue.
    public struct Brief: Sendable {
        /// The issue key (`SHOP-1`).
        public var key: String
        /// The issue's title, on the prompt's first line.
        public var title: String
        /// The issue type's raw value (`bug`, `feature`, …).
        public var type: String
        /// The priority's raw value (`critical`, `high`, `medium`, `low`).
        public var priority: String
        /// What the issue needs; listed in the prompt when there are any.
        public var capabilities: [String]
        /// The paths the agent is asked to stay within; listed when there are any.
        public var paths: [String]
        /// The issue's description; `(none)` in the prompt when empty.
        public var description: String
        /// Blockers done before this one: key, title, status.
        public var blockers: [(key: String, title: String, status: String)]
        /// The latest comments: author, body.
        public var comments: [(author: String, body: String)]

        /// A brief from its parts (a remote worker builds one from the coordinator's answer).
        public init(
            key: String, title: String, type: String, priority: String, capabilities: [String], paths: [String],
            description: String, blockers: [(key: String, title: String, status: String)],
            comments: [(author: String, body: String)]
        ) {
            self.key = key
            self.title = title
            self.type = type
            self.priority = priority
            self.capabilities = capabilities
            self.paths = paths
            self.description = description
            self.blockers = blockers
            self.comments = comments
        }
    }

    /// Where and how the agent works: the worktree and its branch, the base it merges into, the lease it works
    /// under, the project's tests, the commands it may run, and the CLI (which decides how it submits).
    public struct Workspace: Sendable, Hashable {
        /// The worktree's path, where the agent runs.
        public var worktree: String
        /// The issue's branch, checked out in the worktree.
        public var branch: String
        /// The branch the work merges into; the agent is told never to push to it.
        public var baseBranch: String
        /// The epoch of the agent's lease, named in the prompt for the work tools.
        public var epoch: Int
        /// The project's `test_command`; nil: the prompt says nothing about tests.
        public var testCommand: String?
        /// Commands beyond git and the tests that the agent may run (`agents.allow` and the subagent's `allow`).
        public var allowedCommands: [String]
        /// The CLI the agent runs in, which decides how the prompt says to submit.
        public var driver: DriverKind
        /// The command driver submits on a clean exit when `submit_on_exit` is set.
        public var submitsOnExit: Bool

        /// A workspace from its parts; the pool and the remote worker make one per session.
        public init(
            worktree: String, branch: String, baseBranch: String, epoch: Int, testCommand: String?,
            allowedCommands: [String], driver: DriverKind, submitsOnExit: Bool
        ) {
            self.worktree = worktree
            self.branch = branch
            self.baseBranch = baseBranch
            self.epoch = epoch
            self.testCommand = testCommand
            self.allowedCommands = allowedCommands
            self.driver = driver
            self.submitsOnExit = submitsOnExit
        }
    }

    static func initial(for issue: Issue, store: any TurboStore, workspace: Workspace) async throws -> String {
        let comments = try await store.comments(of: .id(issue.id)).suffix(10)
        let blockers = try await store.dependencies(of: .id(issue.id)).blockers
        return compose(
            Brief(
                key: issue.key.description, title: issue.title, type: issue.type.rawValue,
                priority: issue.priority.rawValue, capabilities: issue.capabilities, paths: issue.paths,
                description: issue.description,
                blockers: blockers.map { ($0.key.description, $0.title, $0.status.rawValue) },
                comments: comments.map { ($0.author, $0.body) }),
            workspace: workspace)
    }

    /// The first prompt: the issue, what was done before it, comments, and how to work.
    public static func compose(_ brief: Brief, workspace: Workspace) -> String {
        var text = """
            You are working on \(brief.key): \(brief.title)
            Type: \(brief.type), priority: \(brief.priority)
            """
        if !brief.capabilities.isEmpty { text += "\nCapabilities: \(brief.capabilities.joined(separator: ", "))" }
        if !brief.paths.isEmpty { text += "\nStay within these paths: \(brief.paths.joined(separator: ", "))" }
        text += "\n\n## Description\n\n\(brief.description.isEmpty ? "(none)" : brief.description)\n"
        if !brief.blockers.isEmpty {
            text += "\n## Done before this one\n\n"
            text += brief.blockers.map { "- \($0.key): \($0.title) (\($0.status))" }.joined(separator: "\n") + "\n"
        }
        if !brief.comments.isEmpty {
            text += "\n## Comments\n\n"
            text += brief.comments.suffix(10).map { "- \($0.author): \($0.body)" }.joined(separator: "\n") + "\n"
        }
        text += howToWork(issue: brief.key, workspace: workspace)
        return text
    }

    /// Put before the first prompt of work that came back.
    static func rework(_ issue: IssueKey) -> String {
        """
        Your earlier submission of \(issue) came back: the latest comment below says why (failed verification, \
        requested changes or a failed merge). Fix it in the same worktree, commit, and submit again.


        """
    }

    /// The re-prompt of a run that ended without submitting: why, then the whole first prompt again (each run of a
    /// CLI is a new conversation that remembers nothing of the last one). `refusal` is why a submission was refused,
    /// when one was.
    public static func nudge(for issue: IssueKey, first: String, refusal: String? = nil) -> String {
        let why =
            if let refusal {
                "Your work on \(issue) could not be submitted: \(refusal)\nFix that, then hand the work in again."
            } else {
                "You have not submitted \(issue) yet. If the work is done, commit everything and hand it in (see How "
                    + "to work below); if it is not, finish it first. If you cannot finish, say why (report_blocked)."
            }
        return why + "\n\n" + first
    }

    /// Where the work happens, how to test, how to commit and how to submit, for this CLI.
    static func howToWork(issue: String, workspace w: Workspace) -> String {
        var lines = [
            "Your worktree: \(w.worktree) — a git worktree on the branch `\(w.branch)`; the base branch is "
                + "`\(w.baseBranch)`. Work only there."
        ]
        let submitsOnExit = w.driver.submitsOnExit || (w.driver == .command && w.submitsOnExit)
        if let test = w.testCommand {
            lines.append(
                w.driver == .aider
                    ? "turboCode runs the project's tests (`\(test)`) after your edits and when you submit."
                    : "Run the project's tests with `\(test)` in the worktree before you submit; the coordinator "
                        + "runs them again when you submit.")
        }
        if !w.allowedCommands.isEmpty {
            lines.append("You may also run: \(w.allowedCommands.map { "`\($0)`" }.joined(separator: ", ")).")
        }
        if w.driver == .aider {
            lines.append(
                "Your edits are committed for you; when you end your reply and exit, turboCode submits the "
                    + "commits for review.")
            return "\n## How to work\n\n" + lines.map { "- \($0)" }.joined(separator: "\n") + "\n"
        }
        lines.append(
            "Commit your changes with git (`git add -A && git commit -m \"…\"`); uncommitted files are refused. "
                + "Never push to `\(w.baseBranch)`.")
        if submitsOnExit {
            lines.append("When the work is committed, exit cleanly: turboCode submits your commits for review.")
        } else {
            lines.append(
                "When the work is committed, submit it: call the turbocode MCP tool `submit_issue_for_review` with "
                    + "{\"issue_id\": \"\(issue)\"} (your lease is epoch \(w.epoch); the tools use it when you leave "
                    + "the epoch out).")
            lines.append(
                "Report progress with `report_progress` {\"issue_id\": \"\(issue)\", \"message\": \"…\"}; if you "
                    + "cannot go on, call `report_blocked` {\"issue_id\": \"\(issue)\", \"reason\": \"…\"}.")
            if w.driver == .claude {
                lines.append(
                    "The turbocode tools are deferred: load them with ToolSearch "
                        + "(\"select:mcp__turbocode__submit_issue_for_review,mcp__turbocode__report_progress,"
                        + "mcp__turbocode__report_blocked\").")
            }
            lines.append(
                "Without MCP, the same from a shell: `turbocode work submit --issue \(issue)` (TURBOCODE_URL and "
                    + "TURBOCODE_TOKEN are set).")
        }
        return "\n## How to work\n\n" + lines.map { "- \($0)" }.joined(separator: "\n") + "\n"
    }
}
