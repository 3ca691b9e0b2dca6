public import Foundation

/// The success metrics of a project over a window, from the store alone (issues, work logs, checks).
public enum StatsService {
    /// `since` nil: the last 30 days.
    public static func compute(store: any TurboStore, project: ProjectRef?, since: Date?, now: Date = Date())
        async throws -> Stats
    {
        let asked = since
        let since = since ?? now.addingTimeInterval(-30 * 86_400)
        let issues = try await store.issues(IssueFilter(project: project))
        let ids = Set(issues.map(\.id))
        let checks = try await store.checks(since: since).filter { ids.contains($0.issueID) }

        // Closed per day (UTC days).
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        func day(_ date: Date) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        }
        let closed = issues.filter { ($0.closedAt ?? .distantPast) >= since && $0.status == .closed }
        let days = Dictionary(grouping: closed) { day($0.closedAt ?? now) }
            .map { Stats.Day(day: $0.key, closed: $0.value.count) }.sorted { $0.day < $1.day }

        // First review decision per issue: an approval passes. (Automatic approvals count: they are decisions.)
        let decisions = Dictionary(grouping: checks.filter { $0.kind == .approval || $0.kind == .changesRequested }) {
            $0.issueID
        }
        let firstPass = decisions.values.filter { $0.first?.kind == .approval }.count
        let verifications = checks.filter { $0.kind == .verification }

        // Conflicts found (verification or merge stopped at the merge step) per 100 commits verified.
        let conflicts = checks.filter {
            !$0.passed && ($0.kind == .verification || $0.kind == .merge) && $0.evidence["step"] == "merge"
        }.count
        let commits = verifications.filter(\.passed).reduce(0) { $0 + ($1.evidence["commits"]?.arrayValue?.count ?? 0) }

