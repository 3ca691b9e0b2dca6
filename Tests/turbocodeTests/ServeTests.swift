import Foundation
import Testing

/// A long-running process whose output (in files, see ``ProcessOutput``) is read as it comes.
final class Background: @unchecked Sendable {
    enum Stream { case stdout, stderr }

    let process = Process()
    let output: ProcessOutput
    private var consumed: [Stream: Int] = [:]

    convenience init(
        _ cli: CLI, _ arguments: [String], environment extra: [String: String] = [:], unset: [String] = []
    ) throws {
        try self.init(
            executable: CLI.executable, arguments + (cli.database.map { ["--database", $0] } ?? []),
            directory: cli.directory, environment: extra, unset: unset)
    }

    /// A Python script run with the test interpreter.
    convenience init(python: String, _ arguments: [String]) throws {
        try self.init(executable: URL(fileURLWithPath: python), arguments, directory: nil)
    }

    /// `unset` names variables of the test's environment the process must not see.
    init(
        executable: URL, _ arguments: [String], directory: URL?, environment extra: [String: String] = [:],
        unset: [String] = [], standardInput: Pipe? = nil
    ) throws {
        output = try ProcessOutput()
        if let standardInput { process.standardInput = standardInput }
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        environment.removeValue(forKey: "TURBOCODE_DATABASE_URL")
        for name in unset { environment.removeValue(forKey: name) }
        process.environment = environment
        output.attach(process)
        try process.run()
    }

    /// Waits for a complete line of `stream` that satisfies `match` and returns it; nil once the process has exited
    /// without writing one.
    func line(from stream: Stream, where match: (String) -> Bool) -> String? {
        while true {
            let exited = !process.isRunning
            let text = stream == .stdout ? output.stdoutText : output.stderrText
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            for (index, line) in lines.enumerated() where index >= consumed[stream, default: 0] {
                consumed[stream] = index + 1
                if match(String(line)) { return String(line) }
            }
            if exited { return nil }
            usleep(20_000)
        }
    }

    /// Ends a helper process at once (SIGKILL): for clients whose exit the test does not examine.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends SIGTERM and waits; returns the exit status and the whole of stderr.
    func terminate() -> (status: Int32, stderr: String) {
        process.terminate()
        process.waitUntilExit()
        return (process.terminationStatus, output.stderrText)
    }
}

/// `turbocode serve` as a process: the CLI's `api` command with the admin-token file, events followed from another
/// process, request logs with ids, and a graceful exit on SIGTERM; on SQLite and PostgreSQL.
@Suite(.timeLimit(.minutes(2)))
struct ServeTests {
    @Test(arguments: Backend.enabled)
    func serveAnswersTheCLIAndStopsGracefully(_ backend: Backend) async throws {
        try await withRepository(backend) { cli in
            #expect(try cli.run("init", "--key", "SHOP").status == 0)
            let server = try Background(cli, ["serve", "--port", "0"])
            let ready = try #require(server.line(from: .stderr) { $0.contains("turbocode serving on http://") })
            let port = try #require(ready.split(separator: ":").last.flatMap { Int($0) })
            let tokenFile = cli.directory.appendingPathComponent(".turbocode/admin-token").path
            let attributes = try FileManager.default.attributesOfItem(atPath: tokenFile)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            // Another process follows the log straight from the database.
            let follower = try Background(cli, ["events", "--follow", "--json", "--after", "0"])
            let url = "http://127.0.0.1:\(port)"
            let created = try cli.run(
                "api", "POST", "/issues", "-d", #"{"title": "Search page", "priority": "high"}"#, "--server", url)
            #expect(created.status == 0, "\(created.stderr)")
            #expect((try created.json() as? [String: Any])?["key"] as? String == "SHOP-1")
            let followed = try #require(follower.line(from: .stdout) { $0.contains("issue.created") })
            let event = try JSONSerialization.jsonObject(with: Data(followed.utf8)) as? [String: Any]
            #expect(event?["subject"] as? String == "SHOP-1")
            follower.kill()

            let read = try cli.run("api", "GET", "/api/v1/issues/shop-1", "--server", url)
            let title = (try read.json() as? [String: Any])?["title"] as? String
            #expect(read.status == 0 && title == "Search page")
            let missing = try cli.run("api", "GET", "/issues/SHOP-9", "--server", url)
            #expect(missing.status == 1 && missing.stderr.contains("404 not_found"))
            let anonymous = try cli.run(
                "api", "POST", "/issues", "-d", #"{"title": "x"}"#, "--server", url, "--token", "tc_admin_wrong")
            #expect(anonymous.status == 1 && anonymous.stderr.contains("401 unauthorized"))
            let metrics = try cli.run("api", "GET", "/metrics", "--server", url)
            #expect(metrics.stdout.contains(#"turbocode_issues{status="open"} 1.0"#))

            let (status, log) = server.terminate()
            #expect(status == 0, "\(log)")
            let line = log.split(separator: "\n").first { $0.contains("method=POST") && $0.contains("status=201") }
            #expect(line?.contains("hb.request.id=") == true && line?.contains("path=/api/v1/issues") == true)
        }
    }
}
