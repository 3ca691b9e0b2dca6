import Foundation
import TurboCore
import TurboGit

// MARK: - Pull requests (`review.mode: pull_request`)

extension MergeQueue {
    /// Pushes the branch (normally, never forced) and opens a pull request with `gh`, its body the issue and the
    /// evidence; the issue stays in review until `gh` reports the pull request merged.
    func openPullRequest(_ issue: Issue, git: GitRepository) async throws {
        let project = try await store.project(.id(issue.projectID))
        guard let branch = try await worktrees.branch(of: issue) else {
            throw Failure(step: "pull_request", summary: "\(issue.key)'s branch is gone", sendBack: false)
        }
        let remote = config.review.remote
        let pushed = try await git.runner.run(
            ["push", "--end-of-options", remote, "refs/heads/\(branch):refs/heads/\(branch)"], in: git.root,
            allowedExitCodes: [0, 1, 128])
        guard pushed.status == 0 else {
            throw Failure(
                step: "pull_request",
                summary:
                    "pushing \(branch) to \(remote) failed: \(pushed.stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))",
                sendBack: false)
        }
        let body = try await pullRequestBody(issue)
        let bodyFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "turbocode-pr-\(UUID().uuidString).md")
        try Data(body.utf8).write(to: bodyFile)
        defer { try? FileManager.default.removeItem(at: bodyFile) }
        let run = try await Self.gh(
            [
                "pr", "create", "--base", project.baseBranch, "--head", branch, "--title",
                "\(issue.key): \(issue.title)",
                "--body-file", bodyFile.path,
            ], in: git.root)
        let url = run.output.split(separator: "\n").last { $0.hasPrefix("http://") || $0.hasPrefix("https://") }
        guard run.succeeded, let url else {
            throw Failure(
                step: "pull_request", summary: "gh pr create failed: \(run.output.suffix(400))", sendBack: false)
        }
        _ = try await store.recordCheck(
            on: .id(issue.id),
            NewCheck(
                kind: .pullRequest, passed: true, summary: "pull request opened: \(url)",
                evidence: [
                    "pull_request": .string(String(url)), "branch": .string(branch),
                    "base": .string(project.baseBranch),
                    "remote": .string(remote),
                ], actor: "turbocode", expecting: .review))
        report("\(issue.key): pull request opened: \(url)")
        // Asked about in this very pass (a repository may merge pull requests automatically).
        lastPoll = nil
    }

    /// What the pull request says: the issue, then the evidence of its last verification.
    func pullRequestBody(_ issue: Issue) async throws -> String {
        let logs = try await store.workLogs(of: .id(issue.id))
        var body = issue.description.isEmpty ? "" : issue.description + "\n\n"
        body += "---\n\nturboCode issue **\(issue.key)**"
        if let agent = logs.last?.startedBy { body += ", worked by `\(agent)`" }
        body += ".\n"
        if let verification = try await store.checks(of: .id(issue.id)).last(where: { $0.kind == .verification }) {
            body += "\n**Verification:** \(verification.summary)\n"
            if let commits = verification.evidence["commits"]?.arrayValue {
                body +=
                    "\n**Commits:**\n" + commits.compactMap(\.stringValue).map { "- \($0)" }.joined(separator: "\n")
                    + "\n"
            }
            if let stat = verification.evidence["diff_stat"]?.stringValue { body += "\n**Diff:** \(stat)\n" }
            if let test = verification.evidence["test"], let command = test["command"]?.stringValue {
                let ms = test["duration_ms"].flatMap {
                    if case .number(let n) = $0 { return Int(n) } else { return nil }
                }
                body += "\n**Tests:** `\(command)` passed" + (ms.map { " in \($0) ms" } ?? "") + "\n"
            }
            if verification.evidence["merge"]?["clean"] == .bool(true) {
                body += "\n**Conflicts:** none with the base at verification.\n"
            }
        }
        let usage = logs.usage
        if !usage.isEmpty {
            body +=
                "\n**Agent usage:** \(usage.inputTokens + usage.outputTokens) tokens"
                + String(format: ", $%.4f", usage.costUSD) + "\n"
        }
        return body
    }

    /// Issues whose pull request is open: closed as merged once `gh` says it merged, kept in review with a failed
    /// merge check when it was closed unmerged. At most every `review.pr_poll`.
    func pollPullRequests() async throws {
        if let lastPoll, ContinuousClock.now - lastPoll < config.review.pullRequestPoll { return }
        lastPoll = .now
        for issue in try await store.issues(IssueFilter(statuses: [.review])) {
            guard let opened = try await store.checks(of: .id(issue.id)).last, opened.kind == .pullRequest,
                let url = opened.evidence["pull_request"]?.stringValue
            else { continue }
            let view = try await Self.gh(
                ["pr", "view", url, "--json", "state,mergeCommit,url"], in: worktrees.repository.root)
            guard view.succeeded,
                let start = view.output.firstIndex(of: "{"),
                let object = try? JSONSerialization.jsonObject(with: Data(view.output[start...].utf8))
                    as? [String: Any],
                let state = object["state"] as? String
            else {
                report("\(issue.key): gh pr view \(url) failed: \(view.output.suffix(300))")
                continue
            }
            let commit = (object["mergeCommit"] as? [String: Any])?["oid"] as? String
            switch state {
            case "MERGED":
                _ = try await store.recordCheck(
                    on: .id(issue.id),
                    NewCheck(
                        kind: .merge, passed: true,
                        summary: "pull request merged" + (commit.map { " as \($0.prefix(12))" } ?? ""),
                        evidence: [
                            "pull_request": .string(url), "merge_commit": commit.map(JSONValue.string) ?? .null,
                        ],
                        actor: "turbocode", expecting: .review, moves: [.closed], closedReason: .merged))
                merged += 1
                report("\(issue.key) merged through its pull request \(url)")
                // The work is merged upstream; the local branch stays until the base is pulled.
                if try await store.worktree(of: .id(issue.id)) != nil {
                    _ = try? await worktrees.remove(.id(issue.id), force: true)
                }
            case "CLOSED":
                _ = try await store.recordCheck(
                    on: .id(issue.id),
                    NewCheck(
                        kind: .merge, passed: false, summary: "the pull request was closed without merging",
                        evidence: ["pull_request": .string(url), "step": "pull_request"], actor: "turbocode",
                        expecting: .review,
                        comment: "The pull request \(url) was closed without merging; approve again to open a new one.")
                )
                report("\(issue.key): its pull request was closed without merging")
            default:
                continue
            }
        }
    }

    /// Runs `gh ARGUMENTS` in `directory` (stdout and stderr together, within 2 minutes).
    static func gh(_ arguments: [String], in directory: String) async throws -> CommandRun {
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let runs = try await Provisioner.run(
            ["gh " + quoted.joined(separator: " ")], in: directory, timeout: .seconds(120), stopOnFailure: true)
        guard let run = runs.first else { throw TurboError.invalidInput("gh did not run") }
        return run
    }
}
