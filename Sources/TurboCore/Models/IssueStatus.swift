/// The life cycle of an issue (DESIGN §3).
///
/// ```
/// open → ready → assigned → in_progress → testing → review → closed
/// ```
/// with the side paths of the diagram: a lease that expires or is released sends `assigned`/`in_progress` back to
/// `ready`, failed verification sends `testing` back to `in_progress`, requested changes send `review` back to
/// `in_progress`, `reopen` sends `closed` back to `open`, and an agent that reports the work blocked sends
/// `assigned`/`in_progress` back to `open`, out of the queue until someone makes it ready again. An issue nobody has
/// started (`open` or `ready`) can be closed directly, for example as `wont_fix` or `duplicate`.
public enum IssueStatus: String, UserParsableEnum {
    case open, ready, assigned
    case inProgress = "in_progress"
    case testing, review, closed
    /// Errors name the field `status`.
    public static let fieldName = "status"

    /// Statuses in which an agent holds or is doing the work: their declared paths block overlapping issues.
    public var isInFlight: Bool {
        switch self {
        case .assigned, .inProgress, .testing, .review: true
        case .open, .ready, .closed: false
        }
    }

    /// The statuses reachable from `from` in one guarded transition.
    public static func allowedTargets(from: IssueStatus) -> [IssueStatus] {
        switch from {
        case .open: [.ready, .closed]
        case .ready: [.assigned, .closed]
        case .assigned: [.inProgress, .ready, .open]
        case .inProgress: [.testing, .ready, .open]
        case .testing: [.inProgress, .review]
        case .review: [.inProgress, .closed]
        case .closed: [.open]
        }
    }

    /// Whether the state machine allows `self → target`.
    public func canTransition(to target: IssueStatus) -> Bool {
        IssueStatus.allowedTargets(from: self).contains(target)
    }

    /// The event type written when an issue enters this status.
    public var eventType: EventType {
        switch self {
        case .ready: .issueReady
        case .closed: .issueClosed
        case .open: .issueReopened
        case .assigned: .issueAssigned
        case .inProgress: .issueStarted
        case .testing: .issueTesting
        case .review: .issueInReview
        }
    }
}

extension IssueStatus: CustomStringConvertible {
    /// The raw value (`in_progress`), as stored and shown.
    public var description: String { rawValue }
}

extension IssueStatus {
    /// Whether moving from `self` to `target` takes the issue away from the agent holding its lease.
    public func endsLease(movingTo target: IssueStatus) -> Bool {
        (self == .assigned || self == .inProgress) && target != .inProgress && target != .testing
    }
}
