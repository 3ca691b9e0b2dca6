public import Foundation

/// A blocker of a queue candidate, with what decides whether it still blocks.
public struct QueueBlocker: Hashable, Sendable {
    /// The blocker's key.
    public var key: IssueKey
    /// Its current status.
    public var status: IssueStatus
    /// Why it was closed; nil unless it is closed.
    public var closedReason: ClosedReason?

    /// A blocker as the queue snapshot reads it.
    public init(key: IssueKey, status: IssueStatus, closedReason: ClosedReason?) {
        self.key = key
        self.status = status
        self.closedReason = closedReason
    }

    /// Whether this blocker is finished: closed as `done` or `merged`.
    public var isSatisfied: Bool { status == .closed && (closedReason?.satisfiesDependents ?? false) }
}

/// A `ready` issue as the queue needs it: only the fields that eligibility and the score read.
public struct QueueCandidate: Hashable, Sendable {
    /// The issue's UUID.
    public var id: UUID
    /// The issue's key; the last tie-breaker of the order.
    public var key: IssueKey
    /// The issue's title, for display.
    public var title: String
    /// Its priority, the `priority` part of the score.
    public var priority: IssuePriority
    /// Labels an agent must have to take it; empty means any agent.
    public var capabilities: [String]
    /// Its declared path globs, checked against the in-flight issues' paths.
    public var paths: [String]
    /// A manual rank (1 first) that puts it ahead of every unranked issue; nil for none.
    public var workRank: Int?
    /// When it was created: the `age` part of the score, and older first on ties.
    public var createdAt: Date
    /// Every issue that blocks it, finished or not.
    public var blockers: [QueueBlocker]
    /// How many issues that are not closed this one blocks.
    public var blocksCount: Int

    /// A candidate as the queue snapshot reads it.
    public init(
        id: UUID, key: IssueKey, title: String, priority: IssuePriority, capabilities: [String], paths: [String],
        workRank: Int?, createdAt: Date, blockers: [QueueBlocker], blocksCount: Int
    ) {
        self.id = id
        self.key = key
        self.title = title
        self.priority = priority
        self.capabilities = capabilities
        self.paths = paths
        self.workRank = workRank
        self.createdAt = createdAt
        self.blockers = blockers
        self.blocksCount = blocksCount
    }
}

/// An issue someone is working on, whose declared paths are taken.
public struct InFlightIssue: Hashable, Sendable {
    /// The issue's key.
    public var key: IssueKey
    /// Its status: `assigned`, `in_progress`, `testing` or `review`.
    public var status: IssueStatus
    /// The path globs it declared; ready issues with overlapping globs wait.
    public var paths: [String]

    /// An in-flight issue as the queue snapshot reads it.
    public init(key: IssueKey, status: IssueStatus, paths: [String]) {
        self.key = key
        self.status = status
        self.paths = paths
    }
}

/// Everything the queue is computed from, read in one consistent snapshot, with the database's clock.
public struct QueueSnapshot: Sendable {
    /// The database's clock when the snapshot was read; ages are measured up to it.
    public var now: Date
    /// The `ready` issues.
    public var candidates: [QueueCandidate]
    /// The issues in `assigned`, `in_progress`, `testing` or `review`.
    public var inFlight: [InFlightIssue]

    /// A snapshot as a store reads it.
    public init(now: Date, candidates: [QueueCandidate], inFlight: [InFlightIssue]) {
        self.now = now
        self.candidates = candidates
        self.inFlight = inFlight
    }
}

/// The parts of a queue score (DESIGN §4), kept so `turbocode queue` can show them.
public struct ScoreParts: Hashable, Sendable {
    /// critical 100, high 50, medium 25, low 10.
    public var priority: Double
    /// 20 when no blocker is open, else 0.
    public var noBlockers: Double
    /// `min(age_days * 0.5, 20)`.
    public var age: Double
    /// 5 per issue it blocks that is not closed.
    public var blocks: Double

    /// The sum of the parts.
    public var total: Double { priority + noBlockers + age + blocks }

    /// Parts as ``WorkQueue/score(_:hasOpenBlockers:now:)`` computes them.
    public init(priority: Double, noBlockers: Double, age: Double, blocks: Double) {
        self.priority = priority
        self.noBlockers = noBlockers
        self.age = age
        self.blocks = blocks
    }
}

/// Why a ready issue cannot be taken now.
public enum IneligibleReason: Hashable, Sendable, CustomStringConvertible {
    /// Blockers that are not closed as done or merged.
    case blocked(by: [QueueBlocker])
    /// Declared paths that overlap an in-flight issue's.
    case pathOverlap(with: IssueKey, ours: String, theirs: String)

