import Foundation
import Logging
import Testing
import TurboApp
import TurboCore
import TurboServices

/// A temporary git repository, removed afterwards.
struct GitSandbox {
    let root: URL

    init(name: String = "sandbox") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("turbo-app-\(UUID().uuidString)")
            .appendingPathComponent(name)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "trunk")
        try git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "base")
    }

    @discardableResult
    func git(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "git \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }

    func remove() { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
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
