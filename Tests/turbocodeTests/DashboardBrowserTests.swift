import Foundation
import Testing

/// The dashboard in a real browser: Debian's Chromium driven by Playwright for Python (Tests/dashboard/
/// browser_flow.py) against `turbocode serve` — sign-in and its refusals, the inbox with hostile text shown as text,
/// a live update without a reload, the CSRF guard, sign-out. A failure keeps a screenshot in the test's directory
/// and prints its path.
@Suite(.timeLimit(.minutes(2)))
struct DashboardBrowserTests {
    /// The browser, from `TURBOCODE_TEST_CHROMIUM` (scripts/test.sh sets it).
    static var chromium: String? { ProcessInfo.processInfo.environment["TURBOCODE_TEST_CHROMIUM"] }
    static var enabled: Bool {
        (MCPPythonTests.python != nil && chromium != nil)
            || ProcessInfo.processInfo.environment["TURBOCODE_REQUIRE_BROWSER"] == "1"
    }
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("dashboard/browser_flow.py").path
    }

    @Test(.enabled(if: enabled, "needs Chromium and Playwright: run through scripts/test.sh"))
    func theDashboardInARealBrowser() async throws {
        try await withRepository(.sqlite) { cli in
            try WorkCommandTests.prepare(cli)
            // The main checkout stays clean for the merge queue (the database and the config are not the project's).
            try Data(".turbocode/\nturbocode.yaml\n".utf8).write(to: cli.directory.appendingPathComponent(".gitignore"))
            try UpTests.git(cli, ["add", ".gitignore"])
            try UpTests.git(cli, ["commit", "-q", "-m", "ignore"])
            #expect(try cli.run("issue", "add", "<script>alert(1)</script>", "--ready").status == 0)
            #expect(try cli.run("issue", "add", "Second", "--ready").status == 0)
            let admin = try cli.run("token", "create", "--admin").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let agent = try cli.run("token", "create", "--agent", "bot").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let server = try Background(cli, ["serve", "--port", "0"])
            defer { _ = server.terminate() }
            let ready = try #require(server.line(from: .stderr) { $0.contains("turbocode serving on http://") })
            let url = String(try #require(ready.split(separator: " ").last))
            try Self.runFlow(
                "browser_flow.py", in: cli,
                environment: ["TURBOCODE_URL": url, "ADMIN_TOKEN": admin, "AGENT_TOKEN": agent], server: server)
        }
    }

    /// The issue page's live run, the fleet and the inbox after a failed verification against `turbocode up`, whose
    /// one agent (a fake Claude Code) prints a line a second for 30 seconds before its work, long enough for the page
    /// to see lines arrive however slow the machine (Tests/dashboard/live_run.py).
    @Test(.enabled(if: enabled, "needs Chromium and Playwright: run through scripts/test.sh"))
    func theLiveRunAndTheFleetInARealBrowser() async throws {
        try await withRepository(.sqlite) { cli in
            // SHOP-2 comes next and fails its verification, with no retries: the inbox says so.
            try UpTests.prepare(
                cli,
                extra: """
                    test_command: "if grep -rn BROKEN --exclude-dir=.git .; then exit 1; fi"
                    review:
                      verify_retries: 0
                    subagents:
                      - id: solo
                        driver: claude
                    """)
            #expect(try cli.run("issue", "add", "Orders page", "--ready").status == 0)
            #expect(try cli.run("issue", "add", "Totals", "--ready", "--priority", "low").status == 0)
            let scenarios = cli.directory.deletingLastPathComponent().appendingPathComponent("scenarios.json")
            try Data(#"{"SHOP-1": "slow", "SHOP-2": "break-tests-once"}"#.utf8).write(to: scenarios)
            let admin = try cli.run("token", "create", "--admin").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let bin = try UpTests.agentBin(in: cli.directory.deletingLastPathComponent())
            let path = "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
            let up = try Background(
                cli, ["up", "--port", "0"],
                environment: [
                    "PATH": path, "FAKE_AGENT_SCENARIO_FILE": scenarios.path, "FAKE_AGENT_SLOW_SECONDS": "30",
                ].merging(
                    UpTests.gitIdentity
                ) { $1 })
            defer { _ = up.terminate() }
            let ready = try #require(up.line(from: .stderr) { $0.contains("dashboard at http://") })
            let url = String(try #require(ready.split(separator: " ").last)).trimmingCharacters(
                in: CharacterSet(charactersIn: "/"))
            try Self.runFlow(
                "live_run.py", in: cli, environment: ["TURBOCODE_URL": url, "ADMIN_TOKEN": admin], server: up)
        }
    }

    /// Runs `Tests/dashboard/<script>` with the test's Python against the server, Chromium and a screenshot
    /// directory added to `environment`; a failure is recorded with its step, the server's log and the screenshot
    /// (copied where it outlives the test's directory).
    static func runFlow(_ script: String, in cli: CLI, environment: [String: String], server: Background) throws {
        let shots = cli.directory.deletingLastPathComponent().appendingPathComponent("screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let path = URL(fileURLWithPath: Self.script).deletingLastPathComponent().appendingPathComponent(script).path
        let browser = try Background(
            executable: URL(fileURLWithPath: try #require(MCPPythonTests.python, "run through scripts/test.sh")),
            [path], directory: nil,
            environment: environment.merging([
                "CHROMIUM": try #require(Self.chromium, "set TURBOCODE_TEST_CHROMIUM"), "SCREENSHOTS": shots.path,
            ]) { $1 })
        browser.process.waitUntilExit()
        let output = browser.output.stdoutText + browser.output.stderrText
        if browser.process.terminationStatus != 0 {
            let kept = FileManager.default.temporaryDirectory.appendingPathComponent(
                "turbocode-dashboard-failure-\(UUID().uuidString).png")
            try? FileManager.default.copyItem(at: shots.appendingPathComponent("dashboard-failure.png"), to: kept)
            Issue.record("\(script) failed (screenshot: \(kept.path)):\n\(output)\n\(server.output.stderrText)")
        }
        #expect(output.contains("ok"), "\(output)")
    }
}
