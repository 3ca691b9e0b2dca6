import Foundation
import Logging
import Testing
import TurboCore
import TurboPostgres
import TurboTestSupport

/// The `turbocode` executable, run as a user would run it, in a fresh git repository.
struct CLI {
    let directory: URL
    let database: String?

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
    }

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("turbocode")
    }

    @discardableResult
    func run(_ arguments: String...) throws -> Result {
        try run(arguments)
    }

    func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + (database.map { ["--database", $0] } ?? [])
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "TURBOCODE_DATABASE_URL")
        process.environment = environment
        let output = try ProcessOutput()
        output.attach(process)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: output.stdoutText, stderr: output.stderrText)
    }
}

enum Backend: String, CaseIterable, Sendable {
    case sqlite, postgres

    static var enabled: [Backend] { TestPostgres.enabled ? allCases : [.sqlite] }
}

/// Runs blocking work (waiting for processes) on a thread of its own, so it never holds one of the few threads of
/// Swift's cooperative pool that the other tests, running in parallel, need.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// Runs `body` in a fresh repository called `webshop`, with the default SQLite file or a fresh PostgreSQL database.
func withRepository(_ backend: Backend, _ body: @escaping @Sendable (CLI) throws -> Void) async throws {
    try await withRepository(backend, async: { cli in try await offCooperativePool { try body(cli) } })
}

/// ``withRepository(_:_:)`` for a body that awaits (and runs its blocking waits off the cooperative pool itself).
func withRepository(_ backend: Backend, async body: @Sendable (CLI) async throws -> Void) async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-cli-\(UUID().uuidString)")
    let repo = root.appendingPathComponent("webshop")
    try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    let git = Process()
    git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    git.arguments = ["git", "init", "-q", "-b", "main", repo.path]
    try git.run()
    git.waitUntilExit()
    switch backend {
    case .sqlite:
        try await body(CLI(directory: repo, database: nil))
    case .postgres:
        try await TestPostgres.withTemporaryDatabase { settings in
            try await body(CLI(directory: repo, database: TestPostgres.url(settings)))
        }
    }
}

@Suite(.timeLimit(.minutes(2)))
struct CLITests {
    @Test(arguments: Backend.enabled)
    func walkthroughInAFreshRepository(backend: Backend) async throws {
        try await withRepository(backend) { cli in
            let initialized = try cli.run("init", "--key", "shop")
            #expect(initialized.status == 0, "\(initialized.stderr)")
            #expect(initialized.stdout.contains("Created project SHOP"))
            #expect(try cli.run("init").stdout.contains("already exists"))
            #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("turbocode.yaml").path))

            #expect(try cli.run("issue", "add", "Checkout page", "--priority", "high", "--ready").stdout == "SHOP-1\n")
            #expect(
                try cli.run("issue", "add", "Payment API", "--ready", "--capability", "backend", "--path", "api/**")
                    .stdout == "SHOP-2\n")
            #expect(
                try cli.run("issue", "add", "Receipts", "--ready", "--blocked-by", "shop-2", "-d", "email them").stdout
                    == "SHOP-3\n")
            #expect(try cli.run("dep", "add", "SHOP-2", "SHOP-1").status == 0)

            let cycle = try cli.run("dep", "add", "SHOP-3", "SHOP-2")
            #expect(cycle.status == 1)
            #expect(cycle.stderr == "error: dependency would create a cycle: SHOP-3 → SHOP-2 → SHOP-3\n")

            let list = try #require(try cli.run("issue", "list", "--json").json() as? [[String: Any]])
            #expect(list.map { $0["key"] as? String } == ["SHOP-1", "SHOP-2", "SHOP-3"])
            for field in [
                "id", "key", "number", "project", "title", "description", "type", "status", "priority", "capabilities",
                "paths", "blocked_by", "blocks", "assigned_to", "work_rank", "created_at", "updated_at",
            ] {
                #expect(list[0].keys.contains(field), "issue JSON lacks \(field)")
            }
            #expect(list[1]["blocks"] as? [String] == ["SHOP-1", "SHOP-3"])
            #expect(list[0]["blocked_by"] as? [String] == ["SHOP-2"])

