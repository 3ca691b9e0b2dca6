import Foundation
import TurboCore

/// Plain-text rendering for people.
enum Format {
    /// Left-aligned columns separated by two spaces; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count - 1 {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index < widths.count - 1 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) : cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func keys(_ keys: [IssueKey]) -> String {
        keys.isEmpty ? "-" : keys.map(\.description).joined(separator: ", ")
    }

    static func score(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A multi-line description of one issue.
    static func issue(_ issue: Issue, comments: [Comment] = []) -> String {
        var lines = [
            "\(issue.key)  \(issue.title)",
            "status:       \(issue.status)\(issue.closedReason.map { " (\($0.rawValue))" } ?? "")",
            "type:         \(issue.type.rawValue)",
            "priority:     \(issue.priority.rawValue)",
        ]
        if let rank = issue.workRank { lines.append("work rank:    \(rank)") }
        if !issue.capabilities.isEmpty { lines.append("capabilities: \(issue.capabilities.joined(separator: ", "))") }
        if !issue.paths.isEmpty { lines.append("paths:        \(issue.paths.joined(separator: ", "))") }
        lines.append("blocked by:   \(keys(issue.blockedBy))")
        lines.append("blocks:       \(keys(issue.blocks))")
        if let assignee = issue.assignedTo { lines.append("assigned to:  \(assignee)") }
        if let creator = issue.createdBy { lines.append("created by:   \(creator)") }
        lines.append("created:      \(date(issue.createdAt))")
        lines.append("updated:      \(date(issue.updatedAt))")
        lines.append("id:           \(issue.id.lowercasedString)")
        if !issue.description.isEmpty { lines += ["", issue.description] }
        if !comments.isEmpty {
            lines += ["", "Comments:"]
            for comment in comments {
                lines.append("  \(date(comment.createdAt))  \(comment.author)")
                lines += comment.body.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One line per issue.
    static func issueTable(_ issues: [Issue]) -> String {
        table(
            ["KEY", "STATUS", "PRIORITY", "TYPE", "BLOCKED BY", "TITLE"],
            issues.map {
                [
                    $0.key.description, $0.status.rawValue, $0.priority.rawValue, $0.type.rawValue, keys($0.blockedBy),
                    $0.title,
                ]
            })
    }
}
