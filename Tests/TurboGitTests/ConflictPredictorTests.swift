import Foundation
import Testing
import TurboCore
import TurboGit

@Suite(.timeLimit(.minutes(1)))
struct ConflictPredictorTests {
    @Test func realConflictsBetweenBranchesAndWithTheBaseAndACleanPair() async throws {
        let fixture = try await GitFixture()
        defer { fixture.remove() }
        var branches: [IssueKey: String] = [:]
        // A and B edit the same line: a content conflict. C edits another line of the same file: overlap, but clean.
        // D touches only its own file. E conflicts with the base, which moves after E branched.
        func app(_ replacements: [Int: String]) -> String {
            (1...10).map { "\(replacements[$0] ?? "line \($0)")\n" }.joined()
        }
        let edits: [(String, String, String)] = [
            ("SHOP-1", "src/app.txt", app([2: "line TWO by A"])),
            ("SHOP-2", "src/app.txt", app([2: "line two by B"])),
            ("SHOP-3", "src/app.txt", app([9: "line nine by C"])),
            ("SHOP-4", "docs/d.txt", "d\n"),
            ("SHOP-5", "README.md", "hello from E\n"),
        ]
        for (issue, file, text) in edits {
            let worktree = try await fixture.worktrees.create(for: key(issue), title: issue, baseBranch: "main")
            try fixture.write(file, text, in: worktree.path)
            try await fixture.commitAll(issue, in: worktree.path)
            branches[key(issue)] = worktree.branch
        }
        try fixture.write("README.md", "hello from main\n")
        try await fixture.commitAll("main moves", in: fixture.repo)

        let predictor = ConflictPredictor(repository: fixture.worktrees.repository)
        let (results, cache) = try await predictor.predict(branches: branches, baseBranch: "main")
        func find(_ a: String, _ b: String?) -> PredictedConflict? {
            results.first { $0.issue == key(a) && $0.other == b.map(key) }
        }
        #expect(find("SHOP-1", "SHOP-2")?.paths == ["src/app.txt"])
        #expect(find("SHOP-1", "SHOP-3")?.paths == [])
        #expect(find("SHOP-5", nil)?.paths == ["README.md"])
        #expect(!results.contains { $0.issue == key("SHOP-4") || $0.other == key("SHOP-4") })
        #expect(find("SHOP-2", "SHOP-3")?.paths == [])
        #expect(results.filter { !$0.paths.isEmpty }.count == 2)  // SHOP-1 ~ SHOP-2, SHOP-5 ~ base

        // Nothing moved: every merge comes from the cache, no merge-tree runs.
        let statistics = GitRunner.Statistics()
        let cached = ConflictPredictor(
            repository: GitRepository(root: fixture.repo, runner: GitRunner(statistics: statistics)))
        let (again, _) = try await cached.predict(branches: branches, baseBranch: "main", cache: cache)
        #expect(Set(again.map(\.paths)) == Set(results.map(\.paths)))
        #expect(statistics.snapshot.count == 1 + branches.count + 2 * branches.count)
    }
}
