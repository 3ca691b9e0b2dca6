/// Graph algorithms over `blocker → blocked` edges, independent of storage.
public enum DependencyGraph {
    /// The cycle that adding `blocker → blocked` would close, or nil.
    ///
    /// `blocks` maps each node to the nodes it blocks (at least every edge reachable from `blocked`). The result starts
    /// and ends with `blocker`: `[A, B, C, A]` reads "A blocks B blocks C blocks A".
    public static func cycle<Node: Hashable & Comparable>(
        adding blocker: Node, blocks blocked: Node, edges blocks: [Node: [Node]]
    ) -> [Node]? {
        if blocker == blocked { return [blocker, blocker] }
        // Breadth-first from `blocked` along existing edges; reaching `blocker` closes a cycle.
        var parent: [Node: Node] = [:]
        var visited: Set<Node> = [blocked]
        var frontier = [blocked]
        while !frontier.isEmpty {
            var next: [Node] = []
            for node in frontier {
                for child in (blocks[node] ?? []).sorted() where !visited.contains(child) {
                    visited.insert(child)
                    parent[child] = node
                    if child == blocker {
                        var path = [child]
                        var cursor = child
                        while let up = parent[cursor] {
                            path.append(up)
                            cursor = up
                        }
                        return [blocker] + path.reversed()
                    }
                    next.append(child)
                }
            }
            frontier = next
        }
        return nil
    }

    /// Every transitive blocker of `node` ordered so that each comes after its own blockers, then `node` itself.
    ///
    /// `blockers` maps each node to the nodes that block it. Siblings are visited in ascending order, so the result is
    /// deterministic.
    public static func chain<Node: Hashable & Comparable>(of node: Node, blockers: [Node: [Node]]) -> [Node] {
        var ordered: [Node] = []
        var done: Set<Node> = []
        var onPath: Set<Node> = []
        func visit(_ current: Node) {
            guard !done.contains(current), !onPath.contains(current) else { return }
            onPath.insert(current)
            for blocker in (blockers[current] ?? []).sorted() { visit(blocker) }
            onPath.remove(current)
            done.insert(current)
            ordered.append(current)
        }
        visit(node)
        return ordered
    }
}
