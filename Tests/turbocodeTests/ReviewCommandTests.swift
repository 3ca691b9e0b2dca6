import Foundation
import Testing

/// A person in the loop: `up --until-idle` stops with verified work waiting in review; `review` lists, shows,
/// rejects (the same agent fixes it) and approves; the merge queue merges; `stats` and the REST routes agree.
@Suite(.timeLimit(.minutes(3)))
struct ReviewCommandTests {
    @Test func aReviewerRejectsThenApprovesAndTheMergeQueueMerges() async throws {
        try await withRepository(.sqlite) { cli in
            try UpTests.prepare(
                cli,
                extra: """
                    test_command: "test -d fake-agent"
                    subagents:
                      - id: solo
                        driver: claude
                    """)
            try Data(".turbocode/\nturbocode.yaml\n".utf8).write(to: cli.directory.appendingPathComponent(".gitignore"))
            try UpTests.git(cli, ["add", ".gitignore"])
            try UpTests.git(cli, ["commit", "-q", "-m", "ignore"])
            #expect(try cli.run("issue", "add", "Orders page", "--ready", "-d", "List the orders.").status == 0)
            let bin = try UpTests.agentBin(in: cli.directory.deletingLastPathComponent())
            let path = "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
            func up() throws -> String {
                let up = try Background(
                    cli, ["up", "--port", "0", "--until-idle"],
                    environment: ["PATH": path].merging(UpTests.gitIdentity) { $1 })
                up.process.waitUntilExit()
                #expect(up.process.terminationStatus == 0, "\(up.output.stderrText)")
                return up.output.stdoutText
            }

            // Verified, then idle: a person has to approve.
            let first = try up()
            #expect(first.contains("SHOP-1 verified: 1 commit(s)"), "\(first)")
            let list = try cli.run("review", "list")
            #expect(list.stdout.hasPrefix("SHOP-1  Orders page\n    verified; 3 line(s) changed"), "\(list.stdout)")
            let shown = try cli.run("review", "show", "SHOP-1", "--diff")
            #expect(shown.stdout.contains("✓ verification by turbocode"), "\(shown.stdout)")
            #expect(shown.stdout.contains("+Done by fake-agent."))
            let empty = try cli.run("review", "reject", "SHOP-1", "--comment", " ")
            #expect(empty.status == 1 && empty.stderr.contains("say what to change"))

            // Rejected with a line comment: a line the diff does not show is refused, nothing sent.
            let elsewhere = try cli.run(
                "review", "reject", "SHOP-1", "--line", "fake-agent/shop-1.md:40=here", "--comment", "x")
            #expect(elsewhere.status == 1 && elsewhere.stderr.contains("has no line 40"), "\(elsewhere.stderr)")
            let malformed = try cli.run("review", "reject", "SHOP-1", "--line", "fake-agent/shop-1.md=here")
            #expect(malformed.status == 2 && malformed.stderr.contains("PATH:LINE=COMMENT"), "\(malformed.stderr)")
            // Back to solo, which works it again and resubmits.
            let rejected = try cli.run(
                "review", "reject", "SHOP-1", "--comment", "Add a total line",
                "--line", "fake-agent/shop-1.md:3=Say who did it.")
            #expect(rejected.stdout.contains("sent back to its agent"), "\(rejected.stderr)")
            let sent = try cli.run("issue", "show", "SHOP-1").stdout
            #expect(
                sent.contains("Line comments:")
                    && sent.contains("- fake-agent/shop-1.md:3 `+Done by fake-agent.`: Say who did it."),
                "\(sent)")
            let second = try up()
            #expect(second.contains("SHOP-1 → solo again, to fix what came back"), "\(second)")
            #expect(second.contains("SHOP-1 verified"))

            // Approved: the merge queue merges it into main, the worktree goes.
            #expect(try cli.run("review", "approve", "SHOP-1", "--comment", "Thanks").status == 0)
            let third = try up()
            #expect(third.contains("SHOP-1 merged into main as "), "\(third)")
            let issue = try cli.run("issue", "show", "SHOP-1", "--json").json() as? [String: Any]
            #expect(issue?["status"] as? String == "closed" && issue?["closed_reason"] as? String == "merged")
            #expect(try UpTests.git(cli, ["log", "-1", "--format=%s", "main"]) == "Merge SHOP-1: Orders page\n")
            #expect((try cli.run("worktree", "list", "--json").json() as? [Any])?.isEmpty == true)

            // The metrics of that loop.
            let stats = try cli.run("stats", "--json").json() as? [String: Any]
            #expect(stats?["merged"] as? Int == 1)
            let review = stats?["review_first_pass"] as? [String: Any]
            #expect(review?["total"] as? Int == 1 && review?["passed"] as? Int == 0, "rejected first")
            let verification = stats?["verification"] as? [String: Any]
            #expect(verification?["total"] as? Int == 2 && verification?["passed"] as? Int == 2)
            let usage = stats?["usage"] as? [String: Any]
            #expect(usage?["issues"] as? Int == 1 && (usage?["input_tokens"] as? Int ?? 0) > 0, "\(usage ?? [:])")
            // The same usage by agent and by the day its sessions started.
            let solo = (stats?["agents"] as? [[String: Any]])?.first { $0["agent"] as? String == "solo" }
            #expect(solo?["input_tokens"] as? Int == usage?["input_tokens"] as? Int)
            #expect(solo?["cost_usd"] as? Double == usage?["cost_usd"] as? Double)
            let days = stats?["usage_per_day"] as? [[String: Any]] ?? []
            #expect(days.reduce(0) { $0 + ($1["input_tokens"] as? Int ?? 0) } == usage?["input_tokens"] as? Int)
            #expect(days.reduce(0) { $0 + ($1["sessions"] as? Int ?? 0) } == 2, "\(days)")
            #expect((stats?["submission_to_merge"] as? [String: Any])?["count"] as? Int == 1)
            let text = try cli.run("stats").stdout
            #expect(text.contains("Review pass rate (approved on first review): 0 % (0 of 1)"), "\(text)")
        }
    }

    @Test func reviewOverREST() async throws {
        try await withRepository(.sqlite) { cli in
            try UpTests.prepare(cli, extra: "")
            #expect(try cli.run("issue", "add", "Plain", "--ready").status == 0)
            let agent = try cli.run("token", "create", "--agent", "dev").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let server = try Background(cli, ["serve", "--port", "0"])
            defer { _ = server.terminate() }
            let ready = try #require(server.line(from: .stderr) { $0.contains("turbocode serving on http://") })
            let url = String(try #require(ready.split(separator: " ").last))
            var environment = ["TURBOCODE_URL": url, "TURBOCODE_TOKEN": agent]
            let claimed = try WorkCommandTests.work(cli, ["claim"], environment)
            for line in claimed.stdout.split(separator: "\n") {
                let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
                environment[String(pair[0])] = String(pair[1])
            }
            let worktree = CLI(
                directory: URL(fileURLWithPath: try #require(environment["TURBOCODE_WORKTREE"])), database: nil)
            try Data("plain\n".utf8).write(to: worktree.directory.appendingPathComponent("plain.txt"))
            try UpTests.git(worktree, ["add", "plain.txt"])
            try UpTests.git(worktree, ["commit", "-q", "-m", "SHOP-1: plain"])
            #expect(try WorkCommandTests.work(cli, ["submit"], environment).status == 0)
            var reviews: [[String: Any]] = []
            for _ in 0..<200 {
                reviews = try cli.run("api", "GET", "/api/v1/reviews", "--server", url).json() as? [[String: Any]] ?? []
                if !reviews.isEmpty { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect((reviews.first?["issue"] as? [String: Any])?["key"] as? String == "SHOP-1")
            #expect(reviews.first?["approved"] as? Bool == false && reviews.first?["size"] as? Int == 1)

            // Agents cannot decide; a request for changes needs a comment.
            let byAgent = try cli.run("api", "POST", "/api/v1/issues/SHOP-1/approve", "--server", url, "--token", agent)
            #expect(byAgent.status == 1 && byAgent.stderr.contains("403"), "\(byAgent.stderr)")
            let noComment = try cli.run(
                "api", "POST", "/api/v1/issues/SHOP-1/request-changes", "-d", "{}", "--server", url)
            #expect(noComment.status == 1 && noComment.stderr.contains("422"), "\(noComment.stderr)")
            let approved = try cli.run(
                "api", "POST", "/api/v1/issues/SHOP-1/approve", "-d", #"{"comment": "fine"}"#, "--server", url)
            let check = try approved.json() as? [String: Any]
            #expect(check?["kind"] as? String == "approval" && check?["summary"] as? String == "fine")
            // serve runs the merge queue too.
            var status = ""
            for _ in 0..<200 {
                let issue = try cli.run("api", "GET", "/api/v1/issues/SHOP-1", "--server", url).json() as? [String: Any]
                status = issue?["status"] as? String ?? ""
                if status == "closed" { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect(status == "closed")
            let checks = try cli.run("api", "GET", "/api/v1/issues/SHOP-1/checks", "--server", url).json()
            #expect(
                (checks as? [[String: Any]])?.compactMap { $0["kind"] as? String } == [
                    "verification", "approval", "merge",
                ])
            let stats = try cli.run("api", "GET", "/api/v1/stats?since=1d", "--server", url).json() as? [String: Any]
            #expect(stats?["merged"] as? Int == 1)
            let bad = try cli.run("api", "GET", "/api/v1/stats?since=yesterday", "--server", url)
            #expect(bad.status == 1 && bad.stderr.contains("400"))
        }
    }

    /// `review.mode: pull_request`: the branch is pushed to the remote and a pull request opened with `gh` (a
    /// stand-in on PATH here), and the issue closes when `gh` reports it merged; the local main is not touched.
    @Test func pullRequestModeOpensAPullRequestWithGh() async throws {
        try await withRepository(.sqlite) { cli in
            let root = cli.directory.deletingLastPathComponent()
            let bare = root.appendingPathComponent("origin.git")
            try UpTests.prepare(
                cli,
                extra: """
                    test_command: "test -d fake-agent"
                    review:
                      auto_merge: true
                      mode: pull_request
                      pr_poll: 1s
                    subagents:
                      - id: solo
                        driver: claude
                    """)
            try UpTests.git(cli, ["init", "-q", "--bare", bare.path])
            try UpTests.git(cli, ["remote", "add", "origin", bare.path])
            #expect(try cli.run("issue", "add", "Orders page", "--ready", "-d", "List the orders.").status == 0)
            let bin = try UpTests.agentBin(in: root)
            let ghLog = root.appendingPathComponent("gh.log")
            let gh = URL(fileURLWithPath: bin).appendingPathComponent("gh")
            try """
            #!/bin/sh
            printf '%s\n' "$@" >> '\(ghLog.path)'
            echo '--' >> '\(ghLog.path)'
            case "$1 $2" in
              "pr create")
                while [ $# -gt 0 ]; do [ "$1" = --body-file ] && cp "$2" '\(root.path)/body.md'; shift; done
                echo "Creating pull request for SHOP-1 into main"
                echo "https://github.com/acme/shop/pull/7" ;;
              "pr view") echo '{"state":"MERGED","mergeCommit":{"oid":"0123456789abcdef"},"url":"https://github.com/acme/shop/pull/7"}' ;;
              *) echo "unexpected: $*" >&2; exit 1 ;;
            esac
            """.write(to: gh, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: gh.path)
            let mainBefore = try UpTests.git(cli, ["rev-parse", "main"])
            let path = "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
            let up = try Background(
                cli, ["up", "--port", "0", "--until-idle"],
                environment: ["PATH": path].merging(UpTests.gitIdentity) { $1 })
            up.process.waitUntilExit()
            let stdout = up.output.stdoutText
            #expect(up.process.terminationStatus == 0, "\(up.output.stderrText)")
            #expect(stdout.contains("SHOP-1: pull request opened: https://github.com/acme/shop/pull/7"), "\(stdout)")
            #expect(stdout.contains("SHOP-1 merged through its pull request"), "\(stdout)")

            let branch = try UpTests.git(cli, ["for-each-ref", "--format=%(refname:short)", "refs/heads/SHOP-1/"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let calls = try String(contentsOf: ghLog, encoding: .utf8).components(separatedBy: "--\n")
            let create = calls.first?.split(separator: "\n").map(String.init) ?? []
            #expect(
                Array(create.prefix(8)) == [
                    "pr", "create", "--base", "main", "--head", branch, "--title", "SHOP-1: Orders page",
                ], "\(create)")
            #expect(create.dropFirst(8).first == "--body-file")
            #expect(
                calls.dropFirst().first?.hasPrefix("pr\nview\nhttps://github.com/acme/shop/pull/7\n--json\n") == true)
            let body = try String(contentsOf: root.appendingPathComponent("body.md"), encoding: .utf8)
            #expect(body.hasPrefix("List the orders.") && body.contains("**Verification:** verified: 1 commit(s)"))
            #expect(body.contains("**Tests:** `test -d fake-agent` passed") && body.contains("worked by `ai:solo`"))
            // Pushed normally to the remote; the local main was not merged into.
            #expect(
                try UpTests.git(cli, ["--git-dir", bare.path, "rev-parse", branch])
                    == UpTests.git(cli, ["rev-parse", branch]))
            #expect(try UpTests.git(cli, ["rev-parse", "main"]) == mainBefore)
            let issue = try cli.run("issue", "show", "SHOP-1", "--json").json() as? [String: Any]
            #expect(issue?["status"] as? String == "closed" && issue?["closed_reason"] as? String == "merged")
        }
    }
}
