import ArgumentParser
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The work queue: eligible issues in order with their scores, then blocked ones with the reason.",
            discussion: """
                score = priority (critical 100, high 50, medium 25, low 10) + 20 with no open blockers \
                + min(age in days × 0.5, 20) + 5 × open issues it blocks. A manual work rank comes first; ties go to \
                the older issue, then the key.
                """)
        @OptionGroup var global: GlobalOptions

        @Option(help: "The project key (default: this repository's project).")
        var project: String?

        func run() async throws {
            let entries = try await global.withStore { store, repository in
                let project = try await ProjectSetup.resolve(self.project, repository: repository, store: store)
                return try await store.queue(project: .id(project.id))
            }
            var position = 0
            let documents = entries.map { entry -> QueueEntryDocument in
                if entry.isEligible { position += 1 }
                return QueueEntryDocument(entry, position: entry.isEligible ? position : nil)
            }
            try global.emit(documents, text: Self.text(entries))
        }

        static func text(_ entries: [QueueEntry]) -> String {
            let eligible = entries.filter(\.isEligible)
            let waiting = entries.filter { !$0.isEligible }
            var text = ""
            if eligible.isEmpty {
                text += "No eligible issues."
            } else {
                text += Format.table(
                    ["#", "KEY", "RANK", "SCORE", "PRIORITY+UNBLOCKED+AGE+BLOCKS", "TITLE"],
                    eligible.enumerated().map { index, entry in
                        [
                            "\(index + 1)", entry.candidate.key.description,
                            entry.candidate.workRank.map(String.init) ?? "-",
                            Format.score(entry.score),
                            [entry.parts.priority, entry.parts.noBlockers, entry.parts.age, entry.parts.blocks]
                                .map(Format.score).joined(separator: "+"),
                            entry.candidate.title,
                        ]
                    })
            }
            if !waiting.isEmpty {
                text += "\n\nReady but not eligible:\n"
                text += Format.table(
                    ["KEY", "SCORE", "REASON"],
                    waiting.map {
                        [$0.candidate.key.description, Format.score($0.score), $0.reason?.description ?? ""]
                    })
            }
            return text
        }
    }
}
