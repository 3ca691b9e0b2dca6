import Foundation
import Testing
import TurboAgents
import TurboCore

@testable import TurboApp
@testable import TurboServices

/// `turbocode.yaml`'s pool, limits and leases: read with defaults, refused with the line of the mistake.
struct OrchestratorConfigTests {
    static func load(_ text: String) throws -> OrchestratorConfig {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tc-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try OrchestratorConfig.load(from: path)
    }

    static func failure(_ text: String) -> String? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aFullFileIsRead() throws {
        let config = try Self.load(
            """
            project:
              key: SHOP
            base_branch: main
            test_command: swift test
            limits:
              max_concurrent_subagents: 3
              work_session_timeout: 2h
              inactivity_timeout: 90s
              max_nudges: 0
            leases:
              heartbeat: 5s
              ttl: 20s
            alerts:
              agent_inactive: 10m
            subagents:
              - id: backend-1
                specialization: backend
                max_concurrent_issues: 2
                capabilities: [python, database]
                driver: claude
                model: sonnet
              - id: script
                driver: command
                command: ["./agent.sh", "{prompt_file}"]
                submit_on_exit: true
            """)
        #expect(config.testCommand == "swift test")
        #expect(config.limits.maxConcurrentSubagents == 3 && config.limits.maxIssuesPerSubagent == 2)
        #expect(config.limits.workSessionTimeout == .seconds(7_200) && config.limits.inactivityTimeout == .seconds(90))
        #expect(
            config.limits.maxNudges == 0 && config.leases.heartbeat == .seconds(5) && config.leases.sweep == .seconds(5)
        )
        #expect(config.alerts.agentInactive == .seconds(600) && config.alerts.uncommittedChanges == .seconds(7_200))
        #expect(config.subagents.map(\.id) == ["backend-1", "script"])
        #expect(config.subagents[0].capabilities == ["python", "database"] && config.subagents[0].model == "sonnet")
        #expect(config.subagents[1].driver == .command && config.subagents[1].submitOnExit)
        #expect(config.subagents[1].command == ["./agent.sh", "{prompt_file}"])
    }

    @Test func mistakesNameTheirLine() {
        #expect(
            Self.failure("limits:\n  max_concurrent_subagent: 3\n")?.contains(
                "line 2: unknown key 'max_concurrent_subagent'") == true)
        #expect(Self.failure("leases:\n  ttl: soon\n")?.contains("line 2: ttl must be a duration") == true)
        #expect(
            Self.failure("leases:\n  heartbeat: 40s\n")?.contains("heartbeat must be shorter than leases.ttl") == true)
        // Checked once the section is read: a heartbeat written before a longer ttl is fine.
        #expect(Self.failure("leases:\n  heartbeat: 40s\n  ttl: 60s\n") == nil)
        #expect(
            Self.failure("subagents:\n  - id: a\n    driver: gpt\n")?.contains("line 3: unknown driver 'gpt'") == true)
        #expect(
            Self.failure("subagents:\n  - driver: claude\n")?.contains("line 2: every subagent needs an id") == true)
        #expect(
            Self.failure("subagents:\n  - id: a\n  - id: a\n")?.contains("line 3: two subagents are called 'a'") == true
        )
        #expect(Self.failure("subagents:\n  - id: c\n    driver: command\n")?.contains("needs 'command") == true)
        #expect(
            Self.failure("limits:\n  max_issues_per_subagent: 0\n")?.contains(
                "line 2: max_issues_per_subagent must be a whole number ≥ 1") == true)
        #expect(Self.failure("surprise: 1\n")?.contains("line 1: unknown key 'surprise'") == true)
    }

    @Test func aMissingFileOrSectionGivesTheDefaults() throws {
        let config = try Self.load("project:\n  key: SHOP\n")
        #expect(
            config.subagents.isEmpty && config.limits.maxConcurrentSubagents == 5 && config.leases.ttl == .seconds(30))
        #expect(try OrchestratorConfig.load(from: "/nonexistent/turbocode.yaml").limits.maxActiveWorktrees == 10)
    }

    /// One reader for the whole file: the project part (`worktree create`, `init`) refuses what the pool's refuses,
    /// with the line, and no decoder's or Foundation's error text reaches the user.
    @Test func theProjectPartIsReadAsStrictlyAsTheRest() throws {
        func projectFailure(_ text: String) -> String? {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("tc-\(UUID().uuidString).yaml")
                .path
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                _ = try ProjectConfig.load(from: path)
                return nil
            } catch {
                return "\(error)"
            }
        }
        let cases: [(String, String)] = [
            ("wroktrees:\n  root: /tmp/w\n", "line 1: unknown key 'wroktrees' in the file"),
            ("worktrees:\n  timeout: -5\n", "line 2: worktrees.timeout (seconds) must be a whole number ≥ 1, not '-5'"),
            ("worktrees:\n  timeout: 0\n", "line 2: worktrees.timeout (seconds) must be a whole number ≥ 1, not '0'"),
            ("worktrees:\n  copy: .env\n", "line 2: worktrees.copy must be a list"),
            ("project:\n  key: [A]\n", "line 2: project.key must be text"),
            ("project: {key: SHOP\n", "is not valid YAML"),
        ]
        for (text, expected) in cases {
            let message = projectFailure(text)
            #expect(message?.contains(expected) == true, "\(text.debugDescription) → \(message ?? "accepted")")
            #expect(message?.contains("DecodingError") != true && message?.contains("NSCocoaErrorDomain") != true)
            #expect(Self.failure(text) != nil, "the pool's reader accepts \(text.debugDescription)")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tc-\(UUID().uuidString).yaml").path
        try Data([0xFF, 0xFE, 0x00]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: TurboError.invalidInput("cannot read \(path): it is not UTF-8 text")) {
            try ProjectConfig.load(from: path)
        }
        let read = try #require(
            try {
                try "project:\n  key: SHOP\nbase_branch: trunk\nworktrees:\n  root: ../w\n  timeout: 30\n".write(
                    toFile: path, atomically: true, encoding: .utf8)
                return try ProjectConfig.load(from: path)
            }())
        #expect(read.project?.key == "SHOP" && read.baseBranch == "trunk")
        #expect(read.worktrees?.root == "../w" && read.worktrees?.timeout == 30)
    }
}
