/// The dependency graph laid out for drawing: blockers to the left of what they block, one column per layer (an
/// issue's layer is the longest chain of blockers before it), rows ordered to keep edges short (a few barycenter
/// sweeps), and each issue's state for its colour. Computed on the server so that every client draws the same picture.
public struct DependencyLayout: Sendable, Hashable {
    /// What an issue is, as the graph colours it.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Closed as done or merged: it no longer blocks anything.
        case done
        /// Closed another way (won't do, duplicate): its dependents still wait.
        case closed
        /// Assigned, in progress, testing or in review.
        case inFlight = "in_flight"
        /// Ready with every blocker done: an agent can take it.
        case ready
        /// Waiting for a blocker that is not done.
        case blocked
        /// Open (not ready yet) with nothing blocking it.
        case open
    }

    /// An issue placed in the picture.
    public struct Node: Sendable, Hashable {
        /// The issue's key.
        public var key: IssueKey
        /// Its title.
        public var title: String
        /// Its status.
        public var status: IssueStatus
        /// What it is in the graph.
        public var state: State
        /// Its column: the longest chain of blockers before it.
        public var layer: Int
        /// Its row within the column.
        public var row: Int
        /// Its box's left edge.
        public var x: Double
        /// Its box's top edge.
        public var y: Double
    }

    /// A dependency: `blocker` must be finished before `blocked`.
    public struct Edge: Sendable, Hashable {
        /// The issue that goes first.
        public var blocker: IssueKey
        /// The issue that waits.
        public var blocked: IssueKey
        /// Whether the blocker is not done yet, so the edge still holds `blocked` back.
        public var holding: Bool
    }

    /// A box's size and the gaps between columns and rows.
    public static let nodeWidth = 190.0
    /// A box's height.
    public static let nodeHeight = 46.0
    /// Between two columns (where the edges run).
    public static let columnGap = 70.0
    /// Between two boxes of a column.
    public static let rowGap = 14.0
    /// Around the picture.
    public static let margin = 10.0

    /// The issues in the picture.
    public var nodes: [Node]
    /// The dependencies between them.
    public var edges: [Edge]
    /// The picture's width.
    public var width: Double
    /// The picture's height.
    public var height: Double

    /// Lays out `issues` (with their dependency keys) and the edges among them. With `includeAllClosed` false, closed
    /// issues are left out unless they are a blocker or a dependent of one that is not closed.
    public init(issues all: [Issue], includeAllClosed: Bool = false) {
        let byKey = Dictionary(all.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let kept = all.filter { issue in
            issue.status != .closed || includeAllClosed
                || (issue.blocks + issue.blockedBy).contains { byKey[$0].map { $0.status != .closed } ?? false }
        }
        let keys = Set(kept.map(\.key))
        var blockers: [IssueKey: [IssueKey]] = [:]
        var dependents: [IssueKey: [IssueKey]] = [:]
        var edges: [Edge] = []
        for issue in kept {
            for blocker in issue.blockedBy where keys.contains(blocker) {
                blockers[issue.key, default: []].append(blocker)
                dependents[blocker, default: []].append(issue.key)
                edges.append(
                    Edge(blocker: blocker, blocked: issue.key, holding: !(byKey[blocker].map(Self.isDone) ?? false)))
            }
        }
        // Layers by the longest chain of blockers (the store refuses cycles; a chain is cut at the graph's size).
        var layer: [IssueKey: Int] = [:]
        func depth(_ key: IssueKey, _ seen: Int) -> Int {
            if let known = layer[key] { return known }
            guard seen <= keys.count else { return 0 }
            let value = (blockers[key] ?? []).map { depth($0, seen + 1) + 1 }.max() ?? 0
            layer[key] = value
            return value
        }
        let ordered = kept.map(\.key).sorted()
        for key in ordered { _ = depth(key, 0) }
        var columns: [[IssueKey]] = Array(repeating: [], count: (layer.values.max() ?? -1) + 1)
        for key in ordered { columns[layer[key] ?? 0].append(key) }
        // Barycenter sweeps: order each column by the mean row of its neighbours in the column before (then after);
        // each column's rows are updated as it is sorted, so a sweep costs the edges, not the columns × the issues.
        var position: [IssueKey: Double] = [:]
        for column in columns { for (row, key) in column.enumerated() { position[key] = Double(row) } }
        for sweep in 0..<4 {
            let forward = sweep.isMultiple(of: 2)
            for index in forward ? Array(columns.indices.dropFirst()) : Array(columns.indices.dropLast().reversed()) {
                let neighbours = forward ? blockers : dependents
                let wanted = Dictionary(
                    uniqueKeysWithValues: columns[index].map { key in
                        let around = (neighbours[key] ?? []).compactMap { position[$0] }
                        return (key, around.isEmpty ? position[key] ?? 0 : around.reduce(0, +) / Double(around.count))
                    })
                columns[index].sort { (wanted[$0] ?? 0, $0) < (wanted[$1] ?? 0, $1) }
                for (row, key) in columns[index].enumerated() { position[key] = Double(row) }
            }
        }
        var nodes: [Node] = []
        for (index, column) in columns.enumerated() {
            for (row, key) in column.enumerated() {
                guard let issue = byKey[key] else { continue }
                nodes.append(
                    Node(
                        key: key, title: issue.title, status: issue.status,
                        state: Self.state(issue, blockers: (blockers[key] ?? []).compactMap { byKey[$0] }),
                        layer: index, row: row,
                        x: Self.margin + Double(index) * (Self.nodeWidth + Self.columnGap),
                        y: Self.margin + Double(row) * (Self.nodeHeight + Self.rowGap)))
            }
        }
        self.nodes = nodes
        self.edges = edges.sorted { ($0.blocker, $0.blocked) < ($1.blocker, $1.blocked) }
        let tallest = columns.map(\.count).max() ?? 0
        width =
            2 * Self.margin + Double(columns.count) * Self.nodeWidth + Double(max(0, columns.count - 1))
            * Self.columnGap
        height = 2 * Self.margin + Double(tallest) * Self.nodeHeight + Double(max(0, tallest - 1)) * Self.rowGap
    }

    static func isDone(_ issue: Issue) -> Bool {
        issue.status == .closed && issue.closedReason?.satisfiesDependents == true
    }

    static func state(_ issue: Issue, blockers: [Issue]) -> State {
        switch issue.status {
        case .closed: return isDone(issue) ? .done : .closed
        case .assigned, .inProgress, .testing, .review: return .inFlight
        case .ready, .open:
            if blockers.contains(where: { !isDone($0) }) { return .blocked }
            return issue.status == .ready ? .ready : .open
        }
    }
}
