import ArgumentParser
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct DepCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dep", abstract: "Dependencies between issues: a blocker must be finished first.",
            discussion: "A blocker is finished when it is closed as done or merged. Cycles are refused.",
            subcommands: [Add.self, Remove.self, Show.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "BLOCKER blocks BLOCKED.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The issue that must be finished first.") var blocker: String
            @Argument(help: "The issue that waits for it.") var blocked: String

            func run() async throws {
                let (blockerRef, blockedRef) = (try IssueRef(parsing: blocker), try IssueRef(parsing: blocked))
                let dependency = try await global.withStore { store, _ in
                    try await store.addDependency(blocker: blockerRef, blocked: blockedRef)
                }
                try global.emit(
                    DependencyEdgeDocument(
                        blocker: dependency.blocker.description, blocked: dependency.blocked.description, removed: false
                    ),
                    text: "\(dependency.blocker) blocks \(dependency.blocked)")
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "rm", abstract: "Remove the dependency BLOCKER → BLOCKED.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The blocking issue.") var blocker: String
            @Argument(help: "The blocked issue.") var blocked: String

            func run() async throws {
                let (blockerRef, blockedRef) = (try IssueRef(parsing: blocker), try IssueRef(parsing: blocked))
                try await global.withStore { store, _ in
                    _ = try await IssueService(store: store).removeDependency(
                        blocker: blockerRef, blocked: blockedRef, caller: .person(currentUserName()))
                }
                try global.emit(
                    DependencyEdgeDocument(
                        blocker: blockerRef.description, blocked: blockedRef.description, removed: true),
                    text: "\(blockerRef) no longer blocks \(blockedRef)")
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "An issue's blockers, the issues it blocks, and its whole blocker chain.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The issue key or id.") var issue: String

            func run() async throws {
                let ref = try IssueRef(parsing: issue)
                let (found, view) = try await global.withStore { store, _ in
                    (try await store.issue(ref), try await store.dependencies(of: ref))
                }
                func list(_ issues: [Issue]) -> String {
                    issues.isEmpty
                        ? "  (none)" : issues.map { "  \($0.key)  \($0.status)  \($0.title)" }.joined(separator: "\n")
                }
                let text = """
                    \(found.key)  \(found.title)
                    Blocked by:
                    \(list(view.blockers))
                    Blocks:
                    \(list(view.blocked))
                    Chain (finish in this order):
                    \(view.chain.enumerated().map { "  \($0.offset + 1). \($0.element.key)  \($0.element.status)  \($0.element.title)" }.joined(separator: "\n"))
                    """
                try global.emit(DependencyDocument(issue: found.key, view: view), text: text)
            }
        }
    }
}
