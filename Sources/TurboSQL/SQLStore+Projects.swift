import Foundation
public import TurboCore

// Projects: created once per repository, keyed (SHOP), never renamed.
extension SQLStore {
    /// Creates a project; a duplicate key is ``TurboError/duplicateProjectKey(_:)``.
    public func createProject(_ new: NewProject) async throws -> Project {
        do {
            return try await write { tx in
                if try await tx.exists("SELECT 1 FROM projects WHERE key = \(new.key.rawValue)") {
                    throw TurboError.duplicateProjectKey(new.key.rawValue)
                }
                if let path = new.repositoryPath,
                    let existing = try await tx.row("SELECT key FROM projects WHERE repository_path = \(path)")
                {
                    let key = try existing.string("key")
                    throw TurboError.invalidInput("the repository \(path) already belongs to project \(key)")
                }
                let now = try await tx.now()
                let project = Project(
                    id: UUID(), key: new.key, name: new.name, repositoryPath: new.repositoryPath,
                    baseBranch: new.baseBranch, createdAt: now, updatedAt: now)
                try await tx.execute(
                    """
                    INSERT INTO projects (id, key, name, repository_path, base_branch, created_at, updated_at)
                    VALUES (\(project.id), \(project.key.rawValue), \(project.name), \(project.repositoryPath),
                        \(project.baseBranch), \(now), \(now))
                    """)
                try await tx.appendEvents([.projectCreated(project)])
                return project
            }
        } catch let error as TurboError where error.isUniqueViolation("projects_key_key") {
            // Lost a race with a concurrent creation of the same key: report it as the pre-check would.
            throw TurboError.duplicateProjectKey(new.key.rawValue)
        } catch let error as TurboError where error.isUniqueViolation("projects_repository_path_key") {
            throw TurboError.invalidInput("the repository \(new.repositoryPath ?? "") already belongs to a project")
        }
    }

    /// All projects, by key.
    public func projects() async throws -> [Project] {
        try await read { tx in try await tx.rows("SELECT * FROM projects ORDER BY key").map(SQLRows.project) }
    }

    /// One project by key or id.
    public func project(_ ref: ProjectRef) async throws -> Project {
        try await read { tx in try await fetchProject(tx, ref) }
    }

    /// The project whose main checkout is at `path`, if any.
    public func project(repositoryPath path: String) async throws -> Project? {
        try await read { tx in
            try await tx.row("SELECT * FROM projects WHERE repository_path = \(path)").map(SQLRows.project)
        }
    }
}
