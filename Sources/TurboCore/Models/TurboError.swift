public import Foundation

/// Every failure the domain can report, with enough context for a one-line message.
///
/// Adapters translate these at the edge: the CLI prints ``description`` and exits 1, the REST API maps
/// ``kind`` to a status code, MCP returns an `isError` tool result.
public enum TurboError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidProjectKey(String, reason: String)
    case duplicateProjectKey(String)
    case projectNotFound(String)
    case issueNotFound(String)
    case invalidIssueReference(String)
    case invalidValue(field: String, value: String, allowed: [String])
    case invalidInput(String)
    case invalidTransition(issue: String, from: IssueStatus, to: IssueStatus)
    case selfDependency(String)
    case dependencyCycle([String])
    case duplicateDependency(blocker: String, blocked: String)
    case dependencyNotFound(blocker: String, blocked: String)
    case activeWorkLogExists(issue: String)
    case noActiveWorkLog(issue: String)
    /// An agent write under a lease that is no longer (or never was) the live one: nothing changed.
    case staleLease(issue: String, reason: String)
    /// The request is valid but the current state of what it names forbids it (the message says why).
    case conflictingState(String)
    /// No webhook (or delivery) with this id.
    case webhookNotFound(String)
    /// The issue has no (active) worktree.
    case noWorktree(String)
    case ambiguousProject([String])
    case invalidDatabaseURL(String, reason: String)
    case notARepository(String)
    case storage(String)
    /// A worktree holds work that removing it would lose.
    case worktreeHasWork(path: String, uncommitted: [String], unmergedCommits: [String])
    /// A path or branch exists but does not belong to the issue; it is never overwritten.
    case notOurs(String)
    /// A git command failed.
    case git(String)

    /// The broad class of a failure, used by transports to choose a status code.
    public enum Kind: String, Sendable {
        case notFound, conflict, invalid, storage
    }

    /// The broad class of this failure.
    public var kind: Kind {
        switch self {
        case .projectNotFound, .issueNotFound, .dependencyNotFound, .noActiveWorkLog, .noWorktree, .webhookNotFound:
            .notFound
        case .duplicateProjectKey, .invalidTransition, .dependencyCycle, .duplicateDependency, .activeWorkLogExists,
            .ambiguousProject, .worktreeHasWork, .notOurs, .conflictingState, .staleLease:
            .conflict
        case .invalidProjectKey, .invalidIssueReference, .invalidValue, .invalidInput, .selfDependency,
            .invalidDatabaseURL, .notARepository:
            .invalid
        case .storage, .git: .storage
        }
    }

    /// The one-line message for people: what failed and, where it helps, what to do.
    public var description: String {
        switch self {
        case .invalidProjectKey(let key, let reason):
            "invalid project key '\(key)': \(reason)"
        case .duplicateProjectKey(let key):
            "a project with key \(key) already exists"
        case .projectNotFound(let ref):
            "no project '\(ref)'"
        case .issueNotFound(let ref):
            "no issue '\(ref)'"
        case .invalidIssueReference(let ref):
            "'\(ref)' is neither an issue key like TURBO-12 nor a UUID"
        case .invalidValue(let field, let value, let allowed):
            "invalid \(field) '\(value)'; expected one of: \(allowed.joined(separator: ", "))"
        case .invalidInput(let message):
            message
        case .invalidTransition(let issue, let from, let to):
            "\(issue) cannot go from \(from) to \(to)"
                + (IssueStatus.allowedTargets(from: from).isEmpty
                    ? ""
                    : " (from \(from) it can go to: \(IssueStatus.allowedTargets(from: from).map(\.rawValue).joined(separator: ", ")))")
        case .selfDependency(let issue):
            "\(issue) cannot block itself"
        case .dependencyCycle(let cycle):
            "dependency would create a cycle: \(cycle.joined(separator: " → "))"
        case .duplicateDependency(let blocker, let blocked):
            "\(blocker) already blocks \(blocked)"
        case .dependencyNotFound(let blocker, let blocked):
            "\(blocker) does not block \(blocked)"
        case .activeWorkLogExists(let issue):
            "\(issue) already has an active work log"
        case .noActiveWorkLog(let issue):
            "\(issue) has no active work log"
        case .conflictingState(let message):
            message
        case .staleLease(let issue, let reason):
            "\(issue): \(reason); nothing was changed"
        case .webhookNotFound(let id):
            "no webhook or delivery \(id)"
        case .noWorktree(let issue):
            "\(issue) has no worktree"
        case .ambiguousProject(let keys):
            "several projects exist (\(keys.joined(separator: ", "))); name the project (--project KEY)"
        case .invalidDatabaseURL(let url, let reason):
            "invalid database URL '\(url)': \(reason)"
        case .notARepository(let path):
            "\(path) is not inside a git repository"
        case .storage(let message):
            "storage error: \(message)"
        case .worktreeHasWork(let path, let uncommitted, let commits):
            "\(path) holds work that would be lost: "
                + [
                    uncommitted.isEmpty
                        ? nil
                        : "\(uncommitted.count) uncommitted file(s) (\(Self.list(uncommitted)))",
                    commits.isEmpty ? nil : "\(commits.count) unmerged commit(s) (\(Self.list(commits)))",
                ].compactMap { $0 }.joined(separator: " and ") + "; commit and merge it, or use --force"
        case .notOurs(let what):
            "\(what) exists and does not belong to this issue; it is left untouched"
        case .git(let message):
            "git: \(message)"
        }
    }
}

extension TurboError {
    /// Up to five items, then how many more.
    static func list(_ items: [String]) -> String {
        items.prefix(5).joined(separator: ", ") + (items.count > 5 ? ", … \(items.count - 5) more" : "")
    }
}

extension TurboError: LocalizedError {
    /// The same one-line message, so `localizedDescription` shows it.
    public var errorDescription: String? { description }
}
