import Foundation
import Testing

/// `turbocode agent run`: a worker in another clone of the repository works the queue of a coordinator (`serve`)
/// over REST, pushing each commit to the coordinator's repository.
@Suite(.timeLimit(.minutes(3)))
struct RemoteWorkerTests {
    @Test func aWorkerInACloneWorksTheCoordinatorsQueue() async throws {
        try await withRepository(.sqlite) { cli in
            // Verified by the coordinator in a scratch checkout of the pushed branch (no worktree there).
            try UpTests.prepare(cli, extra: "test_command: \"test -d fake-agent\"\n")
            for (title, description) in [("One", ""), ("Two", "fake-agent: crash-after-commit-once")] {
                var arguments = ["issue", "add", title, "--ready", "--capability", "web"]
                if !description.isEmpty { arguments += ["-d", description] }
                #expect(try cli.run(arguments).status == 0)
            }
            #expect(try cli.run("issue", "add", "Worked here", "--ready").status == 0)
            #expect(try cli.run("issue", "add", "Needs python", "--ready", "--capability", "python").status == 0)
            // SHOP-3 has its worktree on the coordinator's machine: a remote worker must leave it alone.
            #expect(try cli.run("worktree", "create", "SHOP-3").status == 0)
            let token = try cli.run("token", "create", "--agent", "remote-1").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)

            let root = cli.directory.deletingLastPathComponent()
            let clone = root.appendingPathComponent("clone")
            try UpTests.git(cli, ["clone", "-q", cli.directory.path, clone.path])
            try """
            limits:
              retry_backoff: 1s
            subagents:
              - id: remote-1
                driver: claude
                max_concurrent_issues: 2
                capabilities: [web]
            """.write(to: clone.appendingPathComponent("turbocode.yaml"), atomically: true, encoding: .utf8)

            let server = try Background(cli, ["serve", "--port", "0"])
            defer { _ = server.terminate() }
            let ready = try #require(server.line(from: .stderr) { $0.contains("turbocode serving on http://") })
            let url = String(try #require(ready.split(separator: " ").last))

            let bin = try UpTests.agentBin(in: root)
            let path = "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
            let worker = try Background(
                CLI(directory: clone, database: nil),
                [
                    "agent", "run", "--id", "remote-1", "--coordinator", url, "--token", token, "--poll", "1",
                    "--worktrees", root.appendingPathComponent("remote-worktrees").path, "--until-idle",
                ], environment: ["PATH": path].merging(UpTests.gitIdentity) { $1 })
            worker.process.waitUntilExit()
            let stdout = worker.output.stdoutText
            #expect(worker.process.terminationStatus == 0, "\(worker.output.stderrText)\n\(stdout)")
            #expect(
                stdout.contains("SHOP-1 submitted by remote-1") && stdout.contains("SHOP-2 submitted by remote-1"),
                "\(stdout)\n\(worker.output.stderrText)")
            #expect(stdout.contains("SHOP-2 given back"), "the first run of SHOP-2 died after committing: \(stdout)")
            #expect(!stdout.contains("SHOP-3") && !stdout.contains("SHOP-4"), "\(stdout)")

            var statuses: [String] = []
            for _ in 0..<400 {
                let list = try cli.run("issue", "list", "--json").json() as? [[String: Any]]
                statuses = list?.map { "\($0["key"] ?? "") \($0["status"] ?? "")" } ?? []
                if statuses.filter({ $0.hasSuffix(" review") }).count == 2 { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect(statuses == ["SHOP-1 review", "SHOP-2 review", "SHOP-3 ready", "SHOP-4 ready"], "\(stdout)")
            // The coordinator's repository has each branch with exactly the worker's one commit (SHOP-2's commit
            // from the run that died was kept, not redone).
            for key in ["SHOP-1", "SHOP-2"] {
                let branch = try UpTests.git(cli, ["for-each-ref", "--format=%(refname:short)", "refs/heads/\(key)/"])
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(try UpTests.git(cli, ["rev-list", "--count", "main..\(branch)"]) == "1\n", "\(key)")
                let here = try UpTests.git(cli, ["rev-parse", branch])
                let there = try UpTests.git(CLI(directory: clone, database: nil), ["rev-parse", "origin/\(branch)"])
                #expect(here == there)
                let logs = try cli.run("api", "GET", "/api/v1/issues/\(key)/work-logs", "--server", url).json()
                let paths = (logs as? [[String: Any]] ?? []).compactMap { $0["worktree_path"] as? String }
                let location = ":" + root.appendingPathComponent("remote-worktrees").path
                #expect(
                    !paths.isEmpty && paths.allSatisfy { $0.hasSuffix(location) },
                    "the work log names the worker's location: \(paths)")
            }
            let verified = try cli.run("api", "GET", "/api/v1/issues/SHOP-1", "--server", url).json() as? [String: Any]
            #expect(verified?["status"] as? String == "review")
            // The agent's commits reached the coordinator through the hooks, not through the clone's configuration.
            let config = try String(contentsOf: clone.appendingPathComponent(".git/config"), encoding: .utf8)
            #expect(!config.contains("hooksPath"))
        }
    }

