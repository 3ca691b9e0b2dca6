public import Foundation

/// The catalogue of event types. Every state change writes one of these in the same transaction.
public enum EventType: String, Sendable, CaseIterable, Hashable {
    case projectCreated = "project.created"
    case issueCreated = "issue.created"
    case issueUpdated = "issue.updated"
    case issueReady = "issue.ready"
    case issueAssigned = "issue.assigned"
    case issueStarted = "issue.started"
    case issueTesting = "issue.testing"
    case issueInReview = "issue.review"
    case issueClosed = "issue.closed"
    case issueReopened = "issue.reopened"
    case issueDeleted = "issue.deleted"
    case dependencyAdded = "dependency.added"
    case dependencyRemoved = "dependency.removed"
    case commentAdded = "comment.added"
    case workLogStarted = "worklog.started"
    case workLogEnded = "worklog.ended"
    case worktreeCreated = "worktree.created"
    case worktreeRemoved = "worktree.removed"
    case conflictDetected = "conflict.detected"
    case conflictResolved = "conflict.resolved"
    case tokenCreated = "token.created"
    case tokenRevoked = "token.revoked"
    case leaseAcquired = "lease.acquired"
    case leaseReleased = "lease.released"
    case issueProgress = "issue.progress"
    case issueBlocked = "issue.blocked"
    case webhookTest = "webhook.test"
    case webhookDisabled = "webhook.disabled"
    case alertRaised = "alert.raised"
    case verificationPassed = "verification.passed"
    case verificationFailed = "verification.failed"
    case reviewApproved = "review.approved"
    case reviewChangesRequested = "review.changes_requested"
    case mergeSucceeded = "merge.succeeded"
    case mergeFailed = "merge.failed"
    case pullRequestOpened = "pull_request.opened"
    case agentPermissionDenied = "agent.permission_denied"
    case driverPaused = "driver.paused"
    case driverResumed = "driver.resumed"
}

/// A row of the event log: the outbox that WebSocket, webhooks and readers consume.
public struct Event: Hashable, Sendable, Identifiable {
    /// Monotonic, committed in id order.
    public var id: Int64
    /// The event type's dotted name (`issue.closed`) as stored: an ``EventType`` raw value when this build wrote it.
    public var type: String
    /// The issue key, project key or agent id the event is about.
    public var subject: String
    /// The type-specific details, as the ``EventDraft`` builders wrote them.
    public var payload: JSONValue
    /// When it was written, by the store's clock, in the transaction of the change.
    public var createdAt: Date

    /// An event as read back from the log.
    public init(id: Int64, type: String, subject: String, payload: JSONValue, createdAt: Date) {
        self.id = id
        self.type = type
        self.subject = subject
        self.payload = payload
        self.createdAt = createdAt
    }
}

/// An event about to be written by a store, inside the transaction of the change it describes.
public struct EventDraft: Hashable, Sendable {
    /// Which kind of change it records.
    public var type: EventType
    /// The issue key, project key or agent id the event is about.
    public var subject: String
    /// The type-specific details, a JSON object.
    public var payload: JSONValue

    /// A draft; the builders below (``issueCreated(_:)``, ``transition(_:from:actor:)``, …) fill the payload.
    public init(type: EventType, subject: String, payload: JSONValue) {
        self.type = type
        self.subject = subject
        self.payload = payload
    }

    /// The payload as compact JSON with sorted keys.
    public var payloadJSON: String { payload.jsonString }
}

extension EventDraft {
    /// `project.created`.
    public static func projectCreated(_ project: Project) -> EventDraft {
        EventDraft(
            type: .projectCreated, subject: project.key.rawValue,
            payload: [
                "id": .string(project.id.lowercasedString), "key": .string(project.key.rawValue),
                "name": .string(project.name),
            ])
    }

    /// `issue.created`, with the fields a subscriber needs to act without a second read.
    public static func issueCreated(_ issue: Issue) -> EventDraft {
        EventDraft(
            type: .issueCreated, subject: issue.key.description,
            payload: [
                "id": .string(issue.id.lowercasedString), "key": .string(issue.key.description),
                "title": .string(issue.title), "type": .string(issue.type.rawValue),
                "priority": .string(issue.priority.rawValue), "status": .string(issue.status.rawValue),
                "blocked_by": .array(issue.blockedBy.map { .string($0.description) }),
            ])
    }

    /// `issue.updated` naming the changed fields.
    public static func issueUpdated(_ issue: Issue, changed: [String]) -> EventDraft {
        EventDraft(
            type: .issueUpdated, subject: issue.key.description,
            payload: [
                "id": .string(issue.id.lowercasedString), "key": .string(issue.key.description),
                "changed": .array(changed.map(JSONValue.string)),
            ])
    }

