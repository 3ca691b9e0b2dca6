public import Foundation

/// The JSON shape of an issue, shared by the CLI's `--json`, the REST API and MCP. snake_case; absent values are
/// `null`, never missing.
public struct IssueDocument: Encodable, Sendable, Hashable {
    /// The issue, its `blockedBy` and `blocks` keys included.
    public var issue: Issue
    /// Included (as `comments`) when given.
    public var comments: [Comment]?
    /// The caller's own live lease (as `lease`), when an agent asks about an issue it holds.
    public var lease: Lease?

    /// The document of `issue`; `comments` and `lease` are left out when nil.
    public init(_ issue: Issue, comments: [Comment]? = nil, lease: Lease? = nil) {
        self.issue = issue
        self.comments = comments
        self.lease = lease
    }

    enum CodingKeys: String, CodingKey {
        case id, key, number, project, title, description, type, status, priority, capabilities, paths
        case blockedBy = "blocked_by", blocks
        case assignedTo = "assigned_to", workRank = "work_rank", createdBy = "created_by"
        case closedReason = "closed_reason", createdAt = "created_at", updatedAt = "updated_at"
        case closedAt = "closed_at", comments, lease
    }

    /// Writes every field of the issue, nulls included, then `comments` and `lease` when given.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(issue.id.lowercasedString, forKey: .id)
        try c.encode(issue.key.description, forKey: .key)
        try c.encode(issue.number, forKey: .number)
        try c.encode(issue.key.project.rawValue, forKey: .project)
        try c.encode(issue.title, forKey: .title)
        try c.encode(issue.description, forKey: .description)
        try c.encode(issue.type.rawValue, forKey: .type)
        try c.encode(issue.status.rawValue, forKey: .status)
        try c.encode(issue.priority.rawValue, forKey: .priority)
        try c.encode(issue.capabilities, forKey: .capabilities)
        try c.encode(issue.paths, forKey: .paths)
        try c.encode(issue.blockedBy.map(\.description), forKey: .blockedBy)
        try c.encode(issue.blocks.map(\.description), forKey: .blocks)
        try c.encode(issue.assignedTo, forKey: .assignedTo)
        try c.encode(issue.workRank, forKey: .workRank)
        try c.encode(issue.createdBy, forKey: .createdBy)
        try c.encode(issue.closedReason?.rawValue, forKey: .closedReason)
        try c.encode(issue.createdAt, forKey: .createdAt)
        try c.encode(issue.updatedAt, forKey: .updatedAt)
        try c.encode(issue.closedAt, forKey: .closedAt)
        if let comments { try c.encode(comments.map(CommentDocument.init), forKey: .comments) }
        if let lease { try c.encode(LeaseDocument(lease), forKey: .lease) }
    }
}

/// The JSON shape of a project.
public struct ProjectDocument: Encodable, Sendable, Hashable {
    /// The project the document shows.
    public var project: Project
    /// Included (as `issue_counts`, status → count) when given.
    public var issueCounts: [IssueStatus: Int]?

    /// The document of `project`; `issue_counts` is left out when nil.
    public init(_ project: Project, issueCounts: [IssueStatus: Int]? = nil) {
        self.project = project
        self.issueCounts = issueCounts
    }

    enum CodingKeys: String, CodingKey {
        case id, key, name, repositoryPath = "repository_path", baseBranch = "base_branch"
        case createdAt = "created_at", updatedAt = "updated_at", issueCounts = "issue_counts"
    }

    /// Writes the project's fields, `repository_path` null when unknown, then `issue_counts` when given.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(project.id.lowercasedString, forKey: .id)
        try c.encode(project.key.rawValue, forKey: .key)
        try c.encode(project.name, forKey: .name)
        try c.encode(project.repositoryPath, forKey: .repositoryPath)
        try c.encode(project.baseBranch, forKey: .baseBranch)
        try c.encode(project.createdAt, forKey: .createdAt)
        try c.encode(project.updatedAt, forKey: .updatedAt)
        if let issueCounts {
            try c.encode(
                Dictionary(uniqueKeysWithValues: issueCounts.map { ($0.key.rawValue, $0.value) }), forKey: .issueCounts)
        }
    }
}

/// The JSON shape of a queue row: key, score, its parts, eligibility and the reason when ineligible.
public struct QueueEntryDocument: Encodable, Sendable, Hashable {
    /// The queue row, with its score parts and the reason it is ineligible.
    public var entry: QueueEntry
    /// 1-based position among eligible issues; nil for ineligible ones.
    public var position: Int?

    /// The document of `entry` at `position` (nil when it is not eligible).
    public init(_ entry: QueueEntry, position: Int?) {
        self.entry = entry
        self.position = position
    }

    enum CodingKeys: String, CodingKey {
        case key, id, title, priority, score, scoreParts = "score_parts", eligible, reason, position
        case workRank = "work_rank", blockedBy = "blocked_by", overlapsWith = "overlaps_with"
    }

    enum PartKeys: String, CodingKey {
        case priority, noBlockers = "no_blockers", age, blocks
    }

