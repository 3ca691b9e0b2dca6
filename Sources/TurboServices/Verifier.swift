import Foundation
public import Logging
import TurboCore
import TurboGit

/// The coordinator's own check of submitted work (issues in `testing`), one issue at a time in submission order:
/// the branch has commits beyond the base, the worktree is clean, the branch merges cleanly onto the current base,
/// and `test_command` passes in the worktree. Success moves the issue to `review` with the evidence (and approves it
/// when `auto_merge`); a failure sends it back to its agent (`in_progress`, with a comment naming the failing step
/// and the tail of the log) until `review.verify_retries` is used up, then it goes to `review` marked as failed for
/// a person to decide.
public actor Verifier: ReviewStage {
    nonisolated let context: ReviewContext
    var busy = false
    var passing = false
    /// Issues that passed verification since this verifier started.
    public private(set) var verified = 0
    /// Failed verifications since this verifier started, each attempt counted.
    public private(set) var failed = 0

    /// A verifier for the repository of `worktrees`, with the pool's `config`; `report` gets a line per outcome.
    public init(
        worktrees: WorktreeService, config: OrchestratorConfig, logger: Logger,
        report: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        context = ReviewContext(worktrees: worktrees, config: config, logger: logger, report: report)
    }

    /// Asks for a pass now; wake-ups coalesce, and a pass runs every second anyway.
    public nonisolated func wake() { context.wakeups.wake() }

    /// Verifies until cancelled, a pass on each wake-up and every second.
    public func run() async { await runPasses(named: "a verification pass") }

    /// Whether nothing waits for verification and nothing is being verified.
    public func isIdle() async -> Bool { await stageIsIdle() }

    func waiting() async throws -> [Issue] { try await pending() }

    func handle(_ issue: Issue) async { await verify(issue) }

    /// Issues in `testing`, oldest submission first.
    func pending() async throws -> [Issue] {
        try await store.issues(IssueFilter(statuses: [.testing])).sorted { $0.updatedAt < $1.updatedAt }
    }

    /// A failed step: which, one line of why, and the log's tail when there is one.
    struct Failure: Error {
        var step: String
        var summary: String
        var log: String?
        var logPath: String?
    }

    /// Verifies one issue and records the outcome; errors of the machinery itself are logged and retried later.
    func verify(_ issue: Issue) async {
        busy = true
        defer { busy = false }
        var evidence: [String: JSONValue] = [:]
        do {
            try await check(issue, evidence: &evidence)
            try await passed(issue, evidence: evidence)
        } catch let failure as Failure {
            evidence["step"] = .string(failure.step)
            if let path = failure.logPath { evidence["log"] = .string(path) }
            do {
                try await failedVerification(issue, failure, evidence: evidence)
            } catch {
                logger.error("recording \(issue.key)'s verification failed", metadata: ["error": "\(error)"])
            }
        } catch TurboError.conflictingState(let why) {
            // Moved by someone meanwhile: nothing to record.
            logger.info("\(issue.key) moved during verification", metadata: ["reason": "\(why)"])
        } catch {
            logger.error("verifying \(issue.key) failed", metadata: ["error": "\(error)"])
            report("\(issue.key): verification could not run (\(error)); trying again")
            try? await Task.sleep(for: .seconds(5))
        }
    }

    /// Runs the steps, filling `evidence`; throws a ``Failure`` at the first failing one.
    func check(_ issue: Issue, evidence: inout [String: JSONValue]) async throws {
        let git = worktrees.worktrees.repository
        let project = try await store.project(.id(issue.projectID))
        let base = project.baseBranch
        let record = try await store.worktree(of: .id(issue.id))
        let logs = try await store.workLogs(of: .id(issue.id))
        guard let branch = try await worktrees.branch(of: issue), let head = try await git.commit(branch) else {
            throw Failure(step: "commits", summary: "no branch for \(issue.key) in the coordinator's repository")
        }
        guard let baseHead = try await git.commit(base) else {
            throw TurboError.git("the base branch '\(base)' does not exist")
        }
        evidence["branch"] = .string(branch)
        evidence["head"] = .string(head)
        evidence["base"] = .string(base)
        evidence["base_commit"] = .string(baseHead)
        if let agent = logs.last?.startedBy { evidence["agent"] = .string(agent) }
        // What the agents' CLIs reported so far (a run's usage is recorded when it ends, which may be just after
        // its submission; `review show` adds it up again from the work logs).
        let usage = logs.usage
        evidence["usage"] = [
            "input_tokens": .number(Double(usage.inputTokens)), "output_tokens": .number(Double(usage.outputTokens)),
            "cost_usd": .number(usage.costUSD), "sessions": .number(Double(usage.sessions)),
        ]
        let commits = try await git.unmergedCommits(branch: head, base: baseHead)
        evidence["commits"] = .array(commits.map(JSONValue.string))
        guard !commits.isEmpty else {
            throw Failure(step: "commits", summary: "the branch \(branch) has no commits beyond \(base)")
        }
        let stat = try await git.runner.run(
            ["diff", "--shortstat", "--end-of-options", "\(baseHead)...\(head)"], in: git.root
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        evidence["diff_stat"] = .string(stat)
        let local = record.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0.path : nil }
        if let local {
            let status = try await git.status(path: local, branch: branch, base: baseHead)
            guard status.isClean else {
                let files = status.uncommitted.map { String($0.dropFirst(3)) }
                throw Failure(
                    step: "clean",
                    summary: "\(files.count) uncommitted file(s) in the worktree: "
                        + files.prefix(10).joined(separator: ", ") + (files.count > 10 ? ", …" : "")
                        + " (commit them or delete them; turboCode does not commit for you)")
            }
            guard status.head == head else {
                throw Failure(step: "clean", summary: "the worktree is not at the branch's head \(head.prefix(12))")
            }
        }
        // The cheap check first: a conflict makes the test run moot.
        let merge = try await git.simulateMerge(baseHead, head)
        evidence["merge"] = [
            "clean": .bool(merge.conflicts.isEmpty), "conflicts": .array(merge.conflicts.map(JSONValue.string)),
        ]
        guard merge.conflicts.isEmpty else {
            throw Failure(
                step: "merge",
                summary: "the branch conflicts with \(base) (\(baseHead.prefix(12))) in "
                    + merge.conflicts.prefix(10).joined(separator: ", ")
                    + "; merge or rebase onto \(base) and resolve")
        }
        guard let command = config.testCommand, !command.isEmpty else {
            evidence["test"] = ["command": .null, "note": "no test_command in turbocode.yaml"]
            return
        }
        let outcome = try await TestRun.run(
            command, in: local ?? nil, commit: head, issue: issue.key, kind: "verify", git: git,
            stateDirectory: worktrees.repository.stateDirectory, timeout: config.review.testTimeout)
        evidence["test"] = outcome.evidence
        guard outcome.run.succeeded else {
            throw Failure(
                step: "tests",
                summary: outcome.run.timedOut
                    ? "'\(command)' timed out after \(config.review.testTimeout)"
                    : "'\(command)' failed (exit \(outcome.run.status.map(String.init) ?? "by a signal"))",
                log: outcome.run.output, logPath: outcome.logPath)
        }
    }

    func passed(_ issue: Issue, evidence: [String: JSONValue]) async throws {
        let commits = evidence["commits"]?.arrayValue?.count ?? 0
        let stat = evidence["diff_stat"]?.stringValue ?? ""
        let summary =
            "verified: \(commits) commit(s), \(stat.isEmpty ? "no diff" : stat)"
            + (config.testCommand == nil ? ", no test_command" : ", tests passed")
        _ = try await store.recordCheck(
            on: .id(issue.id),
            NewCheck(
                kind: .verification, passed: true, summary: summary, evidence: .object(evidence), actor: "turbocode",
                expecting: .testing, moves: [.review]))
        verified += 1
        report("\(issue.key) \(summary)")
        if config.review.approvesAutomatically {
            _ = try await store.recordCheck(
                on: .id(issue.id),
                NewCheck(
                    kind: .approval, passed: true, summary: "approved automatically (review.auto_merge)",
                    actor: "turbocode", expecting: .review))
            report("\(issue.key) approved automatically")
        }
    }

    func failedVerification(_ issue: Issue, _ failure: Failure, evidence: [String: JSONValue]) async throws {
        let earlier = try await store.checks(of: .id(issue.id)).filter { $0.kind == .verification && !$0.passed }
        var evidence = evidence
        let attempt = earlier.count + 1
        evidence["attempt"] = .number(Double(attempt))
        failed += 1
        let comment =
            "Verification failed at \(failure.step): \(failure.summary)."
            + SendBack.logTail(failure.log, path: failure.logPath)
        if attempt > config.review.verifyRetries {
            // Out of retries: a person decides, with everything on record.
            evidence["gave_up"] = .bool(true)
            _ = try await store.recordCheck(
                on: .id(issue.id),
                NewCheck(
                    kind: .verification, passed: false,
                    summary: "failed verification \(attempt) time(s), last at \(failure.step): \(failure.summary)",
                    evidence: .object(evidence), actor: "turbocode", expecting: .testing, moves: [.review],
                    comment: comment + "\n\nturboCode stopped sending it back after \(attempt) failed verifications "
                        + "(review.verify_retries \(config.review.verifyRetries)); a person decides."))
            report("\(issue.key) failed verification \(attempt) time(s) (\(failure.step)); in review for a person")
            return
        }
        let agent = SendBack.agent(evidence["agent"]?.stringValue)
        let moves = SendBack.moves(actor: evidence["agent"]?.stringValue, pool: poolAgents)
        _ = try await store.recordCheck(
            on: .id(issue.id),
            NewCheck(
                kind: .verification, passed: false, summary: "\(failure.step): \(failure.summary)",
                evidence: .object(evidence), actor: "turbocode", expecting: .testing, moves: moves,
                comment: comment + "\n\nFix it, commit, and submit again."))
        report(
            "\(issue.key) failed verification at \(failure.step) (attempt \(attempt)); back to "
                + (moves.count == 1 ? "\(agent ?? "its agent")" : "the queue"))
    }
}

