public import TurboCore

/// A predicted conflict, or a cleared one, between two branches or a branch and the base.
public struct PredictedConflict: Hashable, Sendable {
    /// The issue whose branch is on the left.
    public var issue: IssueKey
    /// The other issue, or nil for the base branch.
    public var other: IssueKey?
    /// The commits the prediction was computed on (left, right).
    public var commits: [String]
    /// Paths that conflict; empty when the merge is clean.
    public var paths: [String]
}

/// Conflict prediction across parallel branches: cheap changed-file overlap first, `git merge-tree` to confirm.
///
/// Results are cached by the pair of commits, so a pair is recomputed only when one of its branches moves.
public struct ConflictPredictor: Sendable {
    /// Merge results by `left-commit right-commit`.
    public typealias Cache = [String: [String]]

    /// The repository whose branches are compared.
    public let repository: GitRepository
    /// How many git processes run at once while collecting changed files.
    public let concurrency: Int

    /// `concurrency` is raised to at least 1.
    public init(repository: GitRepository, concurrency: Int = 4) {
        self.repository = repository
        self.concurrency = max(1, concurrency)
    }

    /// The branch of each issue against `baseBranch` and every pair of branches against each other.
    ///
    /// Returns every pair whose changed files overlap, with its conflicting paths (empty when the merge is clean),
    /// and the updated cache.
    public func predict(
        branches: [IssueKey: String], baseBranch: String, cache: Cache = [:]
    ) async throws -> (conflicts: [PredictedConflict], cache: Cache) {
        guard let base = try await repository.commit(baseBranch) else {
            throw TurboError.git("the base branch '\(baseBranch)' does not exist")
        }
        var heads: [IssueKey: String] = [:]
        for (issue, branch) in branches {
            if let head = try await repository.commit(branch) { heads[issue] = head }
        }
        // Changed files of each branch since it left the base, and of the base since each branch left it.
        let keys = heads.keys.sorted()
        var changed: [IssueKey: Set<String>] = [:]
        var baseChanged: [IssueKey: Set<String>] = [:]
        try await withThrowingTaskGroup(of: (IssueKey, Set<String>, Set<String>).self) { group in
            var next = keys.makeIterator()
            func addNext() {
                guard let issue = next.next(), let head = heads[issue] else { return }
                group.addTask {
                    (
                        issue, try await repository.changedFiles(from: base, to: head),
                        try await repository.changedFiles(from: head, to: base)
                    )
                }
            }
            for _ in 0..<concurrency { addNext() }
            while let (issue, ours, theirs) = try await group.next() {
                changed[issue] = ours
                baseChanged[issue] = theirs
                addNext()
            }
        }
        var candidates: [(IssueKey, IssueKey?, String, String)] = []
        for issue in keys where !(changed[issue, default: []].isDisjoint(with: baseChanged[issue, default: []])) {
            if let head = heads[issue] { candidates.append((issue, nil, head, base)) }
        }
        for (index, left) in keys.enumerated() {
            for right in keys[(index + 1)...]
            where !changed[left, default: []].isDisjoint(with: changed[right, default: []]) {
                if let a = heads[left], let b = heads[right] { candidates.append((left, right, a, b)) }
            }
        }
        var cache = cache
        var results: [PredictedConflict] = []
        for (issue, other, a, b) in candidates {
            let cacheKey = "\(a) \(b)"
            let paths: [String]
            if let cached = cache[cacheKey] {
                paths = cached
            } else {
                paths = try await repository.simulateMerge(a, b).conflicts
                cache[cacheKey] = paths
            }
            results.append(PredictedConflict(issue: issue, other: other, commits: [a, b], paths: paths))
        }
        return (results, cache)
    }
}
