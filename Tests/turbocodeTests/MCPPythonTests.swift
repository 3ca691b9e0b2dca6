import Foundation
import Testing

/// The MCP server on both transports, driven by the official Python `mcp` client (Tests/mcp/client_flow.py) as an
/// agent: tools and schemas, keys and UUIDs, tool errors for bad arguments, claim → commit → progress → submit.
@Suite(.timeLimit(.minutes(3)))
struct MCPPythonTests {
    /// The interpreter with `mcp` installed (scripts/python-env.sh), from `TURBOCODE_TEST_PYTHON`.
    static var python: String? { ProcessInfo.processInfo.environment["TURBOCODE_TEST_PYTHON"] }
    static var enabled: Bool {
        python != nil || ProcessInfo.processInfo.environment["TURBOCODE_REQUIRE_PYTHON"] == "1"
    }
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("mcp/client_flow.py").path
    }

    enum Transport: String, CaseIterable, Sendable { case stdio, http }

    /// A repository with a first commit, worktrees kept inside the test's directory, a project with one ready
    /// issue, and an agent token; returns the token.
    static func prepare(_ cli: CLI) throws -> String {
        let root = cli.directory.deletingLastPathComponent().appendingPathComponent("wt").path
        try "project:\n  key: PY\nworktrees:\n  root: \(root)\n".write(
            to: cli.directory.appendingPathComponent("turbocode.yaml"), atomically: true, encoding: .utf8)
        try "# webshop\n".write(
            to: cli.directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        for arguments in [["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"]] {
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            git.arguments = ["git"] + arguments
            git.currentDirectoryURL = cli.directory
            try git.run()
            git.waitUntilExit()
        }
        #expect(try cli.run("init").status == 0)
        #expect(try cli.run("issue", "add", "Feature for the Python agent", "--ready").status == 0)
        let token = try cli.run("token", "create", "--agent", "py-agent")
        return token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the client script; returns its findings (the last stdout line, as JSON).
    static func runClient(_ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python, "run through scripts/test.sh"))
        process.arguments = [script] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "TURBOCODE_DATABASE_URL")
        process.environment = environment
        let output = try ProcessOutput()
        output.attach(process)
        try process.run()
        process.waitUntilExit()
        let (stdout, stderr) = (output.stdoutText, output.stderrText)
        let line = stdout.split(separator: "\n").last.map(String.init) ?? ""
        let findings = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        #expect(process.terminationStatus == 0, "\(stdout)\n\(stderr.suffix(3000))")
        return findings
    }

    @Test(
        .enabled(if: enabled, "needs TURBOCODE_TEST_PYTHON (scripts/test.sh)"), arguments: Backend.enabled,
        Transport.allCases)
    func thePythonClientWorksTheQueue(_ backend: Backend, _ transport: Transport) async throws {
        try await withRepository(backend) { cli in
            let token = try Self.prepare(cli)
            let findings: [String: Any]
            switch transport {
            case .stdio:
                findings = try Self.runClient(
                    ["stdio", "--turbocode", CLI.executable.path, "--repo", cli.directory.path, "--token", token]
                        + (cli.database.map { ["--database", $0] } ?? []))
            case .http:
                let server = try Background(cli, ["serve", "--port", "0", "--log-level", "warning"])
                let ready = try #require(server.line(from: .stderr) { $0.contains("serving on http://") })
                let port = try #require(ready.split(separator: ":").last.flatMap { Int($0) })
                findings = try Self.runClient(
                    ["http", "--url", "http://127.0.0.1:\(port)/mcp", "--repo", cli.directory.path, "--token", token])
                // A client that keeps its session (and its SSE stream) open does not hold up a graceful stop.
                let holder = try Background(
                    python: try #require(Self.python),
                    [
                        Self.script, "hold", "--url", "http://127.0.0.1:\(port)/mcp", "--repo", cli.directory.path,
                        "--token", token,
                    ])
                #expect(holder.line(from: .stdout) { $0 == "connected" } != nil)
                let (status, log) = server.terminate()
                #expect(status == 0, "\(log)")
                holder.kill()
            }
            #expect(findings["failure"] == nil, "\(findings)")
            #expect(findings["tools"] as? Int == 24 && findings["submitted"] as? String == "PY-1")
            #expect(findings["protocol_version"] as? String == "2025-11-25")
            #expect(findings["unknown_tool"] as? String == "MCPError")
            let issue = try cli.run("issue", "show", "PY-1", "--json")
            // Submitted; the coordinator's verification may already have moved it on to review.
            let status = (try issue.json() as? [String: Any])?["status"] as? String
            #expect(status == "testing" || status == "review", "\(status ?? "-")")
        }
    }
}
