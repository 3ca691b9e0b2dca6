public import Foundation

/// What an agent's output stream says, in the same terms for every CLI.
public enum AgentEvent: Sendable, Hashable {
    /// The session began (Claude's `system/init`, Codex's `thread.started`).
    case started(sessionID: String?, model: String?)
    case text(String)
    case toolCall(name: String)
    case toolResult(ok: Bool)
    /// Tokens in and out, and the cost when the CLI reports one.
    case usage(inputTokens: Int, outputTokens: Int, costUSD: Double?)
    case permissionDenied(tool: String)
    /// A usage or rate limit; dispatch to this driver pauses until `resetAt` (a default wait when nil).
    case rateLimited(resetAt: Date?, message: String)
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
    public var termination: RunTermination
    /// The CLI's terminal event, if it wrote one: success and detail.
    public var finished: (success: Bool, detail: String?)?
    public var rateLimit: (resetAt: Date?, message: String)?
    public var inputTokens = 0
    public var outputTokens = 0
    public var costUSD: Double?
    public var toolCalls = 0
    public var permissionDenials: [String] = []
    /// Where stdout and stderr were kept.
    public var logDirectory: URL

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
        case .permissionDenied(let tool): permissionDenials.append(tool)
        case .rateLimited(let resetAt, let message): rateLimit = (resetAt, message)
        case .finished(let success, let detail): finished = (success, detail)
        default: break
        }
    }
}
