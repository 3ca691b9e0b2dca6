import Foundation
import Testing

/// `turbocode demo` (the README's main job): the whole loop on a scratch repository ends with all 12 issues merged
/// and main's tests passing.
@Suite(.timeLimit(.minutes(3)))
struct DemoTests {
    @Test func theDemoMergesEveryIssue() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let demo = try await offCooperativePool {
            try CLI(directory: FileManager.default.temporaryDirectory, database: nil)
                .run("demo", "--agents", "2", "--keep", "--directory", root.path)
        }
        #expect(demo.status == 0, "\(demo.stderr)\n\(demo.stdout)")
        #expect(demo.stdout.contains("Issues closed: 12 (12 merged)"), "\(demo.stdout)")
        #expect(demo.stdout.contains("SHOP-7 failed verification at tests (attempt 1)"), "the planned failure")
        #expect(demo.stdout.contains("Verification pass rate: 92 % (12 of 13 runs)"))
        #expect(demo.stdout.contains("The repository is \(root.path)/shop"))
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
