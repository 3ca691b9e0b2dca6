public import Foundation
public import Logging
public import TurboCore
import TurboGit

/// The verifier and the merge queue of a coordinator, run by `serve` and `up` when there is a repository.
public struct ReviewServices: Sendable {
    /// Checks submitted work (issues in `testing`).
    public let verifier: Verifier
    /// Merges approved work into the base branch.
    public let mergeQueue: MergeQueue

    /// Both services for the repository of `worktrees`; `report` gets their lines for the terminal.
    public init(
        worktrees: WorktreeService, config: OrchestratorConfig, logger: Logger,
        report: @escaping @Sendable (String) -> Void
    ) {
        verifier = Verifier(worktrees: worktrees, config: config, logger: logger, report: report)
        mergeQueue = MergeQueue(worktrees: worktrees, config: config, logger: logger, report: report)
    }

    /// Both run until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await verifier.run() }
            group.addTask { await mergeQueue.run() }
        }
    }

    /// Asks both for a pass now (new events came in).
    public func wake() {
        verifier.wake()
        mergeQueue.wake()
    }

    /// Nothing waits for verification or a merge.
    public func isIdle() async -> Bool {
        let verifying = await verifier.isIdle()
        let merging = await mergeQueue.isIdle()
        return verifying && merging
    }
}

/// What a person does with verified work: the review list ordered by risk, one issue's evidence and diff,
/// approving (into the merge queue) and requesting changes (back to the agent with the comment).
public struct ReviewService: Sendable {
    /// Where issues in review are read and decisions recorded.
    public let store: any TurboStore
    /// The issues' branches, for diffs.
    public let worktrees: WorktreeService
    let poolAgents: Set<String>

    /// A service for the repository of `worktrees`; `config`'s sub-agents decide where requested changes go.
    public init(worktrees: WorktreeService, config: OrchestratorConfig) {
        self.store = worktrees.store
        self.worktrees = worktrees
        self.poolAgents = Set(config.subagents.map(\.id))
    }

    /// An issue waiting in review, with what a reviewer weighs.
    public struct Entry: Sendable {
        /// The issue, in `review`.
        public var issue: Issue
        /// The latest verification.
        public var verification: Check?
        /// The latest decision or merge attempt after it (approval, changes requested, failed merge), if any.
        public var decision: Check?
        /// Lines added plus deleted.
        public var size: Int
        /// Other active branches predicted to conflict with this one.
        public var conflictRisk: Int
        /// Seconds since the latest verification (since the issue's last update when there is none).
        public var age: TimeInterval

        /// Verification gave up, or the last merge attempt failed.
        public var failedChecks: Bool {
            verification.map { !$0.passed } == true || decision.map { $0.kind == .merge && !$0.passed } == true
        }

        /// Whether the latest decision is an approval, so the merge queue takes the issue.
        public var approved: Bool { decision?.kind == .approval }
    }

    /// Issues in review, riskiest first: failed checks, then size, then conflict risk, then age (oldest first).
    public func list(project: ProjectRef?) async throws -> [Entry] {
        let conflicts = try await store.conflicts(project: project)
        var entries: [Entry] = []
        for issue in try await store.issues(IssueFilter(project: project, statuses: [.review])) {
            let checks = try await store.checks(of: .id(issue.id))
            let verification = checks.last { $0.kind == .verification }
            let decision = checks.last.flatMap { $0.kind == .verification ? nil : $0 }
            let stat = verification?.evidence["diff_stat"]?.stringValue ?? ""
            entries.append(
                Entry(
                    issue: issue, verification: verification, decision: decision, size: Self.lines(stat),
                    conflictRisk: conflicts.filter { $0.issue == issue.key || $0.other == issue.key }.count,
                    age: Date().timeIntervalSince(verification?.createdAt ?? issue.updatedAt)))
        }
        return entries.sorted { a, b in
            if a.failedChecks != b.failedChecks { return a.failedChecks }
            if a.size != b.size { return a.size > b.size }
            if a.conflictRisk != b.conflictRisk { return a.conflictRisk > b.conflictRisk }
            return a.age > b.age
        }
    }

