import Foundation
import Testing
import TurboCore

@Suite struct DependencyGraphTests {
    @Test func cycleIsNamedFromTheNewEdge() {
        let edges = ["B": ["C"], "C": ["D"], "X": ["A"]]
        #expect(DependencyGraph.cycle(adding: "D", blocks: "B", edges: edges) == ["D", "B", "C", "D"])
        #expect(DependencyGraph.cycle(adding: "A", blocks: "B", edges: edges) == nil)
        #expect(DependencyGraph.cycle(adding: "A", blocks: "A", edges: [:]) == ["A", "A"])
    }

    @Test func chainPutsBlockersFirstAndEndsWithTheIssue() {
        // D is blocked by B and C; B by A; C by A.
        let blockers = ["D": ["C", "B"], "B": ["A"], "C": ["A"]]
        #expect(DependencyGraph.chain(of: "D", blockers: blockers) == ["A", "B", "C", "D"])
        #expect(DependencyGraph.chain(of: "A", blockers: blockers) == ["A"])
    }
}

@Suite struct DependencyLayoutTests {
    /// `number` of project GR, with its blockers by number; `closed` as done unless another reason is given.
    static func issue(
        _ number: Int, _ status: IssueStatus, blockedBy: [Int] = [], blocks: [Int] = [], reason: ClosedReason? = nil
    ) throws -> TurboCore.Issue {
        let project = try ProjectKey("GR")
        let key = { (number: Int) in IssueKey(project: project, number: number) }
        let epoch = Date(timeIntervalSince1970: 0)
        return TurboCore.Issue(
            id: UUID(), projectID: UUID(), key: key(number), title: "Issue \(number)", description: "", type: .task,
            priority: .medium, status: status, capabilities: [], paths: [], createdBy: nil, assignedTo: nil,
            workRank: nil, closedReason: status == .closed ? reason ?? .done : nil, createdAt: epoch,
            updatedAt: epoch, closedAt: nil, blockedBy: blockedBy.map(key), blocks: blocks.map(key))
    }

    @Test func blockersGoLeftOfWhatTheyBlockWithEachIssuesState() throws {
        // 1 (done) → 2 (in review) → 4 (ready, so blocked by 3 too); 3 (open) → 4; 5 ready on its own; 6 closed as
        // won't-do blocks 7; 8 closed long ago with no open neighbour.
        let issues: [TurboCore.Issue] = [
            try Self.issue(1, .closed, blocks: [2]), try Self.issue(2, .review, blockedBy: [1], blocks: [4]),
            try Self.issue(3, .open, blocks: [4]), try Self.issue(4, .ready, blockedBy: [2, 3]),
            try Self.issue(5, .ready), try Self.issue(6, .closed, blocks: [7], reason: .wontFix),
            try Self.issue(7, .ready, blockedBy: [6]), try Self.issue(8, .closed),
        ]
        let layout = DependencyLayout(issues: issues)
        var layers: [Int: Int] = [:]
        var states: [Int: DependencyLayout.State] = [:]
        for node in layout.nodes {
            layers[node.key.number] = node.layer
            states[node.key.number] = node.state
        }
        #expect(layers.keys.sorted() == [1, 2, 3, 4, 5, 6, 7], "a closed issue with no open neighbour is left out")
        #expect(layers == [1: 0, 2: 1, 3: 0, 4: 2, 5: 0, 6: 0, 7: 1])
        #expect(states == [1: .done, 2: .inFlight, 3: .open, 4: .blocked, 5: .ready, 6: .closed, 7: .blocked])
        let edges = layout.edges.map { "\($0.blocker.number)→\($0.blocked.number) \($0.holding)" }
        #expect(edges == ["1→2 false", "2→4 true", "3→4 true", "6→7 true"])
        // No two boxes overlap, and every box is inside the picture.
        for node in layout.nodes {
            #expect(node.x + DependencyLayout.nodeWidth <= layout.width)
            #expect(node.y + DependencyLayout.nodeHeight <= layout.height)
            #expect(!layout.nodes.contains { $0 != node && $0.layer == node.layer && $0.row == node.row })
        }
        #expect(DependencyLayout(issues: issues, includeAllClosed: true).nodes.count == 8)
        #expect(DependencyLayout(issues: []).nodes.isEmpty)
    }