    /// The event for entering `to` (`issue.ready`, `issue.closed`, …) with both states.
    ///
    /// `from` is nil when the issue was created in that status.
    public static func transition(_ issue: Issue, from: IssueStatus?, actor: String?) -> EventDraft {
        var payload: [String: JSONValue] = [
            "id": .string(issue.id.lowercasedString), "key": .string(issue.key.description),
            "from": from.map { .string($0.rawValue) } ?? .null, "to": .string(issue.status.rawValue),
        ]
        if let reason = issue.closedReason { payload["reason"] = .string(reason.rawValue) }
        if let actor { payload["actor"] = .string(actor) }
        return EventDraft(type: issue.status.eventType, subject: issue.key.description, payload: .object(payload))
    }

    /// `dependency.added` / `dependency.removed`.
    public static func dependency(_ type: EventType, blocker: IssueKey, blocked: IssueKey) -> EventDraft {
        EventDraft(
            type: type, subject: blocked.description,
            payload: ["blocker": .string(blocker.description), "blocked": .string(blocked.description)])
    }

    /// `comment.added`.
    public static func commentAdded(_ comment: Comment) -> EventDraft {
        EventDraft(
            type: .commentAdded, subject: comment.issueKey.description,
            payload: [
                "id": .string(comment.id.lowercasedString), "issue": .string(comment.issueKey.description),
                "author": .string(comment.author), "body": .string(comment.body),
            ])
    }

    /// `worklog.started` / `worklog.ended`.
    public static func workLog(_ type: EventType, _ log: WorkLog) -> EventDraft {
        var payload: [String: JSONValue] = [
            "id": .string(log.id.lowercasedString), "issue": .string(log.issueKey.description),
            "started_by": .string(log.startedBy),
        ]
        if let path = log.worktreePath { payload["worktree_path"] = .string(path) }
        if let branch = log.branchName { payload["branch_name"] = .string(branch) }
        if let outcome = log.outcome { payload["outcome"] = .string(outcome.rawValue) }
        if let commit = log.commit { payload["commit"] = .string(commit) }
        return EventDraft(type: type, subject: log.issueKey.description, payload: .object(payload))
    }
}

extension EventDraft {
    /// `worktree.created` / `worktree.removed`.
    public static func worktree(_ type: EventType, _ record: WorktreeRecord, reason: String? = nil) -> EventDraft {
        var payload: [String: JSONValue] = [
            "issue": .string(record.issueKey.description), "path": .string(record.path),
            "branch": .string(record.branch), "base_commit": .string(record.baseCommit),
        ]
        if let reason { payload["reason"] = .string(reason) }
        return EventDraft(type: type, subject: record.issueKey.description, payload: .object(payload))
    }

    /// `conflict.detected` / `conflict.resolved`.
    public static func conflict(_ type: EventType, _ record: ConflictRecord) -> EventDraft {
        EventDraft(
            type: type, subject: record.issue.description,
            payload: [
                "issue": .string(record.issue.description),
                "other": record.other.map { .string($0.description) } ?? .null,
                "commits": .array(record.commits.map(JSONValue.string)),
                "paths": .array(record.paths.map(JSONValue.string)),
            ])
    }
}

extension EventDraft {
    /// `token.created` / `token.revoked`: the prefix and role, never the secret or its hash.
    public static func token(_ type: EventType, _ token: APIToken) -> EventDraft {
        EventDraft(
            type: type, subject: token.agentID ?? token.prefix,
            payload: [
                "id": .string(token.id.lowercasedString), "role": .string(token.role.rawValue),
                "prefix": .string(token.prefix), "agent": token.agentID.map(JSONValue.string) ?? .null,
            ])
    }
}

extension UUID {
    /// The canonical lower-case text form used in storage, JSON and events, written directly (Foundation's
    /// `uuidString` formats with `sprintf` and then it had to be lower-cased: a visible share of an issue list).
    public var lowercasedString: String {
        withUnsafeBytes(of: uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { text in
                let digits: StaticString = "0123456789abcdef"
                var at = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    text[at] = digits.utf8Start[Int(byte >> 4)]
                    text[at + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    at += 2
                }
                return at
            }
        }
    }
}

