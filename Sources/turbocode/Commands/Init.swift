import ArgumentParser
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the project for this git repository.",
            discussion: """
                Creates the project in the database, the .turbocode/ state directory (ignored by git) and a \
                commented turbocode.yaml when none exists. The key comes from --key, else turbocode.yaml, else is \
                suggested from the directory name. Running it again is harmless.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "The project key: 2–10 letters and digits, starting with a letter (e.g. TURBO).")
        var key: String?

        @Option(help: "A display name (default: the directory name).")
        var name: String?

        func validate() throws {
            if let key {
                do { _ = try ProjectKey(key) } catch { throw ValidationError(error.description) }
            }
        }

        func run() async throws {
            guard let repository = try global.repository() else {
                throw TurboError.notARepository(global.repo ?? "the current directory")
            }
            let outcome = try await global.withStore { store, _ in
                try await ProjectSetup.initialize(repository: repository, key: key, name: name, store: store)
            }
            var lines: [String] = []
            lines.append(
                outcome.createdProject
                    ? "Created project \(outcome.project.key) (\(outcome.project.name)) for \(repository.root)"
                    : "Project \(outcome.project.key) already exists for \(repository.root)")
            if outcome.wroteConfig { lines.append("Wrote \(repository.configFile)") }
            lines.append("Next: turbocode issue add \"First issue\" --ready")
            try global.emit(ProjectDocument(outcome.project), text: lines.joined(separator: "\n"))
        }
    }
}
