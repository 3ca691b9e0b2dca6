import Foundation
import TurboCore

/// `POST /projects`.
struct CreateProjectRequest: Decodable {
    var key: String
    var name: String?
    var repositoryPath: String?
    var baseBranch: String?

    enum CodingKeys: String, CodingKey {
        case key, name, repositoryPath = "repository_path", baseBranch = "base_branch"
    }
}

/// `POST /issues`.
struct CreateIssueRequest: Decodable {
    var project: String?
    var title: String
    var description: String?
    var type: String?
    var priority: String?
    var status: String?
    var capabilities: [String]?
    var paths: [String]?
    var blockedBy: [String]?
    var workRank: Int?
    var createdBy: String?

    enum CodingKeys: String, CodingKey {
        case project, title, description, type, priority, status, capabilities, paths
        case blockedBy = "blocked_by", workRank = "work_rank", createdBy = "created_by"
    }
}

/// `PATCH /issues/{key}`: absent fields stay, `null` clears `work_rank` and `assigned_to`.
struct PatchIssueRequest: Decodable {
    var changes = IssueChanges()

    enum CodingKeys: String, CodingKey {
        case title, description, type, priority, capabilities, paths, workRank = "work_rank"
        case assignedTo = "assigned_to"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        changes.title = try c.decodeIfPresent(String.self, forKey: .title)
        changes.description = try c.decodeIfPresent(String.self, forKey: .description)
        changes.type = try c.decodeIfPresent(String.self, forKey: .type).map { try IssueType(parsing: $0) }
        changes.priority = try c.decodeIfPresent(String.self, forKey: .priority).map { try IssuePriority(parsing: $0) }
        changes.capabilities = try c.decodeIfPresent([String].self, forKey: .capabilities)
        changes.paths = try c.decodeIfPresent([String].self, forKey: .paths)
        if c.contains(.workRank) { changes.workRank = .some(try c.decodeIfPresent(Int.self, forKey: .workRank)) }
        if c.contains(.assignedTo) {
            changes.assignedTo = .some(try c.decodeIfPresent(String.self, forKey: .assignedTo))
        }
    }
}

/// `POST /issues/{key}/close`.
struct CloseRequest: Decodable {
    var reason: String?
}

/// `POST /issues/{key}/comments` (`content` and `author_name` as in the original turboCode are accepted too).
struct CommentRequest: Decodable {
    var body: String
    var author: String?

    enum CodingKeys: String, CodingKey { case body, content, author, authorName = "author_name" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard
            let body = try c.decodeIfPresent(String.self, forKey: .body)
                ?? c.decodeIfPresent(String.self, forKey: .content)
        else {
            throw DecodingError.keyNotFound(
                CodingKeys.body, .init(codingPath: [], debugDescription: "a comment needs 'body'"))
        }
        self.body = body
        self.author =
            try c.decodeIfPresent(String.self, forKey: .author)
            ?? c.decodeIfPresent(String.self, forKey: .authorName)
    }
}

/// `POST /issues/{key}/dependencies`.
struct DependencyRequest: Decodable {
    var blocker: String
}
