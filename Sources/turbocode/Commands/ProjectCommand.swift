import ArgumentParser
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct ProjectCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "project", abstract: "List and show projects.", subcommands: [List.self, Show.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List every project in the database.")
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let projects = try await global.withStore { store, _ in try await store.projects() }
                try global.emit(
                    projects.map { ProjectDocument($0) },
                    text: projects.isEmpty
                        ? "No projects. Run 'turbocode init' in a git repository."
                        : Format.table(
                            ["KEY", "NAME", "BASE", "REPOSITORY"],
                            projects.map { [$0.key.rawValue, $0.name, $0.baseBranch, $0.repositoryPath ?? "-"] }))
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show a project (default: this repository's), with issue counts by status.")
            @OptionGroup var global: GlobalOptions

            @Argument(help: "A project key or id.")
            var project: String?

            func run() async throws {
                let (project, counts) = try await global.withStore { store, repository in
                    let project = try await ProjectSetup.resolve(self.project, repository: repository, store: store)
                    var counts: [(IssueStatus, Int)] = []
                    for status in IssueStatus.allCases {
                        counts.append(
                            (
                                status,
                                try await store.countIssues(IssueFilter(project: .id(project.id), statuses: [status]))
                            ))
                    }
                    return (project, counts)
                }
                var text = """
                    \(project.key)  \(project.name)
                    id:          \(project.id.lowercasedString)
                    repository:  \(project.repositoryPath ?? "-")
                    base branch: \(project.baseBranch)
                    created:     \(Format.date(project.createdAt))
                    """
                let nonEmpty = counts.filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
                text += "\nissues:      " + (nonEmpty.isEmpty ? "none" : nonEmpty.joined(separator: ", "))
                try global.emit(
                    ProjectDocument(project, issueCounts: Dictionary(uniqueKeysWithValues: counts)), text: text)
            }
        }
    }
}
