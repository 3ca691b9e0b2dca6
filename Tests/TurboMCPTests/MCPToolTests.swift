import Foundation
import Logging
import MCP
import Testing
import TurboApp
import TurboCore
import TurboGit
import TurboMCP
import TurboServices
import TurboTestSupport

/// A git repository with one commit on `main`, a turboCode project `MCP` and a worktree root beside it.
struct Sandbox {
    let scratch: ScratchRepository
    let repository: Repository
    var root: URL { scratch.root }

    init() async throws {
        scratch = try ScratchRepository(prefix: "tc-mcp", name: "shop", files: ["README.md": "# shop\n"])
        try scratch.write(
            "turbocode.yaml",
            "project:\n  key: MCP\nworktrees:\n  root: \(scratch.base.appendingPathComponent("wt").path)\n")
        try scratch.commitAll("turboCode's configuration")
        repository = try Repository.locate(from: scratch.path)
    }

    func remove() { scratch.remove() }
}

/// The tools through a real MCP client over the SDK's in-memory transport.
@Suite(.timeLimit(.minutes(1)))
struct MCPToolTests {
    /// A client connected to a server whose tools act for `caller`, on a fresh repository and SQLite database.
    static func withClient(
        caller: Caller = .agent("backend-1"),
        _ body: @Sendable (Client, any TurboStore, Sandbox) async throws -> Void
    ) async throws {
        let sandbox = try await Sandbox()
        defer { sandbox.remove() }
        try await TurboApp.withStore(sandbox.repository.defaultDatabase, logger: Logger(label: "test")) { store in
            _ = try await ProjectSetup.initialize(repository: sandbox.repository, key: nil, name: nil, store: store)
            let tools = try TurboTools(store: store, repository: sandbox.repository)
            let server = await TurboMCPServer.make(tools: tools, caller: caller, version: "test")
            let (clientTransport, serverTransport) = await InMemoryTransport.createConnectedPair()
            try await server.start(transport: serverTransport)
            let client = Client(name: "tests", version: "1")
            _ = try await client.connect(transport: clientTransport)
            try await body(client, store, sandbox)
            await client.disconnect()
            await server.stop()
        }
    }

    static func call(_ client: Client, _ name: String, _ arguments: [String: Value] = [:]) async throws
        -> CallTool.Result
    {
        try await client.callTool(name: name, arguments: arguments).value
    }

    static func text(_ result: CallTool.Result) -> String {
        result.content.compactMap { if case .text(let text, _, _) = $0 { text } else { nil } }.joined()
    }

    @Test func toolsAreListedWithObjectSchemas() async throws {
        try await Self.withClient { client, _, _ in
            let (tools, _) = try await client.listTools()
            let names = Set(tools.map(\.name))
            for name in [
                "get_issue", "list_issues", "create_issue", "update_issue", "add_comment", "get_issue_comments",
                "get_next_issue", "get_work_queue", "start_work_on_issue", "submit_issue_for_review",
                "list_worktrees", "get_worktree_status", "add_blocker", "remove_blocker", "get_blocking_issues",
                "get_blocked_issues", "list_projects", "get_project", "claim_next_issue", "heartbeat",
                "report_progress", "report_blocked", "get_conflicts", "get_attention",
            ] {
                #expect(names.contains(name), "\(name)")
            }
            #expect(tools.count == 24)
            for tool in tools {
                #expect(tool.inputSchema.objectValue?["type"] == "object", "\(tool.name)")
                #expect(tool.description?.isEmpty == false, "\(tool.name)")
            }
        }
    }

