public import Foundation

/// The plan's success metrics over a window (`turbocode stats`, `GET /api/v1/stats`).
public struct Stats: Encodable, Sendable, Hashable {
    public struct Day: Encodable, Sendable, Hashable {
        public var day: String
        public var closed: Int

        public init(day: String, closed: Int) {
            self.day = day
            self.closed = closed
        }
    }

    public struct Rate: Encodable, Sendable, Hashable {
        public var total: Int
        public var passed: Int
        /// passed / total; nil without any.
        public var rate: Double?

        public init(total: Int, passed: Int) {
            self.total = total
            self.passed = passed
            self.rate = total == 0 ? nil : Double(passed) / Double(total)
        }
    }

    public struct Agent: Encodable, Sendable, Hashable {
        public var agent: String
        public var sessions: Int
        public var busySeconds: Int
        public var utilization: Double

        public init(agent: String, sessions: Int, busySeconds: Int, utilization: Double) {
            self.agent = agent
            self.sessions = sessions
            self.busySeconds = busySeconds
            self.utilization = utilization
        }

        enum CodingKeys: String, CodingKey {
            case agent, sessions, busySeconds = "busy_seconds", utilization
        }
    }

    public struct Durations: Encodable, Sendable, Hashable {
        public var count: Int
        public var meanSeconds: Double?
        public var p90Seconds: Double?

        enum CodingKeys: String, CodingKey { case count, meanSeconds = "mean_seconds", p90Seconds = "p90_seconds" }
    }

    public struct Usage: Encodable, Sendable, Hashable {
        public var issues: Int
        public var inputTokens: Int
        public var outputTokens: Int
        public var costUSD: Double
        public var inputTokensPerIssue: Double?
        public var outputTokensPerIssue: Double?
        public var costUSDPerIssue: Double?

        enum CodingKeys: String, CodingKey {
            case issues, inputTokens = "input_tokens", outputTokens = "output_tokens", costUSD = "cost_usd"
            case inputTokensPerIssue = "input_tokens_per_issue", outputTokensPerIssue = "output_tokens_per_issue"
            case costUSDPerIssue = "cost_usd_per_issue"
        }
    }

    public struct Conflicts: Encodable, Sendable, Hashable {
        public var conflicts: Int
        public var commits: Int
        public var per100Commits: Double?

        enum CodingKeys: String, CodingKey { case conflicts, commits, per100Commits = "per_100_commits" }
    }

    public var since: Date
    public var until: Date
    public var closedPerDay: [Day]
    public var closed: Int
    public var merged: Int
    /// Issues whose first review decision was an approval, of those with a decision.
    public var reviewFirstPass: Rate
    public var verification: Rate
    public var agents: [Agent]
    /// Busy agent time over (agents × window).
    public var utilization: Double?
    public var conflicts: Conflicts
    public var submissionToMerge: Durations
    public var usage: Usage

    public init(
        since: Date, until: Date, closedPerDay: [Day], closed: Int, merged: Int, reviewFirstPass: Rate,
        verification: Rate, agents: [Agent], utilization: Double?, conflicts: Conflicts,
        submissionToMerge: Durations, usage: Usage
    ) {
        self.since = since
        self.until = until
        self.closedPerDay = closedPerDay
        self.closed = closed
        self.merged = merged
        self.reviewFirstPass = reviewFirstPass
        self.verification = verification
        self.agents = agents
        self.utilization = utilization
        self.conflicts = conflicts
        self.submissionToMerge = submissionToMerge
        self.usage = usage
    }

    enum CodingKeys: String, CodingKey {
        case since, until, closedPerDay = "closed_per_day", closed, merged, reviewFirstPass = "review_first_pass"
        case verification, agents, utilization, conflicts, submissionToMerge = "submission_to_merge", usage
    }
}

extension Stats.Durations {
    public init(_ seconds: [Double]) {
        count = seconds.count
        meanSeconds = seconds.isEmpty ? nil : seconds.reduce(0, +) / Double(seconds.count)
        let sorted = seconds.sorted()
        p90Seconds =
            sorted.isEmpty ? nil : sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.9).rounded(.up)) - 1)]
    }
}

extension Stats.Usage {
    public init(issues: Int, inputTokens: Int, outputTokens: Int, costUSD: Double) {
        self.issues = issues
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.costUSD = costUSD
        inputTokensPerIssue = issues == 0 ? nil : Double(inputTokens) / Double(issues)
        outputTokensPerIssue = issues == 0 ? nil : Double(outputTokens) / Double(issues)
        costUSDPerIssue = issues == 0 ? nil : costUSD / Double(issues)
    }
}

extension Stats.Conflicts {
    public init(conflicts: Int, commits: Int) {
        self.conflicts = conflicts
        self.commits = commits
        per100Commits = commits == 0 ? nil : Double(conflicts) * 100 / Double(commits)
    }
}
