import Foundation
import Testing

/// A long-running `turbocode` process whose output is read as it comes.
final class Background: @unchecked Sendable {
    let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()
    private var buffered: [ObjectIdentifier: String] = [:]

    init(_ cli: CLI, _ arguments: [String]) throws {
        process.executableURL = CLI.executable
        process.arguments = arguments + (cli.database.map { ["--database", $0] } ?? [])
        process.currentDirectoryURL = cli.directory
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "TURBOCODE_DATABASE_URL")
        process.environment = environment
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    /// Reads `pipe` until a line satisfies `match`; returns that line (nil at end of output).
    func line(from pipe: Pipe, where match: (String) -> Bool) -> String? {
        let key = ObjectIdentifier(pipe)
        while true {
            var text = buffered[key, default: ""]
            while let newline = text.firstIndex(of: "\n") {
                let line = String(text[..<newline])
                text = String(text[text.index(after: newline)...])
                buffered[key] = text
                if match(line) { return line }
            }
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { return nil }
            buffered[key, default: ""] += String(decoding: data, as: UTF8.self)
        }
    }

    /// Sends SIGTERM and waits; returns the exit status and the rest of stderr.
    func terminate() -> (status: Int32, stderr: String) {
        process.terminate()
        let rest = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus,
            buffered[ObjectIdentifier(stderr), default: ""] + String(decoding: rest, as: UTF8.self)
        )
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
            let ready = try #require(server.line(from: server.stderr) { $0.contains("turbocode serving on http://") })
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
            let followed = try #require(follower.line(from: follower.stdout) { $0.contains("issue.created") })
            let event = try JSONSerialization.jsonObject(with: Data(followed.utf8)) as? [String: Any]
            #expect(event?["subject"] as? String == "SHOP-1")
            _ = follower.terminate()

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