    /// `N insertions(+), M deletions(-)` → N + M.
    static func lines(_ stat: String) -> Int {
        stat.split(separator: ",").compactMap { part -> Int? in
            let words = part.split(separator: " ")
            guard words.count >= 2, let count = Int(words[0]) else { return nil }
            return words[1].hasPrefix("insertion") || words[1].hasPrefix("deletion") ? count : nil
        }.reduce(0, +)
    }

    /// The full diff of the issue's branch against the base (what the merge would bring), and its stat.
    public func diff(_ ref: IssueRef, stat: Bool) async throws -> String {
        let issue = try await store.issue(ref)
        let base = try await store.project(.id(issue.projectID)).baseBranch
        let git = worktrees.worktrees.repository
        guard let branch = try await worktrees.branch(of: issue) else {
            throw TurboError.noWorktree(issue.key.description)
        }
        return try await git.runner.run(
            ["diff"] + (stat ? ["--stat"] : []) + ["--end-of-options", "\(base)...\(branch)"], in: git.root
        ).stdout
    }

    /// The issue's branch against its base, file by file with hunks (what the merge would bring, as `diff` shows it).
    public func diffDocument(_ ref: IssueRef) async throws -> DiffDocument {
        let issue = try await store.issue(ref)
        let base = try await store.project(.id(issue.projectID)).baseBranch
        let git = worktrees.worktrees.repository
        guard let branch = try await worktrees.branch(of: issue) else {
            throw TurboError.noWorktree(issue.key.description)
        }
        // Both listings of the same two commits (resolved once: a ref that moves between them cannot pair paths
        // with the wrong hunks) with the same options, so that their files come in the same order; submodules as one
        // line each whatever the user's `diff.submodule` says.
        let since = try await git.runner.run(["merge-base", "--end-of-options", base, branch], in: git.root).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let head = try await git.runner.run(
            ["rev-parse", "--verify", "--end-of-options", "\(branch)^{commit}"], in: git.root
        )
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let options = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--submodule=short", "-M"]
        let range = ["--end-of-options", since, head]
        async let numstat = git.runner.run(options + ["--numstat", "-z"] + range, in: git.root)
        async let patch = git.runner.run(options + range, in: git.root)
        let diff = try BranchDiff(numstat: try await numstat.stdout, patch: try await patch.stdout)
        return DiffDocument(issue: issue.key.description, base: base, branch: branch, diff: diff)
    }

    /// The end (at most `limit` bytes) of the log a check's test run wrote (`evidence.test.log`, or `evidence.log`
    /// for a failed step), read only from under the repository's `.turbocode/logs/`; nil when it kept none there.
    public func log(of check: Check, limit: Int = 65_536) throws -> String? {
        guard let path = check.evidence["test"]?["log"]?.stringValue ?? check.evidence["log"]?.stringValue else {
            return nil
        }
        let logs =
            URL(fileURLWithPath: worktrees.repository.stateDirectory).appendingPathComponent("logs")
            .resolvingSymlinksInPath().path + "/"
        let file = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        guard file.path.hasPrefix(logs), let handle = try? FileHandle(forReadingFrom: file) else { return nil }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size > UInt64(limit) ? size - UInt64(limit) : 0)
        let data = try handle.readToEnd() ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Approves work in review for the merge queue.
    public func approve(_ ref: IssueRef, reviewer: String, comment: String?) async throws -> (Issue, Check) {
        let comment = try comment.map {
            try IssueValidation.text($0.trimmingCharacters(in: .whitespacesAndNewlines), field: "the comment")
        }
        return try await store.recordCheck(
            on: ref,
            NewCheck(
                kind: .approval, passed: true, summary: comment.flatMap { $0.isEmpty ? nil : $0 } ?? "approved",
                actor: reviewer, expecting: .review, comment: comment.flatMap { $0.isEmpty ? nil : "Approved: \($0)" }))
    }

