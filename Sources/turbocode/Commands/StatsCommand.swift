import ArgumentParser
import Foundation
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct StatsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "The project's success metrics: throughput, review and verification pass rates, utilization.",
            discussion: """
                Issues closed per day; the review pass rate (issues approved on their first review decision, \
                automatic approvals included); the verification pass rate (of all verification runs); agent \
                utilization (time agents held work sessions over the window, per agent and overall); conflicts \
                found at verification or merge per 100 commits verified; the mean and p90 time from submission to \
                merge; tokens and cost per issue, as the agents' CLIs reported them. The same document is served \
                at GET /api/v1/stats.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The window's start: a span back from now (7d, 12h, 30m) or an ISO-8601 date (default 30d).")
        var since: String?

        func run() async throws {
            var start: Date?
            if let since {
                guard let date = StatsService.parseSince(since) else {
                    throw ValidationError("--since is a span like 7d, 12h or 30m, or an ISO-8601 date, not '\(since)'")
                }
                start = date
            }
            let window = start
            let stats = try await global.withStore { store, repository in
                let project = try await ProjectSetup.resolve(nil, repository: repository, store: store)
                return try await StatsService.compute(store: store, project: .id(project.id), since: window)
            }
            try global.emit(stats, text: StatsService.text(stats))
        }
    }
}
