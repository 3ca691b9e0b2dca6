public import Foundation
public import Logging
public import TurboCore
import TurboGit

/// Approved work into the base branch, one issue at a time in approval order (an issue whose blockers are not
/// finished waits for them): the branch is merged onto the latest base in a scratch worktree, `test_command` runs
/// on the result, and the base branch is fast-forwarded to it — never forced, never rewritten. A conflict or a
/// failing run leaves the base untouched and sends the issue back with the log. After a merge the issue is closed
/// (`merged`, with the merge commit), its worktree removed and its branch deleted, and the base pushed when
/// `review.push`.
public actor MergeQueue: ReviewStage {
    nonisolated let context: ReviewContext
    var busy = false
    var passing = false
    /// Issues merged since this queue started, here or through their pull requests.
    public internal(set) var merged = 0
    /// When open pull requests were last asked about (`review.mode: pull_request`).
    var lastPoll: ContinuousClock.Instant?
    /// The merge under way: its issue, its step and since when.
    public private(set) var current: Step?

    /// Where a merge stands.
    public struct Step: Sendable, Hashable {
        /// The issue being merged.
        public var issue: String
        /// `merging` (onto the latest base in a scratch worktree), `testing` (`test_command` on the merge),
        /// `fast-forwarding` (the base to the merge), `pushing` (with `review.push`), `closing` (recording the merge,
        /// removing the worktree) or `opening a pull request`.
        public var step: String
        /// When the step began.
        public var since: Date
    }

    func enter(_ step: String, _ issue: Issue) {
        current = Step(issue: issue.key.description, step: step, since: Date())
    }

    /// A queue for the repository of `worktrees`; `report` gets a line per merge, failure and pull request.
    public init(
        worktrees: WorktreeService, config: OrchestratorConfig, logger: Logger,
        report: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        context = ReviewContext(worktrees: worktrees, config: config, logger: logger, report: report)
    }

    /// Asks for a pass now; wake-ups coalesce, and a pass runs every second anyway.
    public nonisolated func wake() { context.wakeups.wake() }

    /// Merges approved work until cancelled, a pass on each wake-up and every second, in approval order (each merge
    /// reads the base afresh); with `review.mode: pull_request`, also asks about open pull requests.
    public func run() async {
        await runPasses(named: "a merge queue pass") {
            if self.config.review.mode == .pullRequest { try await self.pollPullRequests() }
        }
    }

    /// Whether nothing is being merged and no approved issue waits (a store that cannot be read counts as idle).
    public func isIdle() async -> Bool { await stageIsIdle() }

    func waiting() async throws -> [(issue: Issue, approval: Check)] { try await mergeable() }

    func handle(_ next: (issue: Issue, approval: Check)) async { await merge(next.issue, approval: next.approval) }

    /// Approved issues in `review` whose blockers are finished, in approval order.
    public func mergeable() async throws -> [(issue: Issue, approval: Check)] {
        var ready: [(issue: Issue, approval: Check)] = []
        for entry in try await Self.approved(store: store) where try await blockersFinished(entry.issue) {
            ready.append(entry)
        }
        return ready
    }

    /// Issues in `review` whose latest decision is an approval (a later verification, request for changes or
    /// failed merge needs a new one), in approval order.
    public static func approved(store: any TurboStore) async throws -> [(issue: Issue, approval: Check)] {
        var approved: [(issue: Issue, approval: Check)] = []
        for issue in try await store.issues(IssueFilter(statuses: [.review])) {
            if let last = try await store.checks(of: .id(issue.id)).last, last.kind == .approval {
                approved.append((issue, last))
            }
        }
        return approved.sorted { $0.approval.createdAt < $1.approval.createdAt }
    }

    func blockersFinished(_ issue: Issue) async throws -> Bool {
        try await store.dependencies(of: .id(issue.id)).blockers.allSatisfy {
            $0.status == .closed && ($0.closedReason == .merged || $0.closedReason == .done)
        }
    }

    struct Failure: Error {
        var step: String
        var summary: String
        var log: String?
        var logPath: String?
        /// Whether the issue's work is at fault (sent back to the agent) or the queue's surroundings (kept in review).
        var sendBack: Bool
        /// The base moved meanwhile: the issue goes to the back of the queue, to be merged again.
        var retry = false
    }

    func merge(_ issue: Issue, approval: Check) async {
        busy = true
        defer {
            busy = false
            current = nil
        }
        // Still in review and still approved by that decision (a person may have sent it back since the pass read
        // the queue)?
        guard let current = try? await store.issue(.id(issue.id)), current.status == .review,
            (try? await store.checks(of: .id(issue.id)).last)?.id == approval.id
        else { return }
        let git = worktrees.worktrees.repository
        let scratch = (worktrees.repository.stateDirectory as NSString).appendingPathComponent(
            "scratch/merge-\(issue.key)")
        defer { Task { try? await Scratch.remove(scratch, git: git) } }
        do {
            if config.review.mode == .pullRequest {
                enter("opening a pull request", issue)
                try await openPullRequest(issue, git: git)
                return
            }
            let done = try await mergeOnto(issue, scratch: scratch, git: git)
            merged += 1
            report("\(issue.key) merged into \(done.base) as \(done.commit.prefix(12))")
        } catch let failure as Failure {
            self.current = nil
            do {
                try await failed(issue, failure)
            } catch {
                logger.error("recording \(issue.key)'s failed merge failed", metadata: ["error": "\(error)"])
            }
        } catch TurboError.conflictingState(let why) {
            logger.info("\(issue.key) moved during its merge", metadata: ["reason": "\(why)"])
        } catch {
            self.current = nil
            logger.error("merging \(issue.key) failed", metadata: ["error": "\(error)"])
            report("\(issue.key): the merge could not run (\(error)); trying again")
            try? await Task.sleep(for: .seconds(5))
        }
    }

    /// Merges, tests and fast-forwards; returns the base branch and the merge commit.
    func mergeOnto(_ issue: Issue, scratch: String, git: GitRepository) async throws -> (base: String, commit: String) {
        let project = try await store.project(.id(issue.projectID))
        let base = project.baseBranch
        guard let branch = try await worktrees.branch(of: issue), let head = try await git.commit(branch) else {
            throw Failure(step: "merge", summary: "\(issue.key)'s branch is gone", sendBack: false)
        }
        guard let before = try await git.commit(base) else {
            throw TurboError.git("the base branch '\(base)' does not exist")
        }
        enter("merging", issue)
        try await Scratch.add(scratch, at: before, git: git)
        let identity = try await Self.identityOptions(git)
        let merge = try await git.runner.run(
            identity + [
                "merge", "--no-ff", "--no-edit", "-m", "Merge \(issue.key): \(issue.title)", "--end-of-options", head,
            ], in: scratch, allowedExitCodes: [0, 1])
        if merge.status != 0 {
            let conflicts = try await git.runner.run(["diff", "--name-only", "--diff-filter=U"], in: scratch).stdout
                .split(separator: "\n").map(String.init)
            _ = try? await git.runner.run(["merge", "--abort"], in: scratch)
            throw Failure(
                step: "merge",
                summary: "\(branch) conflicts with \(base) (\(before.prefix(12))) in "
                    + (conflicts.isEmpty
                        ? "(git: \(merge.stderr.prefix(200)))" : conflicts.prefix(10).joined(separator: ", "))
                    + "; merge \(base) into the branch and resolve", sendBack: true)
        }
        let commit = try await git.runner.run(["rev-parse", "HEAD"], in: scratch).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var evidence: [String: JSONValue] = [
            "merge_commit": .string(commit), "base_before": .string(before), "base": .string(base),
            "branch": .string(branch), "head": .string(head),
        ]
        if let command = config.testCommand, !command.isEmpty {
            enter("testing", issue)
            let outcome = try await TestRun.run(
                command, in: scratch, commit: commit, issue: issue.key, kind: "merge", git: git,
                stateDirectory: worktrees.repository.stateDirectory, timeout: config.review.testTimeout)
            evidence["test"] = outcome.evidence
            guard outcome.run.succeeded else {
                throw Failure(
                    step: "tests",
                    summary:
                        "'\(command)' failed on the merge with \(base) (\(before.prefix(12))); \(base) is unchanged",
                    log: outcome.run.output, logPath: outcome.logPath, sendBack: true)
            }
        }
        enter("fast-forwarding", issue)
        try await fastForward(base, from: before, to: commit, git: git, issue: issue)
        if config.review.push {
            enter("pushing", issue)
            let pushed = try await git.runner.run(
                ["push", "--end-of-options", config.review.remote, "refs/heads/\(base):refs/heads/\(base)"],
                in: git.root,
                allowedExitCodes: [0, 1, 128])
            evidence["pushed"] = .bool(pushed.status == 0)
            if pushed.status != 0 {
                report("\(issue.key): pushing \(base) to \(config.review.remote) failed: \(pushed.stderr.prefix(300))")
            }
        }
        enter("closing", issue)
        _ = try await store.recordCheck(
            on: .id(issue.id),
            NewCheck(
                kind: .merge, passed: true, summary: "merged into \(base) as \(commit.prefix(12))",
                evidence: .object(evidence), actor: "turbocode", expecting: .review, moves: [.closed],
                closedReason: .merged))
        // The work is in the base now: the worktree holds nothing unmerged.
        do {
            if try await store.worktree(of: .id(issue.id)) != nil {
                _ = try await worktrees.remove(.id(issue.id), force: false)
            } else if try await git.deleteBranchIfMerged(branch, base: base) == false {
                logger.info("kept \(branch)")
            }
        } catch {
            report("\(issue.key): merged, but its worktree stays: \(error)")
        }
        return (base, commit)
    }

    /// Moves `base` from `before` to `commit` (a descendant) without ever rewriting it: where the base is checked
    /// out, `git merge --ff-only` there (its files follow); elsewhere a compare-and-swap of the ref.
    func fastForward(_ base: String, from before: String, to commit: String, git: GitRepository, issue: Issue)
        async throws
    {
        let checkout = try await git.worktrees().first { $0.branch == base }
        if let checkout {
            let result = try await git.runner.run(
                ["merge", "--ff-only", "--quiet", "--end-of-options", commit], in: checkout.path,
                allowedExitCodes: [0, 1, 128])
            guard result.status == 0 else {
                throw Failure(
                    step: "fast-forward",
                    summary: "\(base) is checked out at \(checkout.path) and git refused to fast-forward it there "
                        + "(\(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))); "
                        + "clean that checkout and approve \(issue.key) again", sendBack: false)
            }
            return
        }
        let swap = try await git.runner.run(
            [
                "update-ref", "-m", "turbocode: merge \(issue.key) (fast-forward)", "refs/heads/\(base)", commit,
                before,
            ], in: git.root, allowedExitCodes: [0, 1, 128])
        guard swap.status == 0 else {
            throw Failure(
                step: "fast-forward", summary: "\(base) moved while \(issue.key) was being merged; it is merged again",
                sendBack: false, retry: true)
        }
    }

    func failed(_ issue: Issue, _ failure: Failure) async throws {
        var comment =
            "The merge queue could not merge: \(failure.step): \(failure.summary)."
            + SendBack.logTail(failure.log, path: failure.logPath)
        var evidence: [String: JSONValue] = ["step": .string(failure.step)]
        if let path = failure.logPath { evidence["log"] = .string(path) }
        var moves: [IssueStatus] = []
        if failure.sendBack {
            moves = SendBack.moves(actor: try await store.workLogs(of: .id(issue.id)).last?.startedBy, pool: poolAgents)
            comment += "\n\nFix it on the branch, commit, and submit again."
        } else if failure.retry {
            // A race with another writer of the base: try again with a fresh approval-order position.
            _ = try await store.recordCheck(
                on: .id(issue.id),
                NewCheck(
                    kind: .approval, passed: true, summary: "re-queued after the base moved", actor: "turbocode",
                    expecting: .review))
            return
        }
        _ = try await store.recordCheck(
            on: .id(issue.id),
            NewCheck(
                kind: .merge, passed: false, summary: "\(failure.step): \(failure.summary)",
                evidence: .object(evidence),
                actor: "turbocode", expecting: .review, moves: moves, comment: comment))
        report("\(issue.key) not merged (\(failure.step)); " + (failure.sendBack ? "sent back" : "kept in review"))
    }

    /// `-c user.name/-c user.email` when git has no committer identity (merge commits are turboCode's).
    static func identityOptions(_ git: GitRepository) async throws -> [String] {
        let ident = try await git.runner.run(["var", "GIT_COMMITTER_IDENT"], in: git.root, allowedExitCodes: [0, 128])
        return ident.status == 0 ? [] : ["-c", "user.name=turboCode", "-c", "user.email=turbocode@localhost"]
    }
}