    @Test func issuesByKeyOrUUIDAndBadArgumentsAreToolErrors() async throws {
        try await Self.withClient { client, store, _ in
            let created = try await Self.call(
                client, "create_issue",
                ["title": "Search page", "description": "Full-text search", "type": "feature", "priority": "high"])
            #expect(created.isError == false)
            #expect(created.structuredContent?.objectValue?["key"] == "MCP-1")
            #expect(created.structuredContent?.objectValue?["created_by"] == "ai:backend-1")
            let issue = try await store.issue(.key(try #require(IssueKey(parsing: "MCP-1"))))
            for reference in ["mcp-1", issue.id.uuidString] {
                let fetched = try await Self.call(client, "get_issue", ["issue_id": .string(reference)])
                #expect(fetched.isError == false && fetched.structuredContent?.objectValue?["title"] == "Search page")
            }
            let failures: [(String, [String: Value], String)] = [
                ("get_issue", ["issue_id": "MCP-99"], "MCP-99"),
                ("get_issue", ["issue_id": "not a key"], "not a key"),
                ("get_issue", [:], "needs 'issue_id'"),
                ("get_issue", ["issue_id": 12], "must be a string"),
                ("get_issue", ["issue_id": "MCP-1", "verbose": true], "does not take 'verbose'"),
                ("create_issue", ["title": "x", "description": "", "type": "epic", "priority": "high"], "epic"),
                ("update_issue", ["issue_id": "MCP-1", "status": "review"], "open"),
                ("heartbeat", ["issue_id": "MCP-1", "epoch": 1], "no live lease"),
                ("add_blocker", ["blocking_issue_id": "MCP-1", "blocked_issue_id": "MCP-1"], "MCP-1"),
            ]
            for (tool, arguments, fragment) in failures {
                let result = try await Self.call(client, tool, arguments)
                #expect(result.isError == true, "\(tool) \(arguments)")
                #expect(Self.text(result).contains(fragment), "\(tool): \(Self.text(result))")
            }
            // A refused status change leaves the other fields alone too.
            #expect(try await store.issue(.id(issue.id)).status == .open)
            await #expect(throws: (any Error).self) { _ = try await Self.call(client, "no_such_tool") }
        }
    }

    @Test func claimProgressAndSubmitOnARealRepository() async throws {
        try await Self.withClient { client, store, _ in
            let project = try await store.projects()[0]
            _ = try await store.createIssue(
                NewIssue(project: .id(project.id), title: "Web only", status: .ready, capabilities: ["web"]))
            _ = try await store.createIssue(
                NewIssue(project: .id(project.id), title: "Swift work", status: .ready, capabilities: ["swift"]))
            let claimed = try await Self.call(client, "claim_next_issue", ["capabilities": ["swift", "backend"]])
            let work = try #require(claimed.structuredContent?.objectValue, "\(Self.text(claimed))")
            #expect(work["issue"]?.objectValue?["key"] == "MCP-2" && work["epoch"] == 1)
            let path = try #require(work["worktree_path"]?.stringValue)
            #expect(work["branch_name"]?.stringValue?.hasPrefix("MCP-2/") == true)
            #expect(FileManager.default.fileExists(atPath: path))

            // A mistyped argument refuses the whole call before anything is written.
            let typo = try await Self.call(
                client, "submit_issue_for_review", ["issue_id": "MCP-2", "cleanup_worktree": "true"])
            #expect(typo.isError == true && Self.text(typo).contains("true or false"))
            // Nothing committed yet: submission is refused, saying so.
            let early = try await Self.call(client, "submit_issue_for_review", ["issue_id": "MCP-2", "epoch": 1])
            #expect(early.isError == true && Self.text(early).contains("no commits beyond the base"))

            try "print(\"hi\")\n".write(toFile: path + "/main.swift", atomically: true, encoding: .utf8)
            let dirty = try await Self.call(client, "get_worktree_status", ["worktree_path": .string(path)])
            #expect(
                dirty.structuredContent?.objectValue?["status"]?.objectValue?["uncommitted"]?.arrayValue?.count == 1)
            try await GitRunner().run(["add", "-A"], in: path)
            try await GitRunner().run(["-c", "user.email=a@a", "-c", "user.name=a", "commit", "-qm", "hi"], in: path)

            let beat = try await Self.call(client, "heartbeat", ["issue_id": "mcp-2", "epoch": 1])
            #expect(beat.isError == false && beat.structuredContent?.objectValue?["epoch"] == 1)
            let stale = try await Self.call(client, "heartbeat", ["issue_id": "MCP-2", "epoch": 7])
            #expect(stale.isError == true && Self.text(stale).contains("stale"))
            let progress = try await Self.call(
                client, "report_progress", ["issue_id": "MCP-2", "message": "greeting printed", "percent": 80])
            #expect(progress.isError == false)

            let submitted = try await Self.call(client, "submit_issue_for_review", ["issue_id": "MCP-2"])
            #expect(submitted.isError == false, "\(Self.text(submitted))")
            let status = submitted.structuredContent?.objectValue?["issue"]?.objectValue?["status"]
            #expect(status == "testing" && submitted.structuredContent?.objectValue?["commits"] == 1)
            #expect(try await store.currentLease(of: .key(try #require(IssueKey(parsing: "MCP-2")))) == nil)
            let log = try await store.workLogs(of: .key(try #require(IssueKey(parsing: "MCP-2")))).first
            #expect(log?.outcome == .submitted && log?.worktreePath == path && log?.commit?.count == 40)

            // Agents triage, but do not move work, close issues or drop blockers.
            let escalate = try await Self.call(client, "update_issue", ["issue_id": "MCP-2", "status": "review"])
            #expect(escalate.isError == true && Self.text(escalate).contains("work moves through"))
            let close = try await Self.call(client, "update_issue", ["issue_id": "MCP-1", "status": "closed"])
            #expect(close.isError == true && Self.text(close).contains("agents do not close issues"))
            let unblock = try await Self.call(
                client, "remove_blocker", ["blocking_issue_id": "MCP-1", "blocked_issue_id": "MCP-2"])
            #expect(unblock.isError == true && Self.text(unblock).contains("for people"))
            // Only web work is left: this agent has no match.
            let none = try await Self.call(client, "claim_next_issue", ["capabilities": ["swift"]])
            #expect(none.structuredContent?.objectValue?["issue"] == .null)
        }
    }

    @Test func aPersonNamesTheAgentAndReportsBlocked() async throws {
        try await Self.withClient(caller: .person("ana")) { client, store, _ in
            let project = try await store.projects()[0]
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Flaky", status: .ready))
            let anonymous = try await Self.call(client, "claim_next_issue")
            #expect(anonymous.isError == true && Self.text(anonymous).contains("agent identity"))
            let started = try await Self.call(
                client, "start_work_on_issue", ["issue_id": "MCP-1", "started_by": "ai:claude"])
            #expect(started.structuredContent?.objectValue?["lease"]?.objectValue?["agent"] == "claude")
            let blocked = try await Self.call(
                client, "report_blocked", ["issue_id": "MCP-1", "reason": "the staging database is down"])
            #expect(blocked.structuredContent?.objectValue?["status"] == "open")
            let comments = try await Self.call(client, "get_issue_comments", ["issue_id": "MCP-1"])
            let first = comments.structuredContent?.objectValue?["comments"]?.arrayValue?.first?.objectValue
            #expect(first?["body"] == "Blocked: the staging database is down" && first?["author"] == "ai:claude")
            let worktrees = try await Self.call(client, "list_worktrees")
            #expect(worktrees.structuredContent?.objectValue?["worktrees"]?.arrayValue?.count == 1)
        }
    }

    /// Under `up` the agent's MCP session never started the work: the coordinator did, with the agent's id. The agent
    /// sees its lease in get_issue and its work calls without an epoch act under it; another agent's calls, and calls
    /// after the lease is gone, are refused naming the live lease.
    @Test func workStartedForTheAgentIsSubmittedWithoutAnEpoch() async throws {
        try await Self.withClient(caller: .agent("claude-1")) { client, store, sandbox in
            let project = try await store.projects()[0]
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Greet", status: .ready))
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Other", status: .ready))
            let work = WorkService(
                worktrees: try WorktreeService(store: store, repository: sandbox.repository))
            // The coordinator starts the work for claude-1 (as the scheduler does) and for someone else.
            let started = try await work.start(try IssueRef(parsing: "MCP-1"), agent: "claude-1")
            _ = try await work.start(try IssueRef(parsing: "MCP-2"), agent: "codex-1")

            let issue = try await Self.call(client, "get_issue", ["issue_id": "MCP-1"])
            let lease = issue.structuredContent?.objectValue?["lease"]?.objectValue
            #expect(lease?["epoch"] == 1 && lease?["agent"] == "claude-1", "\(Self.text(issue))")
            let foreign = try await Self.call(client, "get_issue", ["issue_id": "MCP-2"])
            #expect(foreign.structuredContent?.objectValue?["lease"] == nil, "no one else's lease is shown")

            let progress = try await Self.call(
                client, "report_progress", ["issue_id": "MCP-1", "message": "writing the greeting"])
            #expect(progress.isError == false, "\(Self.text(progress))")
            let other = try await Self.call(client, "submit_issue_for_review", ["issue_id": "MCP-2"])
            #expect(
                other.isError == true && Self.text(other).contains("the live lease (epoch 1) is held by codex-1"),
                "\(Self.text(other))")

            let path = started.worktree.path
            try "hello\n".write(toFile: path + "/greeting.txt", atomically: true, encoding: .utf8)
            try await GitRunner().run(["add", "-A"], in: path)
            try await GitRunner().run(["-c", "user.email=a@a", "-c", "user.name=a", "commit", "-qm", "hi"], in: path)
            let submitted = try await Self.call(client, "submit_issue_for_review", ["issue_id": "MCP-1"])
            #expect(submitted.isError == false, "\(Self.text(submitted))")
            let again = try await Self.call(client, "submit_issue_for_review", ["issue_id": "MCP-1"])
            #expect(again.isError == true && Self.text(again).contains("no live lease"), "\(Self.text(again))")
        }
    }

    /// A per-session token is bound to its lease: once that lease is gone, a call from it without an epoch is refused
    /// even though the same agent holds a newer lease on the issue (an old process cannot hand in the new run's work).
    @Test func aSessionTokenActsOnlyOnItsOwnLease() async throws {
        var caller = Caller.agent("claude-1")
        caller.session = Caller.SessionLease(issue: "MCP-1", epoch: 1)
        #expect(Caller.SessionLease(tokenName: caller.session?.tokenName) == caller.session)
        try await Self.withClient(caller: caller) { client, store, sandbox in
            let project = try await store.projects()[0]
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Greet", status: .ready))
            let work = WorkService(worktrees: try WorktreeService(store: store, repository: sandbox.repository))
            let first = try await work.start(try IssueRef(parsing: "MCP-1"), agent: "claude-1")
            _ = try await work.release(.id(first.issue.id), agent: "claude-1", epoch: 1, reason: "lease lost")
            let second = try await work.start(try IssueRef(parsing: "MCP-1"), agent: "claude-1")
            #expect(second.lease.epoch == 2)
            let stale = try await Self.call(
                client, "report_progress", ["issue_id": "MCP-1", "message": "still on the old run"])
            #expect(stale.isError == true && Self.text(stale).contains("stale"), "\(Self.text(stale))")
        }
    }

    /// Agents write as themselves and do not assign: a comment in a person's name and an issue created with an
    /// assignee are refused with nothing written; a person may do both.
    @Test func agentsCommentAsThemselvesAndDoNotAssign() async throws {
        try await Self.withClient(caller: .agent("claude-1")) { client, store, _ in
            let project = try await store.projects()[0]
            _ = try await store.createIssue(NewIssue(project: .id(project.id), title: "Greet", status: .ready))
            let forged = try await Self.call(
                client, "add_comment", ["issue_id": "MCP-1", "content": "LGTM", "author_name": "user:ana"])
            #expect(forged.isError == true && Self.text(forged).contains("agents comment as themselves"))
            let own = try await Self.call(
                client, "add_comment", ["issue_id": "MCP-1", "content": "on it", "author_name": "ai:claude-1"])
            #expect(own.isError == false)
            let assigned = try await Self.call(
                client, "create_issue",
                ["title": "Mine", "type": "task", "priority": "low", "assignee": "claude-1"])
            #expect(assigned.isError == true && Self.text(assigned).contains("agents do not assign"))
            #expect(try await store.comments(of: try IssueRef(parsing: "MCP-1")).map(\.author) == ["ai:claude-1"])
            #expect(try await store.countIssues(IssueFilter()) == 1)
        }
    }
}
