import Foundation
import Testing

/// `turbocode up` on a terminal: the full-screen view (agents with their issues, the queue, the newest lines) on the
/// alternate screen, left before the summary; `--plain` keeps the line log. The terminal is a real pseudo-terminal
/// (Python's `pty`), 100 × 30.
@Suite(.timeLimit(.minutes(2)))
struct UpScreenTests {
    /// Runs `turbocode ARGUMENTS` on a pseudo-terminal until it exits; its whole output, escapes included.
    static func onTerminal(_ cli: CLI, _ arguments: [String], environment: [String: String]) throws -> String {
        let script = """
            import fcntl, os, pty, struct, subprocess, sys, termios
            main, side = pty.openpty()
            fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
            child = subprocess.Popen(sys.argv[1:], stdin=side, stdout=side, stderr=side, close_fds=True)
            os.close(side)
            chunks = []
            while True:
                try:
                    chunk = os.read(main, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            child.wait()
            sys.stdout.buffer.write(b"".join(chunks))
            sys.stdout.buffer.write(b"\\nexit %d\\n" % child.returncode)
            """
        let process = try Background(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-c", script, CLI.executable.path] + arguments,
            directory: cli.directory, environment: environment.merging(["TERM": "xterm"]) { $1 })
        process.process.waitUntilExit()
        return process.output.stdoutText
    }

    /// `text` with its escape characters shown as `⎋`, for a failure's message (raw, they would switch the test
    /// run's own terminal to the alternate screen).
    static func shown(_ text: some StringProtocol) -> String {
        // Returns too: a message with them is not shown by the test run's reporter.
        text.replacingOccurrences(of: "\u{1B}", with: "⎋").replacingOccurrences(of: "\r", with: "")
    }

    @Test func upOnATerminalShowsTheFullScreenViewThenTheSummary() async throws {
        try await withRepository(.sqlite) { cli in
            try UpTests.prepare(cli, extra: "subagents:\n  - id: solo\n    driver: claude\n")
            #expect(try cli.run("issue", "add", "Orders page", "--ready").status == 0)
            let bin = try UpTests.agentBin(in: cli.directory.deletingLastPathComponent())
            let environment = [
                "PATH": "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")",
                "FAKE_AGENT_SCENARIO": "slow", "FAKE_AGENT_SLOW_SECONDS": "3",
            ].merging(UpTests.gitIdentity) { $1 }
            let output = try Self.onTerminal(cli, ["up", "--port", "0", "--until-idle"], environment: environment)
            #expect(output.hasSuffix("exit 0\n"), "\(Self.shown(output.suffix(2_000)))")
            // The alternate screen, the view's parts, and the agent at work on its issue.
            let enter = try #require(output.range(of: "\u{1B}[?1049h"), "\(Self.shown(output.prefix(2_000)))")
            let leave = try #require(output.range(of: "\u{1B}[?1049l"))
            let screen = String(output[enter.upperBound..<leave.lowerBound])
            for part in ["turboCode up", "AGENTS", "QUEUE", "EVENTS", "Ctrl-C stops the agents"] {
                #expect(screen.contains(part), "\(part) in \(Self.shown(screen.suffix(3_000)))")
            }
            #expect(screen.contains("solo             claude    SHOP-1"), "\(Self.shown(screen.suffix(3_000)))")
            #expect(screen.contains("SHOP-1 → solo (claude, lease 1)"))
            // Every line of every frame (each starts at home, `⎋[H`) fits the terminal's 100 columns.
            // (The terminal turns each newline into a return and a newline: lines end in `\r\r\n`.)
            let lines = screen.replacingOccurrences(of: "\r", with: "").components(separatedBy: "\u{1B}[H")
                .flatMap { $0.components(separatedBy: "\n") }.map {
                    $0.replacingOccurrences(of: "\u{1B}[K", with: "").replacingOccurrences(of: "\u{1B}[J", with: "")
                }
            #expect(
                lines.count > 10 && lines.allSatisfy { $0.count <= 100 },
                "\(Self.shown(lines.filter { $0.count > 100 }.joined(separator: "\n")))")
            // After it: the newest lines and the summary, on the normal screen.
            let after = String(output[leave.upperBound...])
            #expect(
                after.contains("idle: nothing in flight") && after.contains("exit status 0"), "\(Self.shown(after))")
        }
    }

    @Test func plainKeepsTheLineLogOnATerminal() async throws {
        try await withRepository(.sqlite) { cli in
            try UpTests.prepare(cli, extra: "subagents:\n  - id: solo\n    driver: claude\n")
            #expect(try cli.run("issue", "add", "Orders page", "--ready").status == 0)
            let bin = try UpTests.agentBin(in: cli.directory.deletingLastPathComponent())
            let environment = [
                "PATH": "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
            ].merging(UpTests.gitIdentity) { $1 }
            let output = try Self.onTerminal(
                cli, ["up", "--port", "0", "--until-idle", "--plain"], environment: environment)
            #expect(!output.contains("\u{1B}[?1049h"))
            #expect(
                output.contains("SHOP-1 → solo (claude, lease 1)") && output.contains("exit status 0"),
                "\(Self.shown(output))")
        }
    }
}