extension EventDraft {
    /// `lease.acquired` / `lease.released`.
    public static func lease(_ type: EventType, _ lease: Lease) -> EventDraft {
        var payload: [String: JSONValue] = [
            "id": .string(lease.id.lowercasedString), "issue": .string(lease.issueKey.description),
            "agent": .string(lease.agentID), "epoch": .number(Double(lease.epoch)),
        ]
        if let reason = lease.releaseReason { payload["reason"] = .string(reason) }
        return EventDraft(type: type, subject: lease.issueKey.description, payload: .object(payload))
    }

    /// `issue.progress`: what an agent says it has done so far.
    public static func progress(_ lease: Lease, message: String, percent: Int?) -> EventDraft {
        EventDraft(
            type: .issueProgress, subject: lease.issueKey.description,
            payload: [
                "issue": .string(lease.issueKey.description), "agent": .string(lease.agentID),
                "epoch": .number(Double(lease.epoch)), "message": .string(message),
                "percent": percent.map { .number(Double($0)) } ?? .null,
            ])
    }
}

extension EventDraft {
    /// `webhook.disabled`: an endpoint stopped receiving (410 Gone, or failing for days).
    public static func webhookDisabled(_ webhook: Webhook, reason: String) -> EventDraft {
        EventDraft(
            type: .webhookDisabled, subject: webhook.id.lowercasedString,
            payload: [
                "id": .string(webhook.id.lowercasedString), "url": .string(webhook.url), "reason": .string(reason),
            ])
    }

    /// `webhook.test`: sent to one endpoint on request.
    public static func webhookTest(_ webhook: Webhook) -> EventDraft {
        EventDraft(
            type: .webhookTest, subject: webhook.id.lowercasedString,
            payload: ["id": .string(webhook.id.lowercasedString), "url": .string(webhook.url)])
    }
}

extension EventDraft {
    /// `issue.blocked`: the agent holding `issue` (then in `from`) reported it blocked; it is `open` again.
    public static func blocked(_ issue: Issue, from: IssueStatus, actor: String, reason: String) -> EventDraft {
        EventDraft(
            type: .issueBlocked, subject: issue.key.description,
            payload: [
                "key": .string(issue.key.description), "from": .string(from.rawValue), "actor": .string(actor),
                "reason": .string(reason),
            ])
    }
}

/// What the orchestrator's monitors warn about.
public enum AlertKind: String, Sendable, CaseIterable {
    /// An agent has written nothing for longer than `alerts.agent_inactive`.
    case agentInactive = "agent_inactive"
    /// A worktree in work holds uncommitted changes older than `alerts.uncommitted_changes`.
    case uncommittedChanges = "uncommitted_changes"
    /// A work session ran into `limits.work_session_timeout`.
    case sessionTimeout = "session_timeout"
    /// Eligible issues wait because a limit is reached (agents, worktrees).
    case limitReached = "limit_reached"
    /// Little space left under the worktree root.
    case lowDisk = "low_disk"
    /// A driver cannot work until a person acts (no or a refused credential, billing); its work is held back.
    case driverUnusable = "driver_unusable"
}

extension EventDraft {
    /// `agent.permission_denied`: the agent's CLI refused a tool call its permissions do not allow.
    public static func permissionDenied(issue: String, agent: String, denial: String) -> EventDraft {
        EventDraft(
            type: .agentPermissionDenied, subject: issue,
            payload: .object(["agent": .string(agent), "denied": .string(denial)]))
    }

    /// `driver.paused`: dispatch to a driver stops until `until` (nil: until a person acts), with the reason and its
    /// class (`rate_limited`, `authentication`, `billing`).
    public static func driverPaused(_ driver: String, until: Date?, kind: String, reason: String) -> EventDraft {
        var payload: [String: JSONValue] = [
            "driver": .string(driver), "kind": .string(kind), "reason": .string(reason),
        ]
        payload["until"] = until.map { .string($0.formatted(.iso8601)) } ?? .null
        return EventDraft(type: .driverPaused, subject: driver, payload: .object(payload))
    }

    /// `driver.resumed`: a paused driver takes work again.
    public static func driverResumed(_ driver: String) -> EventDraft {
        EventDraft(type: .driverResumed, subject: driver, payload: .object(["driver": .string(driver)]))
    }

    /// `alert.raised`: a monitor's warning; the subject is the issue key, else the project key.
    public static func alert(_ kind: AlertKind, subject: String, message: String, agent: String? = nil) -> EventDraft {
        var payload: [String: JSONValue] = ["kind": .string(kind.rawValue), "message": .string(message)]
        if let agent { payload["agent"] = .string(agent) }
        return EventDraft(type: .alertRaised, subject: subject, payload: .object(payload))
    }
}
