public import Foundation

/// What an agent's output stream says, in the same terms for every CLI.
public enum AgentEvent: Sendable, Hashable {
    /// The session began (Claude's `system/init`, Codex's `thread.started`).
    case started(sessionID: String?, model: String?)
    /// Text from the agent: an assistant message, or a line of a CLI without a JSON stream.
    case text(String)
    /// The agent called a tool (`Bash`, `shell`, `mcp__turbocode__report_progress`).
    case toolCall(name: String)
    /// A tool call's result: whether it succeeded.
    case toolResult(ok: Bool)
    /// Tokens in and out, and the cost when the CLI reports one.
    case usage(inputTokens: Int, outputTokens: Int, costUSD: Double?)
    /// The CLI refused a tool call its permissions do not allow: the tool and, when the CLI says, what was asked
    /// (`git push origin main`).
    case permissionDenied(tool: String, detail: String? = nil)
    /// A usage or rate limit; dispatch to this driver pauses until `resetAt` (a default wait when nil).
    case rateLimited(resetAt: Date?, message: String)
    /// A failure that is not the agent's fault and that retrying the same way will not cure, or only later.
    case failure(AgentFailure, message: String)
    /// The CLI's own retries got through after a limit or an overload it reported earlier in the run.
    case recovered
    /// The CLI's own terminal event.
    case finished(success: Bool, detail: String?)
    /// Anything else worth keeping (stderr lines, retries, unknown JSON types).
    case notice(String)

    /// Whether the event shows the agent is alive and working (counts as a heartbeat).
    public var isActivity: Bool {
        switch self {
        case .notice: false
        default: true
        }
    }
}

/// The classes of failure a CLI reports in its stream, each handled its own way.
public enum AgentFailure: String, Sendable, Hashable, CaseIterable {
    /// No or a refused credential: never retried; the driver is paused and an alert says what to set.
    case authentication
    /// Credit or billing exhausted: like authentication, a person has to act.
    case billing
    /// The provider is overloaded (529, 503): retried with back-off, not counted against the issue.
    case overloaded
    /// The conversation outgrew the model's context window.
    case contextLimit = "context_limit"
    /// The CLI's own turn or budget limit ended the run.
    case turnLimit = "turn_limit"

    /// Whether the driver is unusable until a person acts (nothing is retried with it).
    public var needsPerson: Bool { self == .authentication || self == .billing }
}

/// Why a run ended, from the supervisor's side.
public enum RunTermination: Sendable, Hashable, CustomStringConvertible {
    /// The process exited by itself with this status.
    case exited(Int32)
    /// Killed by a signal nobody in turboCode sent (a crash, an OOM kill).
    case signaled(Int32)
    /// No output for longer than the inactivity timeout.
    case inactive
    /// Ran past the wall-clock timeout.
    case wallClock
    /// Stopped on request (lease lost, shutdown), with the reason.
    case stopped(String)

    /// One line for logs and give-back reasons (`exited with status 1`).
    public var description: String {
        switch self {
        case .exited(let status): "exited with status \(status)"
        case .signaled(let signal): "killed by signal \(signal)"
        case .inactive: "no output within the inactivity timeout"
        case .wallClock: "ran past the wall-clock timeout"
        case .stopped(let reason): "stopped: \(reason)"
        }
    }
}

/// What one run of an agent process amounted to.
public struct RunReport: Sendable {
    /// How the process ended; a stop turboCode asked for (limits, ``AgentProcess/stop(_:)``) wins over the exit status.
    public var termination: RunTermination
    /// The CLI's terminal event, if it wrote one: success and detail.
    public var finished: (success: Bool, detail: String?)?
    /// The last limit reported and not recovered from: when it resets (nil: unknown) and the CLI's message.
    public var rateLimit: (resetAt: Date?, message: String)?
    /// Input tokens, summed over the run's usage events.
    public var inputTokens = 0
    /// Output tokens, summed over the run's usage events.
    public var outputTokens = 0
    /// The run's cost in US dollars; nil when the CLI reported none.
    public var costUSD: Double?
    /// Tool calls the stream announced.
    public var toolCalls = 0
    /// What the CLI refused, in order, each once: `Bash: git push origin main`.
    public var permissionDenials: [String] = []
    /// The first failure class the stream reported.
    public var failure: (kind: AgentFailure, message: String)?
    /// Where stdout and stderr were kept.
    public var logDirectory: URL

    /// An empty report that ended as `termination`; events are folded in with ``add(_:)``.
    public init(termination: RunTermination, logDirectory: URL) {
        self.termination = termination
        self.logDirectory = logDirectory
    }

    /// Folds one event into the report.
    public mutating func add(_ event: AgentEvent) {
        switch event {
        case .toolCall: toolCalls += 1
        case .usage(let input, let output, let cost):
            inputTokens += input
            outputTokens += output
            if let cost { costUSD = (costUSD ?? 0) + cost }
        case .permissionDenied(let tool, let detail):
            let denial = detail.map { "\(tool): \($0)" } ?? tool
            // A CLI may report a denial live and again in its final summary; a summary without the detail repeats
            // one already named with it.
            if !permissionDenials.contains(denial),
                detail != nil
                    || !permissionDenials.contains(where: {
                        $0.hasPrefix("\(tool): ")
                    })
            {
                permissionDenials.append(denial)
            }
        case .rateLimited(let resetAt, let message): rateLimit = (resetAt, message)
        case .failure(let kind, let message):
            // The first failure, unless a later one needs a person (it decides what happens next).
            if failure == nil || (kind.needsPerson && failure?.kind.needsPerson == false) { failure = (kind, message) }
        case .recovered:
            rateLimit = nil
            if failure?.kind == .overloaded { failure = nil }
        case .finished(let success, let detail): finished = (success, detail)
        default: break
        }
    }
}