    @Test func rowsFollowTheirBlockersToKeepEdgesShort() throws {
        // 1 and 2 in the first column; 4 blocked by 2 and 3 by 1 (numbered against their blockers' order).
        let issues: [TurboCore.Issue] = [
            try Self.issue(1, .ready, blocks: [3]), try Self.issue(2, .ready, blocks: [4]),
            try Self.issue(4, .open, blockedBy: [2]), try Self.issue(3, .open, blockedBy: [1]),
        ]
        let layout = DependencyLayout(issues: issues)
        var rows: [Int: Int] = [:]
        for node in layout.nodes { rows[node.key.number] = node.row }
        #expect(rows[3] == rows[1] && rows[4] == rows[2])
    }
}

@Suite struct PathGlobTests {
    @Test(arguments: [
        ("Sources/Core/**", "Sources/Core/Model.swift", true), ("Sources/Core", "Sources/Core/a/b.swift", true),
        ("Sources/*/Models", "Sources/Core/Models/X.swift", true), ("docs/**", "Sources/**", false),
        ("*.md", "README.md", true), ("*.md", "main.swift", false), ("Sources/A/*.swift", "Sources/B/x.swift", false),
        ("**/*.swift", "docs/readme.md", true), ("a/b", "a/c", false), ("src/test_*.py", "src/test_x.py", true),
    ])
    func overlaps(lhs: String, rhs: String, expected: Bool) {
        #expect(PathGlob.overlaps(lhs, rhs) == expected)
        #expect(PathGlob.overlaps(rhs, lhs) == expected)
    }
}

@Suite struct WorkQueueTests {
    static let now = Date(timeIntervalSince1970: 100 * 86_400)

    static func candidate(
        _ key: String, _ priority: IssuePriority, ageDays: Double = 0, rank: Int? = nil, paths: [String] = [],
        blockers: [QueueBlocker] = [], blocks: Int = 0
    ) -> QueueCandidate {
        QueueCandidate(
            id: UUID(), key: testKey(key), title: key, priority: priority, capabilities: [], paths: paths,
            workRank: rank, createdAt: now.addingTimeInterval(-ageDays * 86_400), blockers: blockers,
            blocksCount: blocks)
    }

    @Test func scoreIsExactlyTheDesignFormula() {
        let parts = WorkQueue.score(
            Self.candidate("TT-1", .high, ageDays: 10, blocks: 3), hasOpenBlockers: false, now: Self.now)
        #expect(parts == ScoreParts(priority: 50, noBlockers: 20, age: 5, blocks: 15))
        #expect(parts.total == 90)
        let old = WorkQueue.score(Self.candidate("TT-2", .low, ageDays: 400), hasOpenBlockers: true, now: Self.now)
        #expect(old == ScoreParts(priority: 10, noBlockers: 0, age: 20, blocks: 0))
        for (priority, weight) in [(IssuePriority.critical, 100.0), (.high, 50), (.medium, 25), (.low, 10)] {
            #expect(
                WorkQueue.score(Self.candidate("TT-3", priority), hasOpenBlockers: false, now: Self.now).priority
                    == weight)
        }
    }

    @Test func rankThenScoreThenAgeThenKey() {
        let blocker = QueueBlocker(key: testKey("TT-9"), status: .inProgress, closedReason: nil)
        let done = QueueBlocker(key: testKey("TT-8"), status: .closed, closedReason: .merged)
        let snapshot = QueueSnapshot(
            now: Self.now,
            candidates: [
                Self.candidate("TT-1", .medium, ageDays: 1),
                Self.candidate("TT-2", .medium, ageDays: 1),
                Self.candidate("TT-3", .medium, ageDays: 2),
                Self.candidate("TT-4", .low, rank: 2),
                Self.candidate("TT-5", .low, rank: 1),
                Self.candidate("TT-6", .critical, blockers: [blocker]),
                Self.candidate("TT-7", .high, blockers: [done]),
                Self.candidate("TT-10", .critical, paths: ["src/**"]),
            ],
            inFlight: [InFlightIssue(key: testKey("TT-9"), status: .inProgress, paths: ["src/app.swift"])])
        let queue = WorkQueue.rank(snapshot)
        #expect(
            queue.map(\.candidate.key.description) == ["TT-5", "TT-4", "TT-7", "TT-3", "TT-1", "TT-2", "TT-10", "TT-6"])
        #expect(queue.filter(\.isEligible).count == 6)
        // Ineligible issues keep the same order: TT-10 (120) before TT-6 (100, no unblocked bonus).
        #expect(queue[6].reason?.description == "paths overlap TT-9 (in flight): src/** ~ src/app.swift")
        #expect(queue[7].reason?.description == "blocked by TT-9 (in_progress)")
    }
}

/// A key known to be valid in a test.
func testKey(_ text: String) -> IssueKey {
    guard let key = IssueKey(parsing: text) else { preconditionFailure("invalid test key \(text)") }
    return key
}