    @Test func stoppingTheWorkerGivesTheIssueBack() async throws {
        try await withRepository(
            .sqlite,
            async: { cli in
                let root = cli.directory.deletingLastPathComponent()
                let clone = root.appendingPathComponent("clone")
                let token = try await offCooperativePool {
                    try UpTests.prepare(cli, extra: "")
                    #expect(try cli.run("issue", "add", "Long job", "--ready", "-d", "fake-agent: hang").status == 0)
                    try UpTests.git(cli, ["clone", "-q", cli.directory.path, clone.path])
                    return try cli.run("token", "create", "--agent", "remote-2").stdout
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let server = try Background(cli, ["serve", "--port", "0"])
                defer { _ = server.terminate() }
                let ready = try await offCooperativePool {
                    try #require(server.line(from: .stderr) { $0.contains("turbocode serving on http://") })
                }
                let url = String(try #require(ready.split(separator: " ").last))
                let bin = try UpTests.agentBin(in: root)
                let path = "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
                let worktrees = root.appendingPathComponent("remote-worktrees-2")
                let worker = try Background(
                    CLI(directory: clone, database: nil),
                    [
                        "agent", "run", "--id", "remote-2", "--coordinator", url, "--token", token, "--driver",
                        "claude", "--worktrees", worktrees.path,
                    ], environment: ["PATH": path].merging(UpTests.gitIdentity) { $1 })
                let assigned = try await offCooperativePool {
                    worker.line(from: .stdout) { $0.contains("SHOP-1 → remote-2") }
                }
                #expect(assigned != nil, "\(worker.output.stderrText)")
                // Wait until the agent runs (its transcript names the scenario), then stop the worker.
                let logs = clone.appendingPathComponent(".turbocode/logs/SHOP-1")
                for _ in 0..<200 {
                    let runs = (try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? []
                    let out = runs.first.flatMap {
                        try? String(contentsOf: logs.appendingPathComponent("\($0)/stdout.log"), encoding: .utf8)
                    }
                    if out?.contains("scenario hang") == true { break }
                    try await Task.sleep(for: .milliseconds(25))
                }
                let (status, stderr) = try await offCooperativePool { worker.terminate() }
                #expect(status == 0, "\(stderr)")
                #expect(worker.output.stdoutText.contains("SHOP-1 given back: the worker is shutting down"))
                try await offCooperativePool {
                    let issue = try cli.run("issue", "show", "SHOP-1", "--json").json() as? [String: Any]
                    #expect(issue?["status"] as? String == "ready")
                    #expect(FileManager.default.fileExists(atPath: worktrees.path), "the worktree is kept")
                }
                let ps = Process()
                ps.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                ps.arguments = ["pgrep", "-f", worktrees.path]
                ps.standardOutput = FileHandle.nullDevice
                try ps.run()
                ps.waitUntilExit()
                #expect(ps.terminationStatus == 1, "no agent process survives")
            })
    }
}