    /// Writes the row with scores rounded to two decimals; `blocked_by` and `overlaps_with` come from the reason.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entry.candidate.key.description, forKey: .key)
        try c.encode(entry.candidate.id.lowercasedString, forKey: .id)
        try c.encode(entry.candidate.title, forKey: .title)
        try c.encode(entry.candidate.priority.rawValue, forKey: .priority)
        try c.encode(Self.rounded(entry.score), forKey: .score)
        var parts = c.nestedContainer(keyedBy: PartKeys.self, forKey: .scoreParts)
        try parts.encode(Self.rounded(entry.parts.priority), forKey: .priority)
        try parts.encode(Self.rounded(entry.parts.noBlockers), forKey: .noBlockers)
        try parts.encode(Self.rounded(entry.parts.age), forKey: .age)
        try parts.encode(Self.rounded(entry.parts.blocks), forKey: .blocks)
        try c.encode(entry.isEligible, forKey: .eligible)
        try c.encode(entry.reason?.description, forKey: .reason)
        try c.encode(position, forKey: .position)
        try c.encode(entry.candidate.workRank, forKey: .workRank)
        var openBlockers: [String] = []
        var overlap: String?
        switch entry.reason {
        case .blocked(let blockers): openBlockers = blockers.map(\.key.description)
        case .pathOverlap(let other, _, _): overlap = other.description
        case nil: break
        }
        try c.encode(openBlockers, forKey: .blockedBy)
        try c.encode(overlap, forKey: .overlapsWith)
    }

    /// Two decimals, enough to read and stable to compare.
    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}

/// The JSON shape of a comment.
public struct CommentDocument: Encodable, Sendable, Hashable {
    /// The comment; its issue appears by key.
    public var comment: Comment

    /// The document of `comment`.
    public init(_ comment: Comment) { self.comment = comment }

    enum CodingKeys: String, CodingKey {
        case id, issue, author, body, createdAt = "created_at"
    }

    /// Writes `id` (lower-case UUID), `issue` (key), `author`, `body` and `created_at`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(comment.id.lowercasedString, forKey: .id)
        try c.encode(comment.issueKey.description, forKey: .issue)
        try c.encode(comment.author, forKey: .author)
        try c.encode(comment.body, forKey: .body)
        try c.encode(comment.createdAt, forKey: .createdAt)
    }
}

/// The JSON shape of an issue's dependencies.
public struct DependencyDocument: Encodable, Sendable, Hashable {
    /// The issue whose neighbourhood this is.
    public var issue: IssueKey
    /// Its blockers, the issues it blocks and its chain, each written as a full ``IssueDocument``.
    public var view: DependencyView

    /// The document of `issue`'s dependency view.
    public init(issue: IssueKey, view: DependencyView) {
        self.issue = issue
        self.view = view
    }

    enum CodingKeys: String, CodingKey { case issue, blockers, blocked, chain }

    /// Writes `issue` as a key and `blockers`, `blocked` and `chain` as lists of issue documents.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(issue.description, forKey: .issue)
        try c.encode(view.blockers.map { IssueDocument($0) }, forKey: .blockers)
        try c.encode(view.blocked.map { IssueDocument($0) }, forKey: .blocked)
        try c.encode(view.chain.map { IssueDocument($0) }, forKey: .chain)
    }
}

extension JSONEncoder {
    /// The encoder for every JSON turboCode prints or serves: sorted keys, ISO-8601 dates.
    public static func turbo(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

/// The JSON shape of the laid-out dependency graph (`GET /api/v1/graph`).
public struct GraphDocument: Encodable, Sendable {
    /// The layout to write.
    public var layout: DependencyLayout

    /// The document of `layout`.
    public init(_ layout: DependencyLayout) { self.layout = layout }

    enum CodingKeys: String, CodingKey {
        case width, height, nodeWidth = "node_width", nodeHeight = "node_height", nodes, edges
    }

    enum NodeKeys: String, CodingKey {
        case key, title, status, state, layer, row, x, y
    }

    enum EdgeKeys: String, CodingKey {
        case blocker, blocked, holding
    }

    /// Writes the picture's size, the boxes' size, the nodes and the edges, snake_case.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(layout.width, forKey: .width)
        try c.encode(layout.height, forKey: .height)
        try c.encode(DependencyLayout.nodeWidth, forKey: .nodeWidth)
        try c.encode(DependencyLayout.nodeHeight, forKey: .nodeHeight)
        var nodes = c.nestedUnkeyedContainer(forKey: .nodes)
        for node in layout.nodes {
            var n = nodes.nestedContainer(keyedBy: NodeKeys.self)
            try n.encode(node.key.description, forKey: .key)
            try n.encode(node.title, forKey: .title)
            try n.encode(node.status.rawValue, forKey: .status)
            try n.encode(node.state.rawValue, forKey: .state)
            try n.encode(node.layer, forKey: .layer)
            try n.encode(node.row, forKey: .row)
            try n.encode(node.x, forKey: .x)
            try n.encode(node.y, forKey: .y)
        }
        var edges = c.nestedUnkeyedContainer(forKey: .edges)
        for edge in layout.edges {
            var e = edges.nestedContainer(keyedBy: EdgeKeys.self)
            try e.encode(edge.blocker.description, forKey: .blocker)
            try e.encode(edge.blocked.description, forKey: .blocked)
            try e.encode(edge.holding, forKey: .holding)
        }
    }
}
