import Foundation
public import TurboCore

/// Where an issue's worktree lives and what its branch is called, derived only from server-made values.
///
/// Path `<root>/<project key>-<issue key>` in lower case, branch `<ISSUE-KEY>/<slug of the title>`. Keys are
/// validated domain values (letters, digits, one dash), so nothing a user typed reaches a path or an option position.
public struct WorktreeLayout: Hashable, Sendable {
    /// The directory that holds every worktree, absolute and normalized.
    public var root: String

    /// A layout under `root`; `~` expands to the home directory, relative roots resolve against `base`.
    public init(root: String, relativeTo base: String) {
        var expanded = root
        if expanded == "~" || expanded.hasPrefix("~/") {
            expanded = FileManager.default.homeDirectoryForCurrentUser.path + expanded.dropFirst()
        }
        if !expanded.hasPrefix("/") { expanded = (base as NSString).appendingPathComponent(expanded) }
        self.root = Self.canonical(expanded)
    }

    /// Whether `path` (as git printed it) names the same place as `canonicalPath` (a ``canonical(_:)`` result).
    /// Git prints the paths it registered, already resolved, so equal text settles it; only a path with the same
    /// last component is resolved to be sure. Resolving every entry of `git worktree list` on each lookup cost
    /// stat calls per path component for every worktree, the coordinator's largest CPU cost with 1,000 worktrees.
    public static func samePlace(_ path: String, _ canonicalPath: String) -> Bool {
        if path == canonicalPath { return true }
        guard (path as NSString).lastPathComponent == (canonicalPath as NSString).lastPathComponent else {
            return false
        }
        return canonical(path) == canonicalPath
    }

    /// The path with `.`/`..` removed and symlinks resolved as far as it exists, as git prints worktree paths.
    public static func canonical(_ path: String) -> String {
        var existing = URL(fileURLWithPath: path).standardizedFileURL
        var rest: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" {
            rest.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
        var resolved = existing.resolvingSymlinksInPath()
        for component in rest { resolved.appendPathComponent(component) }
        return resolved.path
    }

    /// The worktree directory of an issue.
    public func path(for issue: IssueKey) -> String {
        let name = "\(issue.project.rawValue)-\(issue.description)".lowercased()
        return (root as NSString).appendingPathComponent(name)
    }

    /// The branch of an issue: `KEY-12/slug-of-the-title`.
    public func branch(for issue: IssueKey, title: String) throws(TurboError) -> String {
        let branch = "\(issue.description)/\(RefName.slug(title))"
        guard RefName.isValidBranch(branch) else {
            throw .invalidInput("cannot derive a valid branch name for \(issue)")
        }
        return branch
    }

    /// Whether `path` is strictly inside the root once normalized (no `..` escape).
    public func contains(_ path: String) -> Bool {
        let normalized = URL(fileURLWithPath: path).standardizedFileURL.path
        return normalized.hasPrefix(root.hasSuffix("/") ? root : root + "/") && normalized != root
    }
}
