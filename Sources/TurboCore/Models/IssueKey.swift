public import Foundation

/// An issue's human key, `<PROJECT>-<n>` such as `TURBO-12`.
public struct IssueKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The project part.
    public let project: ProjectKey
    /// The per-project number, starting at 1.
    public let number: Int

    /// A key from its parts.
    public init(project: ProjectKey, number: Int) {
        self.project = project
        self.number = number
    }

    /// Parses `TURBO-12` (case-insensitive); nil when the text is not a key.
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhitespace()
        guard let dash = trimmed.lastIndex(of: "-") else { return nil }
        let digits = trimmed[trimmed.index(after: dash)...]
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let number = Int(digits), number >= 1,
            let project = try? ProjectKey(String(trimmed[..<dash]))
        else { return nil }
        self.init(project: project, number: number)
    }

    /// The key as text, `TURBO-12`.
    public var description: String { "\(project.rawValue)-\(number)" }

    /// Orders by project key, then numerically by number (`TURBO-2` before `TURBO-10`).
    public static func < (lhs: IssueKey, rhs: IssueKey) -> Bool {
        (lhs.project.rawValue, lhs.number) < (rhs.project.rawValue, rhs.number)
    }
}

/// How a caller names an issue: by key or by UUID.
public enum IssueRef: Hashable, Sendable, CustomStringConvertible {
    case key(IssueKey)
    case id(UUID)

    /// Parses a key (`TURBO-12`, any case) or a UUID.
    public init(parsing text: String) throws(TurboError) {
        if let key = IssueKey(parsing: text) {
            self = .key(key)
        } else if let id = UUID(uuidString: text.trimmingWhitespace()) {
            self = .id(id)
        } else {
            throw .invalidIssueReference(text)
        }
    }

    /// The key (`TURBO-12`), or the UUID in lower case.
    public var description: String {
        switch self {
        case .key(let key): key.description
        case .id(let id): id.uuidString.lowercased()
        }
    }
}

/// How a caller names a project: by key or by UUID.
public enum ProjectRef: Hashable, Sendable, CustomStringConvertible {
    case key(ProjectKey)
    case id(UUID)

    /// Parses a project key (any case) or a UUID.
    public init(parsing text: String) throws(TurboError) {
        if let id = UUID(uuidString: text.trimmingWhitespace()) {
            self = .id(id)
        } else {
            self = .key(try ProjectKey(text))
        }
    }

    /// The key (`TURBO`), or the UUID in lower case.
    public var description: String {
        switch self {
        case .key(let key): key.rawValue
        case .id(let id): id.uuidString.lowercased()
        }
    }
}