/// `test_command` run for verification or the merge queue, with its log kept under `.turbocode/logs/<ISSUE>/`.
enum TestRun {
    struct Outcome {
        var run: CommandRun
        var logPath: String
        var duration: Duration
        var evidence: JSONValue {
            [
                "command": .string(run.command), "exit": run.status.map { .number(Double($0)) } ?? .null,
                "timed_out": .bool(run.timedOut), "duration_ms": .number(Double(duration.milliseconds)),
                "log": .string(logPath), "passed": .bool(run.succeeded),
            ]
        }
    }

    /// Runs `command` in `directory`, or (without one: work done on another machine) in a scratch worktree checked
    /// out at `commit` and removed afterwards.
    static func run(
        _ command: String, in directory: String?, commit: String, issue: IssueKey, kind: String, git: GitRepository,
        stateDirectory: String, timeout: Duration
    ) async throws -> Outcome {
        var scratch: String?
        if directory == nil {
            let path = (stateDirectory as NSString).appendingPathComponent("scratch/\(kind)-\(issue)")
            try await Scratch.add(path, at: commit, git: git)
            scratch = path
        }
        defer {
            if let scratch { Task { try? await Scratch.remove(scratch, git: git) } }
        }
        let started = ContinuousClock.now
        let runs = try await Provisioner.run(
            [command], in: directory ?? scratch ?? git.root, timeout: timeout, stopOnFailure: true)
        let duration = ContinuousClock.now - started
        guard let run = runs.first else { throw TurboError.invalidInput("the test command did not run") }
        let logs = URL(fileURLWithPath: stateDirectory).appendingPathComponent("logs/\(issue)")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let stamp = Date().formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: false).timeSeparator(.omitted))
        let log = logs.appendingPathComponent("\(kind)-\(stamp)-\(UUID().uuidString.prefix(6)).log")
        try Data("$ \(command)\n\(run.output)".utf8).write(to: log)
        return Outcome(run: run, logPath: log.path, duration: duration)
    }
}

/// Throw-away detached worktrees under `.turbocode/scratch/` for test runs and merges.
///
/// Never `git worktree prune`: run while an agent's worktree is being added, it deletes that worktree's
/// administrative directory half-made. A scratch path left registered (its directory deleted by hand) is added
/// again with `--force`.
enum Scratch {
    static func add(_ path: String, at commit: String, git: GitRepository) async throws {
        try? await remove(path, git: git)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try await git.runner.run(
            ["worktree", "add", "--force", "--detach", "--end-of-options", path, commit], in: git.root)
    }

    static func remove(_ path: String, git: GitRepository) async throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        _ = try? await git.runner.run(
            ["worktree", "remove", "--force", "--force", "--end-of-options", path], in: git.root)
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}