        // Agents: busy time of their work sessions within the window; submission times for merge latency; usage.
        var busy: [String: (sessions: Int, seconds: Double)] = [:]
        var firstSession: Date?
        var toMerge: [Double] = []
        var usage = (issues: Set<UUID>(), input: 0, output: 0, cost: 0.0)
        var usageByAgent: [String: (input: Int, output: Int, cost: Double)] = [:]
        var usageByDay: [String: Stats.UsageDay] = [:]
        let merges = Dictionary(grouping: checks.filter { $0.kind == .merge && $0.passed }, by: \.issueID)
        for issue in issues {
            let logs = try await store.workLogs(of: .id(issue.id))
            for log in logs where log.startedBy.hasPrefix("ai:") {
                let start = max(log.startedAt, since)
                let end = min(log.endedAt ?? now, now)
                guard end > start else { continue }
                firstSession = min(firstSession ?? start, start)
                let agent = String(log.startedBy.dropFirst(3))
                busy[agent, default: (0, 0)].sessions += 1
                busy[agent, default: (0, 0)].seconds += end.timeIntervalSince(start)
                if log.inputTokens != nil || log.outputTokens != nil || log.costUSD != nil {
                    usage.issues.insert(issue.id)
                    usage.input += log.inputTokens ?? 0
                    usage.output += log.outputTokens ?? 0
                    usage.cost += log.costUSD ?? 0
                    usageByAgent[agent, default: (0, 0, 0)].input += log.inputTokens ?? 0
                    usageByAgent[agent, default: (0, 0, 0)].output += log.outputTokens ?? 0
                    usageByAgent[agent, default: (0, 0, 0)].cost += log.costUSD ?? 0
                    let started = day(start)
                    var today =
                        usageByDay[started]
                        ?? Stats.UsageDay(day: started, sessions: 0, inputTokens: 0, outputTokens: 0, costUSD: 0)
                    today.sessions += 1
                    today.inputTokens += log.inputTokens ?? 0
                    today.outputTokens += log.outputTokens ?? 0
                    today.costUSD += log.costUSD ?? 0
                    usageByDay[started] = today
                }
            }
            if let merge = merges[issue.id]?.last,
                let submitted = logs.last(where: { $0.outcome == .submitted && ($0.endedAt ?? now) <= merge.createdAt }
                )?
                .endedAt
            {
                toMerge.append(merge.createdAt.timeIntervalSince(submitted))
            }
        }
        // Utilization is busy time over the window: the one asked for, else (the default 30 days) from the first
        // work session in it, so a young project is not measured against days before it existed.
        let windowStart = asked ?? firstSession ?? since
        let window = max(1, now.timeIntervalSince(min(windowStart, now)))
        let agents = busy.map { agent, value in
            Stats.Agent(
                agent: agent, sessions: value.sessions, busySeconds: Int(value.seconds),
                utilization: min(1, value.seconds / window), inputTokens: usageByAgent[agent]?.input ?? 0,
                outputTokens: usageByAgent[agent]?.output ?? 0, costUSD: usageByAgent[agent]?.cost ?? 0)
        }.sorted { $0.agent < $1.agent }
        let total = busy.values.reduce(0) { $0 + $1.seconds }
        var stats = Stats(
            since: since, until: now, closedPerDay: days, closed: closed.count,
            merged: closed.filter { $0.closedReason == .merged }.count,
            reviewFirstPass: Stats.Rate(total: decisions.count, passed: firstPass),
            verification: Stats.Rate(total: verifications.count, passed: verifications.filter(\.passed).count),
            agents: agents, utilization: agents.isEmpty ? nil : min(1, total / (window * Double(agents.count))),
            conflicts: Stats.Conflicts(conflicts: conflicts, commits: commits),
            submissionToMerge: Stats.Durations(toMerge),
            usage: Stats.Usage(
                issues: usage.issues.count, inputTokens: usage.input, outputTokens: usage.output, costUSD: usage.cost))
        stats.usagePerDay = usageByDay.values.sorted { $0.day < $1.day }
        return stats
    }

    /// The text `turbocode stats` prints.
    public static func text(_ stats: Stats) -> String {
        func percent(_ rate: Double?) -> String { rate.map { String(format: "%.0f %%", $0 * 100) } ?? "–" }
        func duration(_ seconds: Double?) -> String {
            guard let seconds else { return "–" }
            return seconds < 120
                ? String(format: "%.1f s", seconds)
                : seconds < 7_200 ? String(format: "%.1f min", seconds / 60) : String(format: "%.1f h", seconds / 3_600)
        }
        let lines = [
            "Since \(stats.since.formatted(.iso8601)) (until \(stats.until.formatted(.iso8601)))",
            "Issues closed: \(stats.closed) (\(stats.merged) merged)"
                + (stats.closedPerDay.isEmpty
                    ? ""
                    : " — per day: "
                        + stats.closedPerDay.map { "\($0.day) \($0.closed)" }.joined(separator: ", ")),
            "Review pass rate (approved on first review): \(percent(stats.reviewFirstPass.rate)) "
                + "(\(stats.reviewFirstPass.passed) of \(stats.reviewFirstPass.total))",
            "Verification pass rate: \(percent(stats.verification.rate)) "
                + "(\(stats.verification.passed) of \(stats.verification.total) runs)",
            "Agent utilization: \(percent(stats.utilization))"
                + (stats.agents.isEmpty
                    ? ""
                    : " — "
                        + stats.agents.map { "\($0.agent) \(percent($0.utilization)) (\($0.sessions) sessions)" }
                        .joined(separator: ", ")),
            "Conflicts: \(stats.conflicts.conflicts) in \(stats.conflicts.commits) commits "
                + "(\(stats.conflicts.per100Commits.map { String(format: "%.1f", $0) } ?? "–") per 100 commits)",
            "Submission to merge: mean \(duration(stats.submissionToMerge.meanSeconds)), "
                + "p90 \(duration(stats.submissionToMerge.p90Seconds)) (\(stats.submissionToMerge.count) merged)",
            "Cost per issue: \(stats.usage.costUSDPerIssue.map { String(format: "$%.4f", $0) } ?? "–"), tokens "
                + "\(stats.usage.inputTokensPerIssue.map { String(Int($0)) } ?? "–") in / "
                + "\(stats.usage.outputTokensPerIssue.map { String(Int($0)) } ?? "–") out "
                + "(\(stats.usage.issues) issues reporting usage, total "
                + String(format: "$%.4f", stats.usage.costUSD) + ")",
        ]
        return lines.joined(separator: "\n")
    }
}

extension StatsService {
    /// `7d`, `12h`, `30m` before now, or an ISO-8601 date or time.
    public static func parseSince(_ text: String, now: Date = Date()) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in [("d", 86_400.0), ("h", 3_600.0), ("m", 60.0)] where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast()), value >= 0 { return now.addingTimeInterval(-value * factor) }
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let day = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return day }
        return nil
    }
}
