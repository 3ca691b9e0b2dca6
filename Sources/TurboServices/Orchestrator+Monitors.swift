import Foundation
import TurboAgents
import TurboCore
import TurboGit

// MARK: - Monitors

extension Orchestrator {

    /// Writes `alert.raised` for conditions that need a person: a silent agent, old uncommitted changes, a limit that
    /// holds eligible work back, little disk left under the worktree root. At most every 10 seconds (or half of
    /// `alerts.agent_inactive`, when shorter). The worktrees are looked at by a task of their own
    /// (``checkUncommittedChanges()``): a git process per running agent must not hold up scheduling.
    func monitor() async throws {
        let interval = min(.seconds(10), config.alerts.agentInactive / 2)
        if let lastMonitor, ContinuousClock.now - lastMonitor < interval { return }
        lastMonitor = .now
        holding = []
        let now = Date()
        for (issueID, run) in runs {
            let key = issueKeys[issueID] ?? issueID.uuidString
            let quiet = now.timeIntervalSince(run.lastActivity)
            if quiet > config.alerts.agentInactive.timeInterval {
                try await raise(
                    .agentInactive, key, "\(run.agent) has written nothing for \(Int(quiet / 60)) min", agent: run.agent
                )
            }
        }
        if uncommittedCheck == nil { checkUncommittedChanges() }
        if runs.count >= config.limits.maxConcurrentSubagents, let assignedAt, countedBefore(assignedAt) {
            // Counts read before the last assignment still count its issue as eligible waiting.
            try await refreshCounts(withWorktree: nil, force: true)
        }
        if runs.count >= config.limits.maxConcurrentSubagents, lastEligible > lastUnassignable {
            try await raise(
                .limitReached, project.key.rawValue,
                "\(lastEligible - lastUnassignable) eligible issue(s) wait: all "
                    + "\(config.limits.maxConcurrentSubagents) agent slots (limits.max_concurrent_subagents) are busy")
        }
        if warnedWorktreeLimit {
            try await raise(
                .limitReached, project.key.rawValue + " worktrees",
                "limits.max_active_worktrees (\(config.limits.maxActiveWorktrees)) reached; remove finished worktrees")
        }
        if let free = Self.freeSpace(under: work.worktrees.worktrees.layout.root),
            free.bytes < 1 << 30 || free.fraction < 0.05
        {
            try await raise(
                .lowDisk, project.key.rawValue,
                "\(free.bytes >> 20) MiB (\(Int(free.fraction * 100)) %) free under "
                    + "\(work.worktrees.worktrees.layout.root)")
        }
        raised.formIntersection(holding.union(uncommittedHolding))
    }

    /// Starts a task that reads each running issue's uncommitted changes and then raises (or clears) the
    /// `uncommitted_changes` alerts.
    func checkUncommittedChanges() {
        let targets = runs.map { (id: $0.key, key: issueKeys[$0.key] ?? $0.key.uuidString, agent: $0.value.agent) }
        let limit = config.alerts.uncommittedChanges.timeInterval
        let worktrees = work.worktrees
        uncommittedCheck = Task {
            var found: [(key: String, agent: String, files: Int, minutes: Int)] = []
            for target in targets where !Task.isCancelled {
                let now = Date()
                if let changes = try? await worktrees.uncommittedChanges(.id(target.id)),
                    let oldest = changes.oldestChange, now.timeIntervalSince(oldest) > limit
                {
                    found.append(
                        (target.key, target.agent, changes.files.count, Int(now.timeIntervalSince(oldest) / 60)))
                }
            }
            await uncommittedChecked(found)
        }
    }

    /// What ``checkUncommittedChanges()`` found: alerts for the new ones; the ones that no longer hold clear.
    func uncommittedChecked(_ found: [(key: String, agent: String, files: Int, minutes: Int)]) async {
        uncommittedCheck = nil
        var now: Set<String> = []
        for change in found {
            now.insert("\(AlertKind.uncommittedChanges.rawValue) \(change.key)")
            try? await raiseOnce(
                .uncommittedChanges, change.key,
                "\(change.files) uncommitted file(s), the oldest changed \(change.minutes) min ago", agent: change.agent
            )
        }
        raised.subtract(uncommittedHolding.subtracting(now))
        uncommittedHolding = now
    }

    /// Records that a condition holds and writes its alert the first time.
    func raise(_ kind: AlertKind, _ subject: String, _ message: String, agent: String? = nil) async throws {
        holding.insert("\(kind.rawValue) \(subject)")
        try await raiseOnce(kind, subject, message, agent: agent)
    }

    /// Writes the alert unless it was raised already and has not cleared since.
    func raiseOnce(_ kind: AlertKind, _ subject: String, _ message: String, agent: String?) async throws {
        let key = "\(kind.rawValue) \(subject)"
        guard !raised.contains(key) else { return }
        raised.insert(key)
        _ = try await store.appendEvent(.alert(kind, subject: subject, message: message, agent: agent))
        report("alert (\(kind.rawValue)) \(subject): \(message)")
    }

    /// Free bytes and the free fraction of the file system holding `path` (or its nearest existing parent).
    static func freeSpace(under path: String) -> (bytes: Int64, fraction: Double)? {
        var url = URL(fileURLWithPath: path)
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" { url.deleteLastPathComponent() }
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: url.path),
            let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value,
            let size = (attributes[.systemSize] as? NSNumber)?.int64Value, size > 0
        else { return nil }
        return (free, Double(free) / Double(size))
    }
}
