import Foundation
import Testing
import TurboCore

@Suite struct StateMachineTests {
    /// Every pair of states: exactly the edges of DESIGN §3 are allowed.
    @Test func onlyTheDesignedTransitionsAreAllowed() {
        let allowed: Set<String> = [
            "open>ready", "open>closed", "ready>assigned", "ready>closed", "assigned>in_progress",
            "assigned>ready", "assigned>open", "in_progress>testing", "in_progress>ready", "in_progress>open",
            "testing>in_progress", "testing>review",
            "review>in_progress", "review>closed", "closed>open",
        ]
        for from in IssueStatus.allCases {
            for to in IssueStatus.allCases {
                #expect(from.canTransition(to: to) == allowed.contains("\(from)>\(to)"), "\(from) → \(to)")
            }
        }
    }

    @Test func applyingATransitionSetsTheFieldsThatGoWithIt() throws {
        var issue = Self.issue(status: .review)
        issue.assignedTo = "backend-1"
        let now = Date(timeIntervalSince1970: 1_000)
        try IssueTransition.apply(to: &issue, status: .closed, reason: .merged, now: now)
        #expect(issue.status == .closed && issue.closedReason == .merged && issue.closedAt == now)
        try IssueTransition.apply(to: &issue, status: .open, reason: nil, now: now)
        #expect(issue.closedReason == nil && issue.closedAt == nil && issue.assignedTo == nil)
    }

    @Test func invalidTransitionsNameBothStatesAndChangeNothing() {
        var issue = Self.issue(status: .open)
        let before = issue
        let error = #expect(throws: TurboError.self) {
            try IssueTransition.apply(to: &issue, status: .review, reason: nil, now: Date())
        }
        #expect(error == .invalidTransition(issue: "TT-1", from: .open, to: .review))
        #expect(error?.description == "TT-1 cannot go from open to review (from open it can go to: ready, closed)")
        #expect(issue == before)
        #expect(throws: TurboError.self) {
            try IssueTransition.apply(to: &issue, status: .closed, reason: nil, now: Date())
        }
        #expect(throws: TurboError.self) {
            try IssueTransition.apply(to: &issue, status: .ready, reason: .done, now: Date())
        }
    }

    static func issue(status: IssueStatus) -> TurboCore.Issue {
        TurboCore.Issue(
            id: UUID(), projectID: UUID(), key: testKey("TT-1"), title: "t", description: "", type: .task,
            priority: .medium, status: status, capabilities: [], paths: [], createdBy: nil, assignedTo: nil,
            workRank: nil, closedReason: nil, createdAt: Date(timeIntervalSince1970: 0),
            updatedAt: Date(timeIntervalSince1970: 0), closedAt: nil)
    }
}

@Suite struct ValidationTests {
    @Test func newIssuesAreNormalized() throws {
        let project = ProjectRef.key(try ProjectKey("T" + "T"))
        let issue = try NewIssue(
            project: project, title: "  Title ", capabilities: ["Swift", " swift", "C++"], paths: ["a/**", "a/**"]
        ).validated()
        #expect(issue.title == "Title" && issue.capabilities == ["swift", "c++"] && issue.paths == ["a/**"])
        for bad in [
            NewIssue(project: project, title: ""), NewIssue(project: project, title: "a\u{7}b"),
            NewIssue(project: project, title: "x", status: .review),
            NewIssue(project: project, title: "x", workRank: 0),
            NewIssue(project: project, title: "x", capabilities: ["has space"]),
            NewIssue(project: project, title: "x", paths: ["../etc"]),
            NewIssue(project: project, title: "x", paths: ["/abs"]),
        ] {
            #expect(throws: TurboError.self) { try bad.validated() }
        }
    }

    @Test func actorsArePrefixed() throws {
        #expect(try IssueValidation.actor("ana") == "user:ana")
        #expect(try IssueValidation.actor("ai:claude") == "ai:claude")
        #expect(throws: TurboError.self) { try IssueValidation.actor("ai:") }
        #expect(throws: TurboError.self) { try IssueValidation.actor(" ") }
    }
}
