import Foundation
import Testing

/// Webhook delivery by a real `turbocode serve`: an event committed while the coordinator cannot send, then the
/// coordinator killed with SIGKILL, is delivered (signed, verified by the reference implementation) after a restart.
@Suite(
    .timeLimit(.minutes(2)),
    .enabled(if: MCPPythonTests.enabled, "needs TURBOCODE_TEST_PYTHON (scripts/test.sh)"))
struct WebhookServeTests {
    static var receiverScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("webhooks/receiver.py").path
    }

    /// The bodies the receiver logged, decoded.
    static func bodies(_ log: URL) -> [[String: Any]] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let request = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let body = Data((request?["body"] as? String ?? "").utf8)
            return try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        }
    }

    /// The first webhook's delivery log as the CLI prints it (for failure messages).
    static func deliveryLog(_ cli: CLI) -> String {
        guard let hooks = try? cli.run("webhook", "list", "--json").json() as? [[String: Any]],
            let id = hooks.first?["id"] as? String, let log = try? cli.run("webhook", "deliveries", id, "--json")
        else { return "?" }
        return log.stdout
    }

    static func wait(for count: Int, in log: URL) -> [[String: Any]] {
        for _ in 0..<3_000 where bodies(log).count < count { usleep(20_000) }
        return bodies(log)
    }

    @Test(arguments: Backend.enabled)
    func anEventCommittedBeforeASIGKILLIsDeliveredAfterTheRestart(_ backend: Backend) async throws {
        let python = try #require(MCPPythonTests.python)
        try await withRepository(backend) { cli in
            let scratch = cli.directory.appendingPathComponent(".turbocode/receiver")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let log = scratch.appendingPathComponent("log.jsonl")
            let portFile = scratch.appendingPathComponent("port")
            let receiver = try Background(
                python: python,
                [Self.receiverScript, "serve", "--port-file", portFile.path, "--log", log.path])
            defer { receiver.kill() }
            // A port only once the whole number is there (an empty file read mid-write once sent every delivery to
            // port 80, refused, and then past the test's window by the retry schedule).
            var port: Int?
            for _ in 0..<500 where port == nil {
                port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0) }
                if port == nil { usleep(10_000) }
            }
            let receiverURL = "http://127.0.0.1:\(try #require(port))/hook"

            #expect(try cli.run("init", "--key", "SHOP").status == 0)
            let added = try cli.run("webhook", "add", receiverURL, "--event", "issue.*", "--allow-private")
            #expect(added.status == 0, "\(added.stderr)")
            let secret = try #require(
                added.stdout.split(separator: "\n").first { $0.hasPrefix("secret: ") }?.split(separator: " ")
                    .dropFirst().first.map(String.init))

            let first = try Background(cli, ["serve", "--port", "0"])
            _ = try #require(first.line(from: .stderr) { $0.contains("turbocode serving on http://") })
            #expect(try cli.run("issue", "add", "Delivered while running").status == 0)
            let before = Self.wait(for: 1, in: log)
            // On failure, the delivery log says whether attempts failed (and when the next one is due) or none was
            // made; the receiver's own output says what it saw.
            #expect(
                before.map { $0["type"] as? String } == ["issue.created"],
                """
                \(first.output.stderrText.suffix(3_000))
                deliveries: \(Self.deliveryLog(cli))
                receiver: \(receiver.output.stdoutText.suffix(2_000))\(receiver.output.stderrText.suffix(2_000))
                """)
            // … and recorded as delivered, so what follows concerns the next event only.
            let hook = try #require(
                (try cli.run("webhook", "list", "--json").json() as? [[String: Any]])?.first?["id"] as? String)
            for _ in 0..<500 {
                let log = try cli.run("webhook", "deliveries", hook, "--json").json() as? [[String: Any]]
                if log?.first?["status"] as? String == "succeeded" { break }
                usleep(20_000)
            }

            // The coordinator is frozen, the event commits, the coordinator dies without ever running again.
            kill(first.process.processIdentifier, SIGSTOP)
            #expect(try cli.run("issue", "add", "Committed, then SIGKILL").status == 0)
            first.kill()
            #expect(Self.bodies(log).count == 1, "nothing was sent by the frozen coordinator")

            let second = try Background(cli, ["serve", "--port", "0"])
            _ = try #require(second.line(from: .stderr) { $0.contains("turbocode serving on http://") })
            let after = Self.wait(for: 2, in: log)
            let titles = after.map { ($0["data"] as? [String: Any])?["title"] as? String }
            #expect(titles == ["Delivered while running", "Committed, then SIGKILL"])

            // The reference implementation (standardwebhooks) accepts every signature.
            let verifier = try Background(
                python: python, [Self.receiverScript, "verify", "--log", log.path, "--secret", secret])
            let verified = verifier.line(from: .stdout) { !$0.isEmpty }
            #expect(verified == "2", "\(verifier.output.stderrText)")

            // The delivery log agrees.
            let deliveries = try cli.run("webhook", "deliveries", hook, "--json")
            let statuses = (try deliveries.json() as? [[String: Any]])?.map { $0["status"] as? String }
            #expect(statuses == ["succeeded", "succeeded"])
            let (status, stderr) = second.terminate()
            #expect(status == 0, "\(stderr)")
        }
    }
}
