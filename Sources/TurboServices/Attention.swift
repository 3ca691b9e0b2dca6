public import Foundation
public import TurboCore

/// The attention inbox: one ranked list of what needs a person, computed on the server so that
/// `GET /api/v1/attention`, the MCP tool `get_attention` and `turbocode inbox` answer the same question.
///
/// It reads the issues in review and the conflicts from the store, and the recent event log (the last
/// ``recentEvents`` events) for what the log alone records: agents' reports, set-asides, driver pauses, permission
/// denials and alerts. An item stays while its cause holds — an issue still in that state, a pause not yet resumed, an
/// alert about an issue still in flight (other alerts, for an hour) — and the order is: what broke before what waits
/// for a decision, by kind, then oldest first.
public struct AttentionService: Sendable {
    /// Where issues, checks, conflicts and events are read.
    public let store: any TurboStore
    /// How many of the newest events are read.
    public var recentEvents: Int

    /// The inbox over `store`, looking back `recentEvents` events.
    public init(store: any TurboStore, recentEvents: Int = 5_000) {
        self.store = store
        self.recentEvents = recentEvents
    }

    /// Everything that needs a person now, about `project` (nil: every project) and about no project in
    /// particular (drivers, the machine).
    public func items(project: ProjectRef? = nil, now: Date = Date()) async throws -> [AttentionItem] {
        var projectKey: ProjectKey?
        if let project { projectKey = try await store.project(project).key }
        func concerns(_ key: IssueKey) -> Bool { projectKey == nil || key.project == projectKey }
        var items: [AttentionItem] = []

        // Work in review: waiting for a person, sent there after verification gave up, or kept there after a failed
        // merge.
        for issue in try await store.issues(IssueFilter(project: project, statuses: [.review])) {
            let checks = try await store.checks(of: .id(issue.id))
            if let last = checks.last, last.kind == .verification, !last.passed {
                items.append(
                    AttentionItem(
                        kind: .verificationFailed, subject: issue.key.description, title: issue.title,
                        message: "verification failed\(Self.times(last.evidence["attempt"])), retries used up: "
                            + last.summary,
                        since: last.createdAt, until: nil, actions: ["approve", "request_changes"]))
            } else if let last = checks.last, last.kind == .merge, !last.passed {
                items.append(
                    AttentionItem(
                        kind: .mergeFailed, subject: issue.key.description, title: issue.title,
                        message: "not merged: \(last.summary)", since: last.createdAt, until: nil,
                        actions: ["approve", "request_changes"]))
            } else if checks.last?.kind != .approval {
                let verified = checks.last { $0.kind == .verification && $0.passed }
                items.append(
                    AttentionItem(
                        kind: .reviewWaiting, subject: issue.key.description, title: issue.title,
                        message: verified.map { "verified: \($0.summary)" } ?? "waits for review",
                        since: verified?.createdAt ?? issue.updatedAt, until: nil,
                        actions: ["approve", "request_changes"]))
            }
        }

        for conflict in try await store.conflicts(project: project) where concerns(conflict.issue) {
            let with = conflict.other.map { "with \($0)" } ?? "with the base branch"
            items.append(
                AttentionItem(
                    kind: .conflictPredicted, subject: conflict.issue.description, title: nil,
                    message: "conflict predicted \(with) in \(conflict.paths.prefix(3).joined(separator: ", "))"
                        + (conflict.paths.count > 3 ? " and \(conflict.paths.count - 3) more" : ""),
                    since: conflict.detectedAt, until: nil, actions: []))
        }

        items += try await fromEvents(concerns: concerns, now: now)
        let order = Dictionary(uniqueKeysWithValues: AttentionItem.Kind.allCases.enumerated().map { ($1, $0) })
        return items.sorted { a, b in
            if a.kind != b.kind { return order[a.kind, default: 0] < order[b.kind, default: 0] }
            if a.since != b.since { return a.since < b.since }
            return a.subject < b.subject
        }
    }

