import Foundation
import Logging
import Testing
import TurboApp
import TurboCore
import TurboServices
import TurboTestSupport

/// A repository on `trunk` with an empty first commit (the scratch repository every test target shares).
struct GitSandbox {
    let scratch: ScratchRepository
    var root: URL { scratch.root }

    init(name: String = "sandbox") throws {
        scratch = try ScratchRepository(prefix: "turbo-app", name: name, branch: "trunk")
    }

    @discardableResult
    func git(_ arguments: String...) throws -> String { try scratch.git(arguments) }

    func remove() { scratch.remove() }
}

@Suite(.timeLimit(.minutes(1)))
struct TurboAppTests {
    @Test func linkedWorktreesShareTheMainCheckoutsRoot() throws {
        let sandbox = try GitSandbox()
        defer { sandbox.remove() }
        let nested = sandbox.root.appendingPathComponent("Sources/Deep")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        let root = sandbox.root.resolvingSymlinksInPath().path
        #expect(try Repository.locate(from: nested.path).root == root)

        let worktree = sandbox.root.deletingLastPathComponent().appendingPathComponent("wt-1")
        try sandbox.git("worktree", "add", "-q", "-b", "feature", worktree.path)
        let located = try Repository.locate(from: worktree.path)
        #expect(located.root == root)
        #expect(located.checkoutRoot == worktree.resolvingSymlinksInPath().path)
        #expect(located.defaultDatabase == .sqlite(path: root + "/.turbocode/turbocode.db"))
        #expect(throws: TurboError.self) { try Repository.locate(from: "/") }
    }

    @Test func databaseSelectionPrefersOptionThenEnvironmentThenRepository() throws {
        let repository = Repository(root: "/repo", checkoutRoot: "/repo")
        let environment = ["TURBOCODE_DATABASE_URL": "postgres://u@h/d"]
        #expect(
            try TurboApp.databaseURL(option: "sqlite:/x.db", environment: environment, repository: repository)
                == .sqlite(path: "/x.db"))
        #expect(
            try TurboApp.databaseURL(option: nil, environment: environment, repository: repository)
                == .postgres(.init(host: "h", user: "u", database: "d")))
        #expect(
            try TurboApp.databaseURL(option: nil, environment: [:], repository: repository)
                == .sqlite(path: "/repo/.turbocode/turbocode.db"))
        #expect(throws: TurboError.self) { try TurboApp.databaseURL(option: nil, environment: [:], repository: nil) }
    }

    @Test func initializingTwiceIsHarmlessAndKeepsStateOutOfGit() async throws {
        let sandbox = try GitSandbox(name: "my-service")
        defer { sandbox.remove() }
        let repository = try Repository.locate(from: sandbox.root.path)
        try await TurboApp.withStore(repository.defaultDatabase, logger: Logger(label: "test")) { store in
            let first = try await ProjectSetup.initialize(repository: repository, key: nil, name: nil, store: store)
            #expect(first.createdProject && first.wroteConfig)
            #expect(first.project.key.rawValue == "MS" && first.project.baseBranch == "trunk")
            let second = try await ProjectSetup.initialize(repository: repository, key: nil, name: nil, store: store)
            #expect(!second.createdProject && !second.wroteConfig && second.project.id == first.project.id)
            await #expect(throws: TurboError.self) {
                try await ProjectSetup.initialize(repository: repository, key: "OTHER", name: nil, store: store)
            }
            #expect(try await store.projects().count == 1)
        }
        // Only the committable config shows up in git; .turbocode/ ignores itself.
        #expect(try sandbox.git("status", "--porcelain") == "?? turbocode.yaml\n")
        let config = try #require(try ProjectConfig.load(from: repository.configFile))
        #expect(config.project?.key == "MS" && config.baseBranch == "trunk")
    }

    @Test func keyComesFromAnExistingConfigFile() async throws {
        let sandbox = try GitSandbox(name: "cloned")
        defer { sandbox.remove() }
        try "project:\n  key: shop\n  name: The Shop\nbase_branch: develop\n".write(
            to: sandbox.root.appendingPathComponent("turbocode.yaml"), atomically: true, encoding: .utf8)
        let repository = try Repository.locate(from: sandbox.root.path)
        let project = try await TurboApp.withStore(repository.defaultDatabase, logger: Logger(label: "test")) { store in
            try await ProjectSetup.initialize(repository: repository, key: nil, name: nil, store: store).project
        }
        #expect(project.key.rawValue == "SHOP" && project.name == "The Shop" && project.baseBranch == "develop")
    }
}