            let queue = try #require(try cli.run("queue", "--json").json() as? [[String: Any]])
            #expect(queue.map { $0["key"] as? String } == ["SHOP-2", "SHOP-1", "SHOP-3"])
            #expect(queue.map { $0["eligible"] as? Bool } == [true, false, false])
            let parts = try #require(queue[0]["score_parts"] as? [String: Double])
            #expect(parts["priority"] == 25 && parts["no_blockers"] == 20 && parts["blocks"] == 10)
            #expect(queue[0]["score"] as? Double == 55 + (parts["age"] ?? 0))
            #expect(queue[1]["reason"] as? String == "blocked by SHOP-2 (ready)")
            let text = try cli.run("queue").stdout
            #expect(text.contains("Ready but not eligible:") && text.contains("blocked by SHOP-2 (ready)"))

            #expect(try cli.run("issue", "close", "SHOP-2").stdout == "SHOP-2 closed (done)\n")
            let after = try #require(try cli.run("queue", "--json").json() as? [[String: Any]])
            #expect(after.map { $0["key"] as? String } == ["SHOP-1", "SHOP-3"])
            #expect(after.allSatisfy { $0["eligible"] as? Bool == true })

            let closedAgain = try cli.run("issue", "close", "SHOP-2")
            #expect(closedAgain.status == 1 && closedAgain.stderr.contains("cannot go from closed to closed"))
            #expect(try cli.run("issue", "reopen", "SHOP-2").status == 0)
            #expect(try cli.run("issue", "comment", "SHOP-1", "Looks good").status == 0)
            let shown = try cli.run("issue", "show", "shop-1")
            #expect(shown.stdout.contains("SHOP-1  Checkout page") && shown.stdout.contains("Looks good"))
            let updated = try #require(
                try cli.run("issue", "update", "SHOP-1", "--rank", "1", "--json").json() as? [String: Any])
            #expect(updated["work_rank"] as? Int == 1)
            let deps = try #require(try cli.run("dep", "show", "SHOP-3", "--json").json() as? [String: Any])
            #expect((deps["chain"] as? [[String: Any]])?.map { $0["key"] as? String } == ["SHOP-2", "SHOP-3"])
            #expect(try cli.run("dep", "rm", "SHOP-2", "SHOP-3").status == 0)
            let projects = try #require(try cli.run("project", "list", "--json").json() as? [[String: Any]])
            #expect(projects.map { $0["key"] as? String } == ["SHOP"])
        }
    }

    @Test func theInboxSaysWhatNeedsAPerson() async throws {
        try await withRepository(.sqlite) { cli in
            #expect(try cli.run("init", "--key", "SHOP").status == 0)
            let empty = try cli.run("inbox")
            #expect(empty.status == 0 && empty.stdout.contains("Nothing needs you."), "\(empty.stderr)")
            let json = try #require(try cli.run("inbox", "--json").json() as? [String: Any])
            #expect(json["decisions"] as? Int == 0 && json["broken"] as? Int == 0 && json["items"] is [Any])
            #expect(try cli.run("inbox", "--project", "NOPE").status == 1)
        }
    }

    @Test func refusalsExitOneAndUsageErrorsExitTwo() async throws {
        try await withRepository(.sqlite) { cli in
            let outside = try CLI(directory: FileManager.default.temporaryDirectory, database: nil).run("issue", "list")
            #expect(outside.status == 1 && outside.stderr.contains("not inside a git repository"))
            #expect(try cli.run("issue", "add", "before init").status == 1)
            #expect(try cli.run("init").status == 0)
            let badKey = try cli.run("init", "--key", "1X")
            #expect(badKey.status == 2 && badKey.stderr.contains("starts with a letter"))
            let missing = try cli.run("issue", "show", "WEB-99")
            #expect(missing.status == 1 && missing.stderr == "error: no issue 'WEB-99'\n")
            #expect(try cli.run("issue", "add").status == 2)
            #expect(try cli.run("issue", "add", "x", "--priority", "urgent").status == 2)
            #expect(try cli.run("nonsense").status == 2)
            #expect(try cli.run("issue", "show", "not a key").status == 2)
            #expect(try cli.run("issue", "list", "--repo", "/nonexistent").status == 2)
            let badDatabase = try cli.run(["issue", "list", "--database", "mysql://x"])
            #expect(badDatabase.status == 2 && badDatabase.stderr.contains("invalid database URL"))
            #expect(try cli.run("--help").status == 0)
            #expect(try cli.run("issue", "list").stdout == "No issues.\n")
            #expect(try cli.run("issue", "add", "first").stdout == "WEBSHO-1\n")
            #expect(try cli.run("issue", "comment", "WEBSHO-1", "first words").status == 0)
            let reopenOpen = try cli.run("issue", "reopen", "WEBSHO-1")
            #expect(reopenOpen.status == 1 && reopenOpen.stderr.contains("cannot go from open to open"))
            let shown = try #require(try cli.run("issue", "show", "WEBSHO-1", "--json").json() as? [String: Any])
            #expect((shown["comments"] as? [[String: Any]])?.map { $0["body"] as? String } == ["first words"])

        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct WorktreeCLITests {
    @Test func worktreeLifecycleAndConflictsFromTheCommandLine() async throws {
        try await withRepository(.sqlite) { cli in
            let root = cli.directory.deletingLastPathComponent().appendingPathComponent("trees").path
            try "project:\n  key: WT\nworktrees:\n  root: \(root)\n".write(
                to: cli.directory.appendingPathComponent("turbocode.yaml"), atomically: true, encoding: .utf8)
            func git(_ arguments: String..., in directory: String) throws {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["git", "-C", directory, "-c", "user.email=t@t", "-c", "user.name=t"] + arguments
                try process.run()
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "git \(arguments)")
            }
            try "base\n".write(
                to: cli.directory.appendingPathComponent("shared.txt"), atomically: true, encoding: .utf8)
            try git("add", "-A", in: cli.directory.path)
            try git("commit", "-qm", "base", in: cli.directory.path)
            #expect(try cli.run("init").status == 0)
            #expect(try cli.run("issue", "add", "Left").stdout == "WT-1\n")
            #expect(try cli.run("issue", "add", "Right").stdout == "WT-2\n")

            let created = try #require(try cli.run("worktree", "create", "WT-1", "--json").json() as? [String: Any])
            #expect(created["path"] as? String == root + "/wt-wt-1" && created["branch"] as? String == "WT-1/left")
            #expect(try cli.run("worktree", "create", "WT-2").status == 0)
            for (key, text) in [("1", "left\n"), ("2", "right\n")] {
                let path = root + "/wt-wt-\(key)"
                try text.write(toFile: path + "/shared.txt", atomically: true, encoding: .utf8)
                try git("commit", "-qam", "change \(key)", in: path)
            }
            let conflicts = try #require(try cli.run("conflicts", "--json").json() as? [[String: Any]])
            #expect(conflicts.count == 1 && conflicts.first?["paths"] as? [String] == ["shared.txt"])
            #expect(conflicts.first?["issue"] as? String == "WT-1" && conflicts.first?["other"] as? String == "WT-2")

            let status = try #require(try cli.run("worktree", "status", "WT-1", "--json").json() as? [String: Any])
            #expect(status["ahead"] as? Int == 1 && (status["uncommitted"] as? [String])?.isEmpty == true)
            let refused = try cli.run("worktree", "remove", "WT-1")
            #expect(refused.status == 1 && refused.stderr.contains("1 unmerged commit(s)"))
            #expect(FileManager.default.fileExists(atPath: root + "/wt-wt-1/shared.txt"))
            #expect(try cli.run("worktree", "remove", "WT-1", "--force").status == 0)
            let list = try #require(try cli.run("worktree", "list", "--json").json() as? [[String: Any]])
            #expect(list.map { $0["issue"] as? String } == ["WT-2"])
            #expect(try cli.run("conflicts").stdout == "No conflicts predicted.\nresolved: WT-1 ~ WT-2\n")
            #expect(try cli.run("worktree", "prune").stdout == "Database and worktrees agree.\n")
            #expect(try cli.run("worktree", "status", "WT-1").status == 1)
        }
    }
}