    /// Sends the work back with the reviewer's comment: to its agent when the local pool has it (the scheduler of
    /// `up` resumes it), else to the queue.
    ///
    /// `lineComments` point at lines of the branch's diff (``diffDocument(_:)``); each must name a line the diff
    /// shows, or nothing is recorded. They go into the comment the agent reads, each as `path:line` with the line
    /// quoted, after the overall comment (which may then be empty).
    public func requestChanges(
        _ ref: IssueRef, reviewer: String, comment: String, lineComments: [LineComment] = []
    ) async throws -> (Issue, Check) {
        var comment = try IssueValidation.text(
            comment.trimmingCharacters(in: .whitespacesAndNewlines), field: "the comment")
        guard !comment.isEmpty || !lineComments.isEmpty else {
            throw TurboError.invalidInput("say what to change (--comment)")
        }
        if !lineComments.isEmpty {
            guard lineComments.count <= 200 else {
                throw TurboError.invalidInput("at most 200 line comments at once (got \(lineComments.count))")
            }
            let quoted = try SendBack.quote(lineComments, in: try await diffDocument(ref).diff)
            comment = (comment.isEmpty ? "See the line comments." : comment) + "\n\n" + quoted
        }
        let moves = SendBack.moves(actor: try await store.workLogs(of: ref).last?.startedBy, pool: poolAgents)
        return try await store.recordCheck(
            on: ref,
            NewCheck(
                kind: .changesRequested, passed: false, summary: comment, actor: reviewer, expecting: .review,
                moves: moves, comment: "Changes requested: \(comment)"))
    }
}

extension ReviewService.Entry {
    /// The entry as the API and MCP return it (`age` in whole seconds).
    public var document: ReviewDocument {
        ReviewDocument(
            issue: issue, verification: verification, decision: decision, approved: approved,
            failedChecks: failedChecks, size: size, conflictRisk: conflictRisk, ageSeconds: Int(age))
    }
}

/// Sending work back: where it goes, and how the log's tail is quoted in the comment.
enum SendBack {
    /// The agent id of an `ai:<agent>` actor, nil for anyone else.
    static func agent(_ actor: String?) -> String? {
        actor.flatMap { $0.hasPrefix("ai:") ? String($0.dropFirst(3)) : nil }
    }

    /// To `in_progress` for the pool of `up` to resume with the same agent when it has it, else on to the queue.
    static func moves(actor: String?, pool: Set<String>) -> [IssueStatus] {
        agent(actor).map { pool.contains($0) } == true ? [.inProgress] : [.inProgress, .ready]
    }

    /// Line comments as the agent reads them: `- path:line (+ the line): comment`, in the order given. Throws when
    /// a comment names a file or line the diff does not show, or says nothing.
    static func quote(_ comments: [LineComment], in diff: BranchDiff) throws -> String {
        var lines = ["Line comments:"]
        for comment in comments {
            let body = try IssueValidation.text(
                comment.body.trimmingCharacters(in: .whitespacesAndNewlines), field: "a line comment")
            guard !body.isEmpty else {
                throw TurboError.invalidInput("the line comment on \(comment.path):\(comment.line) is empty")
            }
            guard let file = diff.file(comment.path) else {
                throw TurboError.invalidInput("\(comment.path) is not in the diff")
            }
            guard let line = file.line(comment.line, side: comment.side) else {
                throw TurboError.invalidInput(
                    "\(comment.path) has no line \(comment.line) on the \(comment.side.rawValue) side in the diff")
            }
            let mark = line.kind == .added ? "+" : line.kind == .deleted ? "-" : " "
            let side = comment.side == .old ? " (before the change)" : ""
            let text = line.text.count > 200 ? String(line.text.prefix(200)) + "…" : line.text
            lines.append("- \(file.path):\(comment.line)\(side) `\(mark)\(text)`: \(body)")
        }
        return lines.joined(separator: "\n")
    }

    /// The last 30 lines of a failing command's log, as a fenced block after a blank line ("" without a log).
    static func logTail(_ log: String?, path: String?) -> String {
        guard let log, !log.isEmpty else { return "" }
        let tail = log.split(separator: "\n", omittingEmptySubsequences: false).suffix(30).joined(separator: "\n")
        return "\n\nThe last lines of the log\(path.map { " (\($0))" } ?? ""):\n\n```\n\(tail)\n```"
    }
}
