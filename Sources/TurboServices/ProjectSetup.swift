import Foundation
public import TurboCore

/// `turbocode init`: the project for a repository, its state directory and its configuration file.
public enum ProjectSetup {
    /// What `initialize` did.
    public struct Outcome: Sendable {
        /// The repository's project, created now or found.
        public var project: Project
        /// False when the repository already had its project (running `init` twice is harmless).
        public var createdProject: Bool
        /// True when `turbocode.yaml` was written now.
        public var wroteConfig: Bool
    }

    /// Creates the project for `repository` (or finds the existing one), `.turbocode/` (ignored by git through its
    /// own `.gitignore`) and a commented `turbocode.yaml` when none exists.
    ///
    /// The key comes from `key`, else `turbocode.yaml`, else is suggested from the directory name.
    public static func initialize(
        repository: Repository, key: String?, name: String?, store: any TurboStore
    ) async throws -> Outcome {
        let config = try ProjectConfig.load(from: repository.configFile)
        let requestedKey = try (key ?? config?.project?.key).map { text throws(TurboError) in try ProjectKey(text) }
        try prepareStateDirectory(repository)

        if let existing = try await store.project(repositoryPath: repository.root) {
            if let requestedKey, requestedKey != existing.key {
                throw TurboError.invalidInput(
                    "this repository is already project \(existing.key); project keys cannot change")
            }
            return Outcome(project: existing, createdProject: false, wroteConfig: try writeConfig(repository, existing))
        }

        let directoryName = URL(fileURLWithPath: repository.root).lastPathComponent
        guard let projectKey = requestedKey ?? ProjectKey.suggestion(from: directoryName) else {
            throw TurboError.invalidInput(
                "cannot suggest a project key from '\(directoryName)'; pass one with --key (2–10 letters and digits)")
        }
        let projectName = (name ?? config?.project?.name ?? directoryName).trimmingCharacters(in: .whitespaces)
        let baseBranch = config?.baseBranch ?? currentBranch(repository) ?? "main"
        let project = try await store.createProject(
            NewProject(
                key: projectKey, name: projectName.isEmpty ? directoryName : projectName,
                repositoryPath: repository.root, baseBranch: baseBranch))
        return Outcome(project: project, createdProject: true, wroteConfig: try writeConfig(repository, project))
    }

    /// `.turbocode/` with a `.gitignore` of `*`, so git never sees the state without touching the user's files.
    public static func prepareStateDirectory(_ repository: Repository) throws(TurboError) {
        let ignoreFile = (repository.stateDirectory as NSString).appendingPathComponent(".gitignore")
        do {
            try FileManager.default.createDirectory(
                atPath: repository.stateDirectory, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: ignoreFile) {
                try "# turboCode's local state: never committed.\n*\n".write(
                    toFile: ignoreFile, atomically: true, encoding: .utf8)
            }
        } catch {
            throw .invalidInput("cannot create \(repository.stateDirectory): \(error.localizedDescription)")
        }
    }

    private static func writeConfig(_ repository: Repository, _ project: Project) throws(TurboError) -> Bool {
        guard !FileManager.default.fileExists(atPath: repository.configFile) else { return false }
        do {
            try ProjectConfig.template(key: project.key, name: project.name, baseBranch: project.baseBranch)
                .write(toFile: repository.configFile, atomically: true, encoding: .utf8)
            return true
        } catch {
            throw .invalidInput("cannot write \(repository.configFile): \(error.localizedDescription)")
        }
    }

    /// The branch the main checkout is on, read from `.git/HEAD`; nil when detached.
    static func currentBranch(_ repository: Repository) -> String? {
        let head = (repository.root as NSString).appendingPathComponent(".git/HEAD")
        guard let text = try? String(contentsOfFile: head, encoding: .utf8),
            text.hasPrefix("ref: refs/heads/")
        else { return nil }
        let branch = text.dropFirst("ref: refs/heads/".count).trimmingCharacters(in: .whitespacesAndNewlines)
        return branch.isEmpty ? nil : branch
    }
}

extension ProjectSetup {
    /// The project a command acts on: `explicit` when given, else the project of the repository, else the only
    /// project in the database.
    public static func resolve(
        _ explicit: String?, repository: Repository?, store: any TurboStore
    ) async throws -> Project {
        if let explicit { return try await store.project(try ProjectRef(parsing: explicit)) }
        if let repository {
            if let project = try await store.project(repositoryPath: repository.root) { return project }
            // A clone elsewhere sharing a PostgreSQL database: the committed configuration names the project.
            if let key = try ProjectConfig.load(from: repository.configFile)?.project?.key,
                let project = try? await store.project(.key(try ProjectKey(key)))
            {
                return project
            }
        }
        let all = try await store.projects()
        if all.count == 1 { return all[0] }
        if all.isEmpty {
            throw TurboError.invalidInput("no project yet: run 'turbocode init' in the repository first")
        }
        throw TurboError.ambiguousProject(all.map(\.key.rawValue))
    }
}
