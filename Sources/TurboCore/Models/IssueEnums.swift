import Foundation

/// A value parsed from user input with a clear error naming the allowed values.
public protocol UserParsableEnum: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == String {
    /// The field name used in error messages (`type`, `priority`, …).
    static var fieldName: String { get }
}

extension UserParsableEnum {
    /// Parses case-insensitively; `-` and `_` are interchangeable (`wont-fix` = `wont_fix`).
    public init(parsing text: String) throws(TurboError) {
        // Stored values are already canonical: skip the normalization, which is hot when reading many rows.
        if let value = Self(rawValue: text) {
            self = value
            return
        }
        let normalized = text.trimmingWhitespace().lowercased().replacingOccurrences(of: "-", with: "_")
        guard let value = Self(rawValue: normalized) else {
            throw .invalidValue(field: Self.fieldName, value: text, allowed: Self.allCases.map(\.rawValue))
        }
        self = value
    }
}

/// What kind of work an issue is (the original turboCode's enum).
public enum IssueType: String, UserParsableEnum {
    case feature, bug, task, enhancement, documentation, discovery
    /// Errors name the field `type`.
    public static let fieldName = "type"
}

/// How urgent an issue is.
public enum IssuePriority: String, UserParsableEnum, Comparable {
    case critical, high, medium, low
    /// Errors name the field `priority`.
    public static let fieldName = "priority"

    /// The priority part of the queue score (DESIGN §4).
    public var weight: Double {
        switch self {
        case .critical: 100
        case .high: 50
        case .medium: 25
        case .low: 10
        }
    }

    /// Orders by weight, so `low` < `medium` < `high` < `critical`.
    public static func < (lhs: IssuePriority, rhs: IssuePriority) -> Bool { lhs.weight < rhs.weight }
}

/// Why an issue was closed. Only `done` and `merged` release the issues it blocks.
public enum ClosedReason: String, UserParsableEnum {
    case done, merged, duplicate
    case wontFix = "wont_fix"
    case obsolete
    /// Errors name the field `reason`.
    public static let fieldName = "reason"

    /// Whether an issue closed for this reason counts as finished for the issues it blocks.
    public var satisfiesDependents: Bool { self == .done || self == .merged }
}

/// How a work session ended.
public enum WorkOutcome: String, UserParsableEnum {
    case submitted, released, expired, failed, merged, cancelled
    /// Errors name the field `outcome`.
    public static let fieldName = "outcome"
}