    /// One line for people: the open blockers with their states, or the overlapping globs.
    public var description: String {
        switch self {
        case .blocked(let blockers):
            "blocked by "
                + blockers.map { blocker in
                    blocker.status == .closed
                        ? "\(blocker.key) (closed as \(blocker.closedReason?.rawValue ?? "unknown"))"
                        : "\(blocker.key) (\(blocker.status))"
                }.joined(separator: ", ")
        case .pathOverlap(let other, let ours, let theirs):
            "paths overlap \(other) (in flight): \(ours) ~ \(theirs)"
        }
    }
}

/// One row of the work queue.
public struct QueueEntry: Hashable, Sendable {
    /// The ready issue.
    public var candidate: QueueCandidate
    /// Its score, part by part.
    public var parts: ScoreParts
    /// nil when the issue is eligible.
    public var reason: IneligibleReason?

    /// The total score, the sum of ``parts``; higher goes first after the manual ranks.
    public var score: Double { parts.total }
    /// Whether it can be dispatched now: no open blocker and no path overlap.
    public var isEligible: Bool { reason == nil }
}

/// The priority work queue: eligibility and the exact score of DESIGN §4.
public enum WorkQueue {
    /// Eligible issues in dispatch order, then the ineligible ready ones (same order) with their reasons.
    ///
    /// Order: a manual `work_rank` first (ascending) ahead of all unranked issues, then score (descending), then
    /// older first, then key.
    public static func rank(_ snapshot: QueueSnapshot) -> [QueueEntry] {
        // The in-flight issues in key order with their globs split once, not once per candidate and comparison.
        let inFlight = snapshot.inFlight.filter { !$0.paths.isEmpty }.sorted { $0.key < $1.key }
            .map { ($0.key, $0.paths.map(PathGlob.Pattern.init)) }
        let entries = snapshot.candidates.map { candidate in
            let openBlockers = candidate.blockers.filter { !$0.isSatisfied }.sorted { $0.key < $1.key }
            let parts = score(candidate, hasOpenBlockers: !openBlockers.isEmpty, now: snapshot.now)
            var reason: IneligibleReason? = openBlockers.isEmpty ? nil : .blocked(by: openBlockers)
            if reason == nil, !candidate.paths.isEmpty, !inFlight.isEmpty {
                let ours = candidate.paths.map(PathGlob.Pattern.init)
                for (key, theirs) in inFlight where key != candidate.key {
                    if let (mine, other) = PathGlob.anyOverlap(ours, theirs) {
                        reason = .pathOverlap(with: key, ours: mine, theirs: other)
                        break
                    }
                }
            }
            return QueueEntry(candidate: candidate, parts: parts, reason: reason)
        }
        // Sort small keys rather than the entries themselves: thousands of swaps of large structs cost more than
        // the comparisons.
        let keys = entries.map(SortKey.init)
        return keys.indices.sorted { keys[$0] < keys[$1] }.map { entries[$0] }
    }

    /// The queue order as plain values: eligible first, ranked before unranked (by rank), higher score, older, key.
    /// Claims (which read candidates from indexes instead of ranking) merge them by this same order.
    public struct SortKey: Comparable, Sendable {
        var ineligible: Bool
        var unranked: Bool
        var rank: Int
        var negativeScore: Double
        var createdAt: Date
        var key: IssueKey

        init(_ entry: QueueEntry) {
            self.init(
                eligible: entry.isEligible, rank: entry.candidate.workRank, score: entry.score,
                createdAt: entry.candidate.createdAt, key: entry.candidate.key)
        }

        /// The place of an issue with these parts in the queue.
        public init(eligible: Bool, rank: Int?, score: Double, createdAt: Date, key: IssueKey) {
            ineligible = !eligible
            unranked = rank == nil
            self.rank = rank ?? 0
            negativeScore = -score
            self.createdAt = createdAt
            self.key = key
        }

        /// Whether `a` goes before `b`.
        public static func < (a: SortKey, b: SortKey) -> Bool {
            if a.ineligible != b.ineligible { return !a.ineligible }
            if a.unranked != b.unranked { return !a.unranked }
            if a.rank != b.rank { return a.rank < b.rank }
            if a.negativeScore != b.negativeScore { return a.negativeScore < b.negativeScore }
            if a.createdAt != b.createdAt { return a.createdAt < b.createdAt }
            return a.key < b.key
        }
    }

    /// The score of one candidate at `now`.
    public static func score(_ candidate: QueueCandidate, hasOpenBlockers: Bool, now: Date) -> ScoreParts {
        let ageDays = max(0, now.timeIntervalSince(candidate.createdAt)) / 86_400
        return ScoreParts(
            priority: candidate.priority.weight,
            noBlockers: hasOpenBlockers ? 0 : 20,
            age: min(ageDays * 0.5, 20),
            blocks: 5 * Double(candidate.blocksCount)
        )
    }
}
