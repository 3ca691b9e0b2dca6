import Foundation
import Testing

/// `turbocode demo` (the README's main job): the whole loop on a scratch repository ends with all 12 issues merged
/// and main's tests passing.
@Suite(.timeLimit(.minutes(3)))
struct DemoTests {
    /// With `--dashboard` the finished run stays up: the dashboard answers, then Ctrl-C (SIGTERM here) ends it.
    @Test func theDemoMergesEveryIssue() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let demo = try Background(
            executable: CLI.executable,
            ["demo", "--agents", "2", "--dashboard", "--port", "0", "--directory", root.path],
            directory: FileManager.default.temporaryDirectory)
        let line = try await offCooperativePool { demo.line(from: .stdout) { $0.hasPrefix("Dashboard: http://") } }
        let stdout = demo.output.stdoutText
        let address = try #require(
            line?.split(separator: " ").dropFirst().first.map(String.init), "\(stdout)\n\(demo.output.stderrText)")
        #expect(stdout.contains("Issues closed: 12 (12 merged)"), "\(stdout)")
        #expect(stdout.contains("SHOP-7 failed verification at tests (attempt 1)"), "the planned failure")
        #expect(stdout.contains("Verification pass rate: 92 % (12 of 13 runs)"))
        #expect(stdout.contains("The repository is \(root.path)/shop"))
        let login = try await offCooperativePool { try Data(contentsOf: try #require(URL(string: address + "login"))) }
        #expect(String(decoding: login, as: UTF8.self).contains("Admin token"))
        #expect(FileManager.default.fileExists(atPath: root.path + "/shop/.turbocode/admin-token"))
        let (status, stderr) = try await offCooperativePool { demo.terminate() }
        #expect(status == 0, "\(stderr)")
        let tests = Process()
        tests.executableURL = URL(fileURLWithPath: "/bin/sh")
        tests.arguments = ["tests/run.sh"]
        tests.currentDirectoryURL = root.appendingPathComponent("shop")
        tests.standardOutput = FileHandle.nullDevice
        try tests.run()
        tests.waitUntilExit()
        #expect(tests.terminationStatus == 0, "main's tests pass")
        let again = try CLI(directory: FileManager.default.temporaryDirectory, database: nil)
            .run("demo", "--directory", root.path)
        #expect(again.status == 2 && again.stderr.contains("exists already"))
    }
}
