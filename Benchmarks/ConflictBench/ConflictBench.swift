import Foundation
import TurboCore
import TurboGit

/// Conflict-prediction benchmark: a repository of 10,000 files and 50 active branches that each change 20 files,
/// some of them shared (and a few conflicting). Prints the prediction's wall time next to the time spent in git.
///
///     swift run -c release turbocode-conflict-bench [--files 10000] [--branches 50] [--per-branch 20]
///     swift run -c release turbocode-conflict-bench --spawn-only   # cost of starting git, against a shell
@main
struct ConflictBench {
    static func main() async {
        do {
            try await run(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("turbocode-conflict-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(arguments: [String]) async throws {
        var files = 10_000
        var branchCount = 50
        var perBranch = 20
        if arguments.first == "--spawn-only" {
            let runner = GitRunner()
            let start = ContinuousClock.now
            for _ in 0..<200 { try await runner.run(["--version"], in: "/") }
            print(String(format: "GitRunner: %.2f ms per git --version", seconds(ContinuousClock.now - start) * 5))
            let shell = try await replay(Array(repeating: ["git", "--version"], count: 200), in: "/tmp")
            print(String(format: "sh: %.2f ms per git --version", shell * 5))
            return
        }
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next().flatMap(Int.init)
            switch (argument, value) {
            case ("--files", let value?) where value >= 100: files = value
            case ("--branches", let value?) where value >= 2: branchCount = value
            case ("--per-branch", let value?) where value >= 2: perBranch = value
            default:
                throw TurboError.invalidInput(
                    "usage: turbocode-conflict-bench [--files N≥100] [--branches N≥2] [--per-branch N≥2] | --spawn-only"
                )
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-conflicts-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = directory.path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let setup = GitRunner()
        func git(_ arguments: String...) async throws {
            try await setup.run(["-c", "user.email=b@b", "-c", "user.name=bench"] + arguments, in: root)
        }

        print("building a repository with \(files) files and \(branchCount) branches × \(perBranch) changed files…")
        let buildStart = ContinuousClock.now
        try await git("init", "-q", "-b", "main")
        for index in 0..<files {
            let path = "\(root)/dir\(index % 100)/file\(index).txt"
            if index < 100 {
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            }
            try (0..<20).map { "file \(index) line \($0)\n" }.joined().write(
                toFile: path, atomically: false, encoding: .utf8)
        }
        try await git("add", "-A")
        try await git("commit", "-q", "-m", "base")

        // Each branch changes its own files plus two from a small shared pool, so some pairs overlap; a branch edits
        // a shared file's line 1 when its index is even (conflicting with other even ones) and its last line when odd.
        let shared = 30
        var branches: [IssueKey: String] = [:]
        for branch in 0..<branchCount {
            let name = "BENCH-\(branch + 1)/change"
            try await git("checkout", "-q", "-b", name, "main")
            var chosen: [Int] = (0..<(perBranch - 2)).map { shared + branch * (perBranch - 2) + $0 }
            chosen += [branch % shared, (branch * 7 + 3) % shared]
            for index in chosen {
                let path = "\(root)/dir\(index % 100)/file\(index).txt"
                var lines = (0..<20).map { "file \(index) line \($0)" }
                lines[index < shared ? (branch.isMultiple(of: 2) ? 1 : 19) : 10] = "changed by branch \(branch)"
                try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
            }
            try await git("commit", "-q", "-am", "branch \(branch)")
            branches[IssueKey(project: try ProjectKey("BENCH"), number: branch + 1)] = name
        }
        try await git("checkout", "-q", "main")
        print(String(format: "  built in %.1f s", seconds(ContinuousClock.now - buildStart)))
        // One untimed pass so that git's object files are in the page cache for every timed run below.
        _ = try await ConflictPredictor(repository: GitRepository(root: root)).predict(
            branches: branches, baseBranch: "main")

        for concurrency in [1, 4] {
            let statistics = GitRunner.Statistics()
            let predictor = ConflictPredictor(
                repository: GitRepository(root: root, runner: GitRunner(statistics: statistics)),
                concurrency: concurrency)
            let start = ContinuousClock.now
            let (results, cache) = try await predictor.predict(branches: branches, baseBranch: "main")
            let wall = seconds(ContinuousClock.now - start)
            let gitTime = seconds(statistics.snapshot.duration)
            let conflicting = results.filter { !$0.paths.isEmpty }
            print("")
            print("prediction with \(concurrency) git process(es) at a time:")
            print(
                String(
                    format: "  wall %.3f s; git processes %d, their summed time %.3f s", wall,
                    statistics.snapshot.count, gitTime))
            if concurrency == 1 {
                // The same git commands, one after another from a shell script: git alone.
                let shellSeconds = try await replay(statistics.commands, in: directory.path)
                print(
                    String(
                        format:
                            "  the same %d git commands from a shell script: %.3f s; overhead over git alone: %.1f %%",
                        statistics.commands.count, shellSeconds, (wall - shellSeconds) / shellSeconds * 100))
            }
            print("  overlapping pairs checked with merge-tree: \(results.count), conflicting: \(conflicting.count)")
            print("  goal: under 2 s: \(wall < 2 ? "met" : "NOT met")")

            let again = ContinuousClock.now
            _ = try await predictor.predict(branches: branches, baseBranch: "main", cache: cache)
            print(
                String(
                    format: "  again with nothing moved (cached merges): %.3f s", seconds(ContinuousClock.now - again)))
        }
    }

    /// Runs the commands from a `sh` script and returns its wall time.
    static func replay(_ commands: [[String]], in directory: String) async throws -> Double {
        func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let script = commands.map { $0.map(quoted).joined(separator: " ") + " >/dev/null 2>&1" }.joined(separator: "\n")
        let path = (directory as NSString).appendingPathComponent("replay.sh")
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let start = ContinuousClock.now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [path]
        try process.run()
        process.waitUntilExit()
        return seconds(ContinuousClock.now - start)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
