import ArgumentParser
import Foundation
import Logging
import TurboApp
import TurboCore
import TurboServices

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The repository to work in (default: the current directory).", valueName: "path"))
    var repo: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "sqlite:PATH or postgres://user[:password]@host[:port]/db (default: $TURBOCODE_DATABASE_URL, else sqlite:<repo>/.turbocode/turbocode.db).",
            valueName: "url"))
    var database: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    /// The repository around `--repo` or the current directory; nil outside a repository.
    func repository() throws -> Repository? {
        let start = repo ?? FileManager.default.currentDirectoryPath
        if let repo {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: repo, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--repo \(repo) is not a directory")
            }
        }
        return try? Repository.locate(from: start)
    }

    /// Opens the selected database and runs `body` with it and the repository.
    func withStore<T: Sendable>(
        _ body: @Sendable (any TurboStore, Repository?) async throws -> T
    ) async throws -> T {
        let repository = try repository()
        let url = try TurboApp.databaseURL(option: database, repository: repository)
        var logger = Logger(label: "turbocode")
        // Failures reach the user as one-line errors; the driver's background chatter stays quiet.
        logger.logLevel = .error
        return try await TurboApp.withStore(url, logger: logger) { store in try await body(store, repository) }
    }

    /// Prints a value as JSON when `--json` is set, otherwise the human text.
    func emit(_ value: some Encodable, text: @autoclosure () -> String) throws {
        if json {
            try Output.json(value)
        } else {
            Output.line(text())
        }
    }
}

/// Writing to stdout and stderr.
enum Output {
    static func line(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func error(_ text: String) {
        let message = text.hasPrefix("Error:") || text.hasPrefix("error:") ? text : "error: \(text)"
        FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
    }

    /// A remark for the person at the terminal, on stderr so that stdout stays machine-readable.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func json(_ value: some Encodable) throws {
        let data = try JSONEncoder.turbo().encode(value)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// Enum options parse with the domain's own error messages.
struct Parsed<Value: UserParsableEnum>: ExpressibleByArgument {
    var value: Value

    init(_ value: Value) { self.value = value }

    init?(argument: String) {
        guard let value = try? Value(parsing: argument) else { return nil }
        self.value = value
    }

    var defaultValueDescription: String { value.rawValue }

    static var allValueStrings: [String] { Value.allCases.map(\.rawValue) }
    static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}
