import ArgumentParser
import Foundation
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct Inbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What needs a person: what broke, then what waits for a decision, oldest first.",
            discussion: """
                Broke: a merge that failed (merge_failed), an issue turboCode stopped retrying (set_aside), a paused \
                driver with its reset time (driver_paused), a tool call an agent was refused (permission_denied), a \
                monitor's alert. Decision: verified work waiting for review (review_waiting), an agent's question \
                (agent_blocked), a predicted conflict (conflict_predicted). The same list as GET /api/v1/attention \
                and the MCP tool get_attention.
                """)
        @OptionGroup var global: GlobalOptions

        @Option(help: "Only this project's issues (default: every project).")
        var project: String?

        func run() async throws {
            let now = Date()
            let items = try await global.withStore { store, _ in
                let project = try self.project.map { try ProjectRef(parsing: $0) }
                return try await AttentionService(store: store).items(project: project, now: now)
            }
            try global.emit(AttentionDocument(items: items, now: now), text: Self.text(items, now: now))
        }

        static func text(_ items: [AttentionItem], now: Date) -> String {
            guard !items.isEmpty else { return "Nothing needs you." }
            var sections: [String] = []
            for need in [AttentionItem.Need.broken, .decision] {
                let part = items.filter { $0.need == need }
                guard !part.isEmpty else { continue }
                let heading = need == .broken ? "Broke (\(part.count)):" : "Needs a decision (\(part.count)):"
                sections.append(
                    heading + "\n"
                        + Format.table(
                            ["KIND", "SUBJECT", "AGE", "WHAT", "DO"],
                            part.map { item in
                                [
                                    item.kind.rawValue, item.subject, age(now.timeIntervalSince(item.since)),
                                    [item.title, item.message].compactMap { $0 }.joined(separator: ": ")
                                        + (item.until.map { " (until \(Format.date($0)))" } ?? ""),
                                    item.actions.joined(separator: ", "),
                                ]
                            }))
            }
            return sections.joined(separator: "\n\n")
        }

        /// `45s`, `12m`, `3h`, `2d`.
        static func age(_ seconds: TimeInterval) -> String {
            let seconds = max(0, Int(seconds))
            if seconds < 60 { return "\(seconds)s" }
            if seconds < 3_600 { return "\(seconds / 60)m" }
            if seconds < 86_400 { return "\(seconds / 3_600)h" }
            return "\(seconds / 86_400)d"
        }
    }
}
