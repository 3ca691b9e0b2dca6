public import Foundation
public import TurboAgents
import TurboCore

extension AgentSession {
    /// What follows a session, decided once for the local pool (`turbocode up`) and remote workers
    /// (`turbocode agent run`); each applies it with its own means (the store, or the coordinator over REST).
    public struct Aftermath: Sendable, Equatable {
        /// Where the issue goes.
        public enum GiveBack: Sendable, Equatable {
            /// Nowhere: it was submitted, or it moved on without this session.
            case none
            /// Back to the queue (`ready`).
            case ready
            /// Set aside for a person (`open`, with a comment).
            case setAside
        }

        /// Where the issue goes now; `.none` leaves its lease and status as they are.
        public var giveBack: GiveBack
        /// The lease's release reason.
        public var reason: String
        /// A comment on the issue, when the reason is worth one.
        public var comment: String?
        /// Dispatch to the driver stops (until when, why).
        public var pause: Pause?
        /// The issue is not tried again before this wait is over.
        public var retryAfter: Duration?
        /// Failed runs of the issue in a row after this session (0: the count starts over).
        public var failures: Int
        /// The line for the terminal.
        public var line: String
    }

    /// Why and until when a driver takes no work.
    public struct Pause: Sendable, Hashable {
        /// Nil: until a person acts (and restarts the pool or worker).
        public var until: Date?
        /// `rate_limited`, `authentication`, `billing`.
        public var kind: String
        /// The CLI's own words.
        public var reason: String

        /// A pause of `kind` until `until` (nil: until a person acts), with the CLI's message as `reason`.
        public init(until: Date?, kind: String, reason: String) {
            self.until = until
            self.kind = kind
            self.reason = reason
        }
    }

    /// What follows `outcome` for `issue` worked by a `driver` agent, after `failures` failed runs in a row.
    /// `logs` says where the run logs are, for the comment of an issue set aside.
    public static func aftermath(
        of outcome: Outcome, issue: String, agent: String, driver: DriverKind, failures: Int,
        limits: OrchestratorConfig.Limits, logs: String
    ) -> Aftermath {
        let name = driver.rawValue
        switch outcome {
        case .submitted:
            return Aftermath(giveBack: .none, reason: "submitted", failures: 0, line: "\(issue) submitted by \(agent)")
        case .leftAlone(let why):
            return Aftermath(giveBack: .none, reason: why, failures: failures, line: "\(issue) \(why)")
        case .rateLimited(let until, let message):
            return Aftermath(
                giveBack: .ready, reason: "\(name) is rate limited",
                pause: Pause(until: until, kind: "rate_limited", reason: message), failures: failures,
                line: "\(issue) given back: \(name) is rate limited")
        case .driverUnusable(let kind, let message):
            return Aftermath(
                giveBack: .ready, reason: "\(name) cannot work: \(kind.rawValue)",
                pause: Pause(until: nil, kind: kind.rawValue, reason: message), failures: failures,
                line: "\(issue) given back: \(name) cannot work (\(kind.rawValue))")
        case .retryLater(let why):
            let wait = backoff(limits.retryBackoff, failures: failures + 1)
            return Aftermath(
                giveBack: .ready, reason: why, retryAfter: wait, failures: failures,
                line: "\(issue) given back (\(why)); retried in \(Int(wait.timeInterval)) s")
        case .interrupted(let why):
            return Aftermath(giveBack: .ready, reason: why, failures: failures, line: "\(issue) given back: \(why)")
        case .failed(let why):
            let count = failures + 1
            if count >= limits.maxFailedRuns {
                // A person has to look: out of the queue, with the reason.
                return Aftermath(
                    giveBack: .setAside, reason: why,
                    comment: "turboCode stopped retrying after \(count) failed runs; the last one: \(why). "
                        + "Logs: \(logs). Make the issue ready again to retry.",
                    failures: 0, line: "\(issue) set aside after \(count) failed runs: \(why)")
            }
            let wait = backoff(limits.retryBackoff, failures: count)
            // What the CLI refused, or why a submission was refused, is worth a comment: the operator (and the
            // next run, which sees the latest comments) learns what stood in the way.
            let worthSaying = why.contains("permission denied") || why.contains("submission was refused")
            return Aftermath(
                giveBack: .ready, reason: why, comment: worthSaying ? "Given back: \(why)" : nil, retryAfter: wait,
                failures: count,
                line: "\(issue) given back (\(why)); retried in \(Int(wait.timeInterval)) s at the earliest")
        }
    }

    /// The wait before the next try after `failures` failed runs in a row: doubling from `base`.
    public static func backoff(_ base: Duration, failures: Int) -> Duration { base * (1 << max(0, failures - 1)) }
}
