import Foundation
import Testing

/// A claim is tied to its request: a client that gave up before the answer (curl's `--max-time`) leaves no lease
/// behind; the issue is back in the queue at once, not when the lease expires.
@Suite(.timeLimit(.minutes(2)))
struct AbandonedClaimTests {
    @Test(arguments: Backend.enabled)
    func aClaimWhoseClientGaveUpGoesBackToTheQueue(_ backend: Backend) async throws {
        try await withRepository(backend) { cli in
            try WorkCommandTests.prepare(cli)
            #expect(try cli.run("issue", "add", "Plain", "--ready").status == 0)
            let token = try cli.run("token", "create", "--agent", "aider-1").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let server = try Background(cli, ["serve", "--port", "0"])
            defer { _ = server.terminate() }
            let ready = try #require(server.line(from: .stderr) { $0.contains("turbocode serving on http://") })
            let url = String(try #require(ready.split(separator: " ").last))

            // A busy database: the claim waits in the server while the client's patience runs out.
            let lock = try WriteLockHolder(cli)
            defer { lock.stop() }
            try #require(lock.holder.line(from: .stdout) { $0 == "locked" } != nil, "\(lock.holder.output.stderrText)")
            let curl = try Background(
                executable: URL(fileURLWithPath: "/usr/bin/env"),
                [
                    "curl", "-sS", "--max-time", "2", "-X", "POST", "-H", "Authorization: Bearer \(token)",
                    "-H", "Content-Type: application/json", "-d", "{}", "\(url)/api/v1/queue/claim",
                ], directory: nil)
            curl.process.waitUntilExit()
            #expect(curl.process.terminationStatus == 28, "curl: \(curl.output.stderrText)")  // operation timed out
            lock.release()

            // The server finishes the claim, sees its client gone and gives the issue back.
            var released: [String: Any]?
            for _ in 0..<300 where released == nil {
                released = try Self.events(url).first {
                    $0["type"] as? String == "lease.released"
                        && ($0["payload"] as? [String: Any])?["reason"] as? String == "abandoned"
                }
                if released == nil { usleep(100_000) }
            }
            let payload = try #require(released?["payload"] as? [String: Any], "\(server.output.stderrText)")
            #expect(payload["issue"] as? String == "SHOP-1" && payload["agent"] as? String == "aider-1")
            let shown = try cli.run("issue", "show", "SHOP-1", "--json")
            #expect((try shown.json() as? [String: Any])?["status"] as? String == "ready", "\(shown.stdout)")

            // The next claim gets it at once, under the next epoch.
            let again = try WorkCommandTests.work(
                cli, ["claim", "--json"], ["TURBOCODE_URL": url, "TURBOCODE_TOKEN": token])
            #expect(again.status == 0, "\(again.stderr)")
            let claimed = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
            #expect(
                claimed?["epoch"] as? Int == 2 && (claimed?["issue"] as? [String: Any])?["key"] as? String == "SHOP-1")
        }
    }

    /// Every event so far, oldest first.
    static func events(_ url: String) throws -> [[String: Any]] {
        guard let endpoint = URL(string: "\(url)/api/v1/events?limit=500") else { throw URLError(.badURL) }
        let data = try Data(contentsOf: endpoint)
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }
}

/// Another process holding the database's write lock until ``release()``: Python's `sqlite3` in `BEGIN IMMEDIATE` on
/// SQLite, `psql` holding `LOCK TABLE issues` on PostgreSQL. It prints `locked` once it holds the lock.
final class WriteLockHolder: @unchecked Sendable {
    let holder: Background
    private let input: FileHandle

    init(_ cli: CLI) throws {
        let pipe = Pipe()
        input = pipe.fileHandleForWriting
        let python = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.readline()
            db.execute("ROLLBACK")
            print("released", flush=True)
            """
        let arguments: [String] =
            if let database = cli.database {
                ["psql", database, "-At", "-v", "ON_ERROR_STOP=1"]
            } else {
                [
                    "python3", "-c", python,
                    cli.directory.appendingPathComponent(".turbocode/turbocode.db").path,
                ]
            }
        holder = try Background(
            executable: URL(fileURLWithPath: "/usr/bin/env"), arguments, directory: nil, standardInput: pipe)
        if cli.database != nil {
            try input.write(
                contentsOf: Data("BEGIN; LOCK TABLE issues IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n".utf8))
        }
    }

    /// Lets go of the lock and waits until it is let go.
    func release() {
        try? input.write(contentsOf: Data("ROLLBACK;\nSELECT 'released';\n".utf8))
        _ = holder.line(from: .stdout) { $0 == "released" }
    }

    /// Ends the process.
    func stop() {
        try? input.close()
        if holder.process.isRunning { holder.kill() }
    }
}
