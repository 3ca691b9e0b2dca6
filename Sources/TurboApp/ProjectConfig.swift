import Foundation
public import TurboCore
import Yams

/// The project part of `turbocode.yaml`, the committable configuration at the repository root.
public struct ProjectConfig: Hashable, Sendable, Decodable {
    /// The `project:` section.
    public struct ProjectSection: Hashable, Sendable, Decodable {
        public var key: String?
        public var name: String?
    }

    public var project: ProjectSection?
    public var baseBranch: String?

    enum CodingKeys: String, CodingKey {
        case project
        case baseBranch = "base_branch"
    }

    /// Reads `turbocode.yaml`; nil when the file does not exist.
    public static func load(from path: String) throws(TurboError) -> ProjectConfig? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return ProjectConfig() }
            return try YAMLDecoder().decode(ProjectConfig.self, from: text)
        } catch {
            throw .invalidInput("cannot read \(path): \(error)")
        }
    }

    /// The commented file `init` writes.
    public static func template(key: ProjectKey, name: String, baseBranch: String) -> String {
        """
        # turboCode configuration. Commit this file; local state (the SQLite database, logs) lives in
        # .turbocode/, which git ignores.

        project:
          # Issue keys are \(key)-1, \(key)-2, … The key is fixed once the project exists.
          key: \(key)
          name: \(yamlScalar(name))

        # The branch issue branches are cut from and merged back into.
        base_branch: \(yamlScalar(baseBranch))

        """
    }

    private static func yamlScalar(_ text: String) -> String {
        (try? Yams.serialize(node: .scalar(.init(text))).trimmingCharacters(in: .newlines)) ?? "\"\(text)\""
    }

    init(project: ProjectSection? = nil, baseBranch: String? = nil) {
        self.project = project
        self.baseBranch = baseBranch
    }
}
