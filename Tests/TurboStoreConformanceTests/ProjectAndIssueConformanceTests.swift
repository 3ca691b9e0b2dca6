import Foundation
import Testing
import TurboCore

/// Projects, keys, issue fields, updates and filters: the same behaviour from every store.
@Suite(.timeLimit(.minutes(2)))
struct ProjectAndIssueConformanceTests {
    @Test(arguments: StoreKind.enabled)
    func projectsHaveUniqueImmutableKeys(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            let project = try await store.createProject(NewProject(key: try ProjectKey("turbo"), name: "Turbo"))
            #expect(project.key.rawValue == "TURBO")
            let duplicate = await #expect(throws: TurboError.self) {
                try await store.createProject(NewProject(key: try ProjectKey("TURBO"), name: "Again"))
            }
            #expect(duplicate == .duplicateProjectKey("TURBO"))
            #expect(try await store.project(.key(try ProjectKey("Turbo"))).id == project.id)
            #expect(try await store.project(.id(project.id)).key == project.key)
            #expect(try await store.projects().map(\.key.rawValue) == ["TURBO"])
            await #expect(throws: TurboError.projectNotFound("NOPE")) {
                try await store.project(.key(try ProjectKey("NOPE")))
            }
        }
    }

    @Test(arguments: StoreKind.enabled)
    func issueKeysCountPerProjectFromOne(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeProject(store, key: "OTHER")
            let first = try await makeIssue(store, "one")
            let second = try await makeIssue(store, "two")
            let other = try await makeIssue(store, "elsewhere", project: "OTHER")
            #expect(
                [first.key.description, second.key.description, other.key.description] == [
                    "TEST-1", "TEST-2", "OTHER-1",
                ])
            #expect(try await store.issue(ref("test-2")).id == second.id)
            #expect(try await store.issue(.id(first.id)).title == "one")
        }
    }

    /// A NUL or another control character in free text is refused the same way by every store (SQLite used to cut
    /// the text at a NUL, PostgreSQL to fail), and nothing is written; newline, tab and CRLF pass.
    @Test(arguments: StoreKind.enabled)
    func controlCharactersInTextAreRefusedAlike(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            for text in ["keep\u{0}lost", "bell\u{7}", "escape\u{1B}[31m", "lone\rreturn", "c1\u{85}"] {
                let refused = await #expect(throws: TurboError.self) {
                    try await store.createIssue(
                        NewIssue(project: .key(try ProjectKey("TEST")), title: "Text", description: text))
                }
                guard case .invalidInput(let message) = refused else {
                    Issue.record("expected invalid input, got \(String(describing: refused))")
                    continue
                }
                #expect(message.contains("description contains the control character"), "\(message)")
            }
            #expect(try await store.issues(IssueFilter()).isEmpty)
            let issue = try await store.createIssue(
                NewIssue(
                    project: .key(try ProjectKey("TEST")), title: "Text", description: "line\r\nnext\n\tindented"))
            #expect(try await store.issue(.id(issue.id)).description == "line\r\nnext\n\tindented")
            await #expect(throws: TurboError.self) {
                try await store.addComment(to: .id(issue.id), author: "user:ana", body: "keep\u{0}lost")
            }
            await #expect(throws: TurboError.self) {
                try await store.updateIssue(.id(issue.id), IssueChanges(description: "a\u{0}b"))
            }
            #expect(try await store.comments(of: .id(issue.id)).isEmpty)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func issueFieldsRoundTrip(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            let created = try await store.createIssue(
                NewIssue(
                    project: .key(try ProjectKey("TEST")), title: "  Parse the config  ", description: "YAML",
                    type: .bug, priority: .critical, status: .ready, capabilities: ["Swift", "swift", "backend"],
                    paths: ["Sources/Config/**"], createdBy: "user:ana", workRank: 3))
            let read = try await store.issue(.key(created.key))
            #expect(read == created)
            #expect(read.title == "Parse the config")
            #expect(read.capabilities == ["swift", "backend"])
            #expect(read.paths == ["Sources/Config/**"])
            #expect(read.type == .bug && read.priority == .critical && read.status == .ready)
            #expect(read.workRank == 3 && read.createdBy == "user:ana" && read.closedReason == nil)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func updatesChangeFieldsAndWriteOneEvent(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            let issue = try await makeIssue(store, "old", rank: 2)
            let before = try await lastEventID(store)
            let updated = try await store.updateIssue(
                .key(issue.key), IssueChanges(title: "new", priority: .high, paths: ["docs/**"], workRank: .some(nil)))
            #expect(updated.title == "new" && updated.priority == .high && updated.paths == ["docs/**"])
            #expect(updated.workRank == nil)
            let events = try await store.events(after: before, limit: 10)
            #expect(events.map(\.type) == ["issue.updated"])
            #expect(events.first?.payload["changed"] == .array(["title", "priority", "paths", "work_rank"]))
            // Nothing changes: no event.
            _ = try await store.updateIssue(.key(issue.key), IssueChanges(title: "new"))
            #expect(try await lastEventID(store) == events.last?.id)
            await #expect(throws: TurboError.self) {
                try await store.updateIssue(.key(issue.key), IssueChanges(title: "   "))
            }
        }
    }

    @Test(arguments: StoreKind.enabled)
    func filtersCombine(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            try await makeProject(store, key: "OTHER")
            try await makeIssue(store, "a", priority: .high, status: .ready)
            try await makeIssue(store, "b", priority: .high)
            try await makeIssue(store, "c", priority: .low, status: .ready)
            try await makeIssue(store, "d", project: "OTHER", priority: .high, status: .ready)
            _ = try await store.updateIssue(ref("TEST-3"), IssueChanges(capabilities: ["swift"]))
            let test = ProjectRef.key(try ProjectKey("TEST"))
            let highReady = try await store.issues(IssueFilter(project: test, statuses: [.ready], priority: .high))
            #expect(highReady.map(\.key.description) == ["TEST-1"])
            #expect(
                try await store.issues(IssueFilter(priority: .high)).map(\.key.description) == [
                    "OTHER-1", "TEST-1", "TEST-2",
                ])
            #expect(try await store.issues(IssueFilter(capability: "SWIFT")).map(\.key.description) == ["TEST-3"])
            #expect(try await store.countIssues(IssueFilter(project: test)) == 3)
            #expect(
                try await store.issues(IssueFilter(project: test, limit: 1, offset: 1)).map(\.key.description) == [
                    "TEST-2"
                ])
            #expect(try await store.issues(IssueFilter(type: .bug)).isEmpty)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func commentsAndWorkLogs(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store in
            try await makeProject(store)
            let issue = try await makeIssue(store, "work")
            _ = try await store.addComment(to: .key(issue.key), author: "ana", body: "first")
            _ = try await store.addComment(to: .key(issue.key), author: "ai:backend-1", body: "second")
            let comments = try await store.comments(of: .key(issue.key))
            #expect(comments.map(\.body) == ["first", "second"])
            #expect(comments.map(\.author) == ["user:ana", "ai:backend-1"])
            await #expect(throws: TurboError.self) {
                try await store.addComment(to: .key(issue.key), author: "ana", body: " ")
            }

            let log = try await store.startWorkLog(
                on: .key(issue.key),
                NewWorkLog(startedBy: "ai:claude", worktreePath: "/w/test-1", branchName: "TEST-1/work"))
            #expect(log.isActive && log.worktreePath == "/w/test-1" && log.branchName == "TEST-1/work")
            await #expect(throws: TurboError.activeWorkLogExists(issue: "TEST-1")) {
                try await store.startWorkLog(on: .key(issue.key), NewWorkLog(startedBy: "ai:other"))
            }
            #expect(try await store.activeWorkLogs().map(\.id) == [log.id])
            let ended = try await store.endWorkLog(
                on: .key(issue.key), WorkLogEnd(outcome: .submitted, commit: "abc123", inputTokens: 10, costUSD: 0.5))
            #expect(!ended.isActive && ended.outcome == .submitted && ended.commit == "abc123" && ended.costUSD == 0.5)
            await #expect(throws: TurboError.noActiveWorkLog(issue: "TEST-1")) {
                try await store.endWorkLog(on: .key(issue.key), WorkLogEnd(outcome: .released))
            }
            #expect(try await store.workLogs(of: .key(issue.key)).map(\.outcome) == [.submitted])
            #expect(try await store.activeWorkLogs().isEmpty)
            #expect(
                try await eventTypes(store).suffix(4)
                    == ["comment.added", "comment.added", "worklog.started", "worklog.ended"])
        }
    }
}