    /// ` 3 times` for a verification's `attempt` evidence of 3; nothing without it.
    static func times(_ attempt: JSONValue?) -> String {
        guard case .number(let count)? = attempt, count >= 1 else { return "" }
        return " \(Int(count)) time\(count == 1 ? "" : "s")"
    }

    /// Items only the event log records, each kept while its cause still holds.
    private func fromEvents(concerns: (IssueKey) -> Bool, now: Date) async throws -> [AttentionItem] {
        let latest = try await store.latestEventID()
        var after = max(0, latest - Int64(recentEvents))
        var blocked: [String: Event] = [:]
        var paused: [String: Event] = [:]
        var denials: [String: Event] = [:]
        var alerts: [String: Event] = [:]
        while after < latest {
            let page = try await store.events(after: after, limit: 1_000)
            guard let last = page.last else { break }
            after = last.id
            for event in page {
                switch EventType(rawValue: event.type) {
                case .issueBlocked: blocked[event.subject] = event
                case .driverPaused: paused[event.subject] = event
                case .driverResumed: paused[event.subject] = nil
                case .agentPermissionDenied:
                    denials["\(event.subject) \(event.payload["denied"]?.stringValue ?? "")"] = event
                case .alertRaised: alerts["\(event.payload["kind"]?.stringValue ?? "") \(event.subject)"] = event
                default: break
                }
            }
        }
        var items: [AttentionItem] = []
        var issues: [String: Issue?] = [:]
        func issue(_ subject: String) async throws -> Issue? {
            if let known = issues[subject] { return known }
            var found: Issue?
            if let key = IssueKey(parsing: subject), concerns(key) {
                found = try? await store.issue(.key(key))
            }
            issues[subject] = found
            return found
        }

        for (subject, event) in blocked {
            // Still open, and not moved since it was given back.
            guard let issue = try await issue(subject), issue.status == .open, issue.updatedAt <= event.createdAt
            else { continue }
            let reason = event.payload["reason"]?.stringValue ?? ""
            let agentAsked = reason.hasPrefix("Blocked:")
            items.append(
                AttentionItem(
                    kind: agentAsked ? .agentBlocked : .setAside, subject: subject, title: issue.title,
                    message: agentAsked ? String(reason.dropFirst("Blocked:".count)).trimmed : reason,
                    since: event.createdAt, until: nil,
                    actions: agentAsked ? ["comment", "make_ready"] : ["make_ready"]))
        }
        for (driver, event) in paused {
            let until = event.payload["until"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }
            if let until, until <= now { continue }
            let kind = event.payload["kind"]?.stringValue ?? "paused"
            items.append(
                AttentionItem(
                    kind: .driverPaused, subject: driver, title: nil,
                    message: "\(kind): \(event.payload["reason"]?.stringValue ?? "")", since: event.createdAt,
                    until: until, actions: []))
        }
        let inFlight: Set<IssueStatus> = [.assigned, .inProgress, .testing]
        for event in denials.values {
            guard let issue = try await issue(event.subject), inFlight.contains(issue.status) else { continue }
            items.append(
                AttentionItem(
                    kind: .permissionDenied, subject: event.subject, title: issue.title,
                    message: "\(event.payload["agent"]?.stringValue ?? "the agent") was refused "
                        + (event.payload["denied"]?.stringValue ?? "a tool call")
                        + " (allow it with agents.allow in turbocode.yaml)",
                    since: event.createdAt, until: nil, actions: []))
        }
        for event in alerts.values {
            // An alert about an issue holds while the issue is in flight; others (a project's limit, the disk) for
            // an hour: the monitor writes no event when they clear.
            if IssueKey(parsing: event.subject) != nil {
                guard let issue = try await issue(event.subject), inFlight.contains(issue.status) else { continue }
            } else if now.timeIntervalSince(event.createdAt) > 3_600 {
                continue
            }
            items.append(
                AttentionItem(
                    kind: .alert, subject: event.subject, title: nil,
                    message: "\(event.payload["kind"]?.stringValue ?? "alert"): "
                        + (event.payload["message"]?.stringValue ?? ""),
                    since: event.createdAt, until: nil, actions: []))
        }
        return items
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
