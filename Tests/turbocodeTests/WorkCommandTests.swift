import Foundation
import Testing

/// `turbocode work …` against a running `serve`: the REST work routes for agents without MCP, fenced by epoch and
/// by agent.
@Suite(.timeLimit(.minutes(2)))
struct WorkCommandTests {
    /// `turbocode work ARGS` with exactly `environment` on top of this process's.
    static func work(_ cli: CLI, _ arguments: [String], _ environment: [String: String]) throws -> CLI.Result {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["work"] + arguments
        process.currentDirectoryURL = cli.directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = try ProcessOutput()
        output.attach(process)
        try process.run()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, stdout: output.stdoutText, stderr: output.stderrText)
    }

    /// A first commit, project SHOP, and worktrees beside the repository (inside the test's directory).
    static func prepare(_ cli: CLI) throws {
        try Data("# shop\n".utf8).write(to: cli.directory.appendingPathComponent("README.md"))
        try UpTests.git(cli, ["add", "README.md"])
        try UpTests.git(cli, ["commit", "-q", "-m", "init"])
        #expect(try cli.run("init", "--key", "SHOP").status == 0)
        let config = cli.directory.appendingPathComponent("turbocode.yaml")
        let worktrees = cli.directory.deletingLastPathComponent().appendingPathComponent("worktrees").path
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(
            of: "root: ~/worktrees", with: "root: \(worktrees)"
        ).write(to: config, atomically: true, encoding: .utf8)
    }

    @Test func anAgentWithoutMCPClaimsReportsAndSubmits() async throws {
        try await withRepository(.sqlite) { cli in
            try Self.prepare(cli)
            #expect(try cli.run("issue", "add", "Needs python", "--ready", "--capability", "python").status == 0)
            #expect(try cli.run("issue", "add", "Plain", "--ready").status == 0)
            let aider = try cli.run("token", "create", "--agent", "aider-1").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let other = try cli.run("token", "create", "--agent", "other").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)

            let server = try Background(cli, ["serve", "--port", "0"])
            defer { _ = server.terminate() }
            let ready = try #require(server.line(from: .stderr) { $0.contains("turbocode serving on http://") })
            let url = String(try #require(ready.split(separator: " ").last))
            var environment = ["TURBOCODE_URL": url, "TURBOCODE_TOKEN": aider]

            // Claim without the capability: the plain issue; the export lines feed the next calls.
            let claimed = try Self.work(cli, ["claim"], environment)
            try #require(claimed.status == 0, "\(claimed.stderr)")
            for line in claimed.stdout.split(separator: "\n") {
                let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
                environment[String(pair[0])] = String(pair[1])
            }
            #expect(environment["TURBOCODE_ISSUE"] == "SHOP-2" && environment["TURBOCODE_EPOCH"] == "1")
            let worktree = URL(fileURLWithPath: try #require(environment["TURBOCODE_WORKTREE"]))

            #expect(try Self.work(cli, ["show"], environment).stdout.hasPrefix("SHOP-2: Plain"))
            #expect(try Self.work(cli, ["progress", "Half way", "--percent", "50"], environment).status == 0)
            let early = try Self.work(cli, ["submit"], environment)
            #expect(early.status == 1 && early.stderr.contains("no commits beyond the base"), "\(early.stderr)")

            // Another agent may not touch this lease; a stale epoch changes nothing.
            var intruder = environment
            intruder["TURBOCODE_TOKEN"] = other
            let foreign = try Self.work(cli, ["heartbeat"], intruder)
            #expect(foreign.status == 1 && foreign.stderr.contains("403 forbidden"), "\(foreign.stderr)")
            let stale = try Self.work(cli, ["heartbeat", "--epoch", "7"], environment)
            #expect(stale.status == 1 && stale.stderr.contains("409 stale_lease"), "\(stale.stderr)")

            try Data("done\n".utf8).write(to: worktree.appendingPathComponent("plain.md"))
            let gitInWorktree = CLI(directory: worktree, database: nil)
            try UpTests.git(gitInWorktree, ["add", "plain.md"])
            try UpTests.git(gitInWorktree, ["commit", "-q", "-m", "SHOP-2: plain"])
            let submitted = try Self.work(cli, ["submit"], environment)
            #expect(
                submitted.status == 0 && submitted.stdout.contains("SHOP-2 submitted: 1 commit(s)"),
                "\(submitted.stderr)")
            let after = try Self.work(cli, ["heartbeat"], environment)
            #expect(
                after.status == 1 && after.stderr.contains("409 stale_lease"), "the lease ended with the submission")

            // With the capability: the other issue, then released back with a reason.
            var python = ["TURBOCODE_URL": url, "TURBOCODE_TOKEN": aider]
            let second = try Self.work(cli, ["claim", "--capability", "python", "--json"], python)
            let document = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any]
            #expect((document?["issue"] as? [String: Any])?["key"] as? String == "SHOP-1")
            // The API's own JSON: absent values are null, never missing.
            #expect((document?["issue"] as? [String: Any])?["closed_reason"] is NSNull)
            python["TURBOCODE_ISSUE"] = "SHOP-1"
            python["TURBOCODE_EPOCH"] = "\(document?["epoch"] as? Int ?? 0)"
            #expect(try Self.work(cli, ["release", "--reason", "needs a database"], python).status == 0)
            let nothing = try Self.work(cli, ["claim"], ["TURBOCODE_URL": url, "TURBOCODE_TOKEN": other])
            #expect(nothing.status == 3 && nothing.stderr.contains("Nothing eligible"), "SHOP-1 needs python")
            // The server verifies the submission (no test_command here) and moves it on to review.
            var statuses: [String] = []
            for _ in 0..<200 {
                let list = try cli.run("issue", "list", "--json").json() as? [[String: Any]]
                statuses = list?.map { "\($0["key"] ?? "") \($0["status"] ?? "")" } ?? []
                if statuses.last == "SHOP-2 review" { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect(statuses == ["SHOP-1 ready", "SHOP-2 review"])
            let comments = try cli.run("issue", "show", "SHOP-1").stdout
            #expect(comments.contains("Released: needs a database"))

            // Re-assigned: the earlier holder's submission with the old epoch is refused and changes nothing.
            let again = try Self.work(cli, ["claim", "--capability", "python", "--json"], python)
            let reclaimed = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
            #expect(reclaimed?["epoch"] as? Int == (document?["epoch"] as? Int ?? 0) + 1)
            let late = try Self.work(cli, ["submit"], python)
            #expect(late.status == 1 && late.stderr.contains("409 stale_lease"), "\(late.stderr)")
            let still = try cli.run("issue", "show", "SHOP-1", "--json").json() as? [String: Any]
            #expect(still?["status"] as? String == "in_progress")
        }
    }
}
