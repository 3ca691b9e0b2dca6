public import Foundation

/// The plan's success metrics over a window (`turbocode stats`, `GET /api/v1/stats`).
public struct Stats: Encodable, Sendable, Hashable {
    /// Issues closed on one UTC day.
    public struct Day: Encodable, Sendable, Hashable {
        /// The day, `YYYY-MM-DD` in UTC.
        public var day: String
        /// Issues closed that day that are still closed.
        public var closed: Int

        /// A day and its count.
        public init(day: String, closed: Int) {
            self.day = day
            self.closed = closed
        }
    }

    /// How many of some runs or decisions passed.
    public struct Rate: Encodable, Sendable, Hashable {
        /// How many were counted.
        public var total: Int
        /// How many of them passed.
        public var passed: Int
        /// passed / total; nil without any.
        public var rate: Double?

        /// A rate from its counts; ``rate`` is nil when `total` is 0.
        public init(total: Int, passed: Int) {
            self.total = total
            self.passed = passed
            self.rate = total == 0 ? nil : Double(passed) / Double(total)
        }
    }

    /// One agent's work sessions within the window.
    public struct Agent: Encodable, Sendable, Hashable {
        /// The agent id, without the `ai:` prefix.
        public var agent: String
        /// Its work sessions that overlap the window.
        public var sessions: Int
        /// Whole seconds of those sessions inside the window.
        public var busySeconds: Int
        /// Busy time over the window's length, 0–1.
        public var utilization: Double
        /// Tokens in its sessions reported.
        public var inputTokens = 0
        /// Tokens out its sessions reported.
        public var outputTokens = 0
        /// The cost its sessions reported, in US dollars.
        public var costUSD = 0.0

        /// An agent's figures as computed.
        public init(
            agent: String, sessions: Int, busySeconds: Int, utilization: Double, inputTokens: Int = 0,
            outputTokens: Int = 0, costUSD: Double = 0
        ) {
            self.agent = agent
            self.sessions = sessions
            self.busySeconds = busySeconds
            self.utilization = utilization
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.costUSD = costUSD
        }

        enum CodingKeys: String, CodingKey {
            case agent, sessions, busySeconds = "busy_seconds", utilization, inputTokens = "input_tokens"
            case outputTokens = "output_tokens", costUSD = "cost_usd"
        }
    }

    /// The usage agents' sessions reported on one UTC day (the day each session started, within the window).
    public struct UsageDay: Encodable, Sendable, Hashable {
        /// `YYYY-MM-DD`.
        public var day: String
        /// Sessions that started that day and reported usage.
        public var sessions: Int
        /// Tokens in.
        public var inputTokens: Int
        /// Tokens out.
        public var outputTokens: Int
        /// Cost, in US dollars.
        public var costUSD: Double

        /// A day's usage.
        public init(day: String, sessions: Int, inputTokens: Int, outputTokens: Int, costUSD: Double) {
            self.day = day
            self.sessions = sessions
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.costUSD = costUSD
        }

        enum CodingKeys: String, CodingKey {
            case day, sessions, inputTokens = "input_tokens", outputTokens = "output_tokens", costUSD = "cost_usd"
        }
    }

    /// Count, mean and 90th percentile of some durations.
    public struct Durations: Encodable, Sendable, Hashable {
        /// How many durations there are.
        public var count: Int
        /// The mean, in seconds; nil when there are none.
        public var meanSeconds: Double?
        /// The 90th percentile (nearest rank), in seconds; nil when there are none.
        public var p90Seconds: Double?

        enum CodingKeys: String, CodingKey { case count, meanSeconds = "mean_seconds", p90Seconds = "p90_seconds" }
    }

    /// Tokens and cost agents reported, in total and per issue that reported any.
    public struct Usage: Encodable, Sendable, Hashable {
        /// Issues with at least one agent session in the window that reported usage.
        public var issues: Int
        /// Input tokens reported, summed.
        public var inputTokens: Int
        /// Output tokens reported, summed.
        public var outputTokens: Int
        /// Cost reported, in US dollars, summed.
        public var costUSD: Double
        /// `inputTokens` over `issues`; nil when no issue reported usage.
        public var inputTokensPerIssue: Double?
        /// `outputTokens` over `issues`; nil when no issue reported usage.
        public var outputTokensPerIssue: Double?
        /// `costUSD` over `issues`, in US dollars; nil when no issue reported usage.
        public var costUSDPerIssue: Double?

        enum CodingKeys: String, CodingKey {
            case issues, inputTokens = "input_tokens", outputTokens = "output_tokens", costUSD = "cost_usd"
            case inputTokensPerIssue = "input_tokens_per_issue", outputTokensPerIssue = "output_tokens_per_issue"
            case costUSDPerIssue = "cost_usd_per_issue"
        }
    }

    /// Merge conflicts found, against the commits verified.
    public struct Conflicts: Encodable, Sendable, Hashable {
        /// Failed verifications and merges that stopped at the merge step.
        public var conflicts: Int
        /// Commits in the verifications that passed.
        public var commits: Int
        /// Conflicts per 100 commits; nil when no commit was verified.
        public var per100Commits: Double?

        enum CodingKeys: String, CodingKey { case conflicts, commits, per100Commits = "per_100_commits" }
    }

    /// Start of the window: the time asked for, else 30 days before `until`.
    public var since: Date
    /// End of the window: when the stats were computed.
    public var until: Date
    /// Issues closed in the window, by UTC day, oldest first; days without any are left out.
    public var closedPerDay: [Day]
    /// Issues closed in the window that are still closed.
    public var closed: Int
    /// Of those, the ones closed as `merged`.
    public var merged: Int
    /// Issues whose first review decision was an approval, of those with a decision.
    public var reviewFirstPass: Rate
    /// Verification runs in the window, and how many passed.
    public var verification: Rate
    /// Per-agent sessions and utilization, by agent id.
    public var agents: [Agent]
    /// Busy agent time over (agents × window).
    public var utilization: Double?
    /// Merge conflicts found per commits verified.
    public var conflicts: Conflicts
    /// Time from an issue's last submission to its merge, over the issues merged in the window.
    public var submissionToMerge: Durations
    /// Tokens and cost that the agents' sessions in the window reported.
    public var usage: Usage
    /// The same by UTC day, oldest first; days without usage are left out.
    public var usagePerDay: [UsageDay] = []

    /// Stats as ``StatsService/compute(store:project:since:now:)`` assembles them.
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
        case usagePerDay = "usage_per_day"
    }
}

extension Stats.Durations {
    /// The figures of `seconds`, given in any order.
    public init(_ seconds: [Double]) {
        count = seconds.count
        meanSeconds = seconds.isEmpty ? nil : seconds.reduce(0, +) / Double(seconds.count)
        let sorted = seconds.sorted()
        p90Seconds =
            sorted.isEmpty ? nil : sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.9).rounded(.up)) - 1)]
    }
}

extension Stats.Usage {
    /// Totals with the per-issue averages derived; the averages are nil when `issues` is 0.
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
    /// The counts with ``per100Commits`` derived; nil when `commits` is 0.
    public init(conflicts: Int, commits: Int) {
        self.conflicts = conflicts
        self.commits = commits
        per100Commits = commits == 0 ? nil : Double(conflicts) * 100 / Double(commits)
    }
}
