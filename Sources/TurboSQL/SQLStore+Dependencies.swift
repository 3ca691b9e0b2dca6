import Foundation
public import TurboCore

// Dependencies: "blocks" edges, kept acyclic.
extension SQLStore {
    /// Adds `blocker → blocked`; self edges, duplicates and cycles are refused.
    public func addDependency(blocker: IssueRef, blocked: IssueRef) async throws -> Dependency {
        try await write { tx in
            try await tx.lock(.dependencyGraph)
            let blockerIssue = try await fetchIssue(tx, blocker)
            let blockedIssue = try await fetchIssue(tx, blocked)
            guard blockerIssue.id != blockedIssue.id else {
                throw TurboError.selfDependency(blockerIssue.key.description)
            }
            if try await tx.exists(
                "SELECT 1 FROM dependencies WHERE blocker_id = \(blockerIssue.id) AND blocked_id = \(blockedIssue.id)")
            {
                throw TurboError.duplicateDependency(
                    blocker: blockerIssue.key.description, blocked: blockedIssue.key.description)
            }
            // Every edge reachable downwards from the blocked issue: adding the edge closes a cycle when the
            // blocker is among them.
            var edges: [IssueKey: [IssueKey]] = [:]
            for row in try await tx.rows(
                """
                WITH RECURSIVE down(id) AS (
                    SELECT id FROM issues WHERE id = \(blockedIssue.id)
                    UNION SELECT d.blocked_id FROM dependencies d JOIN down ON d.blocker_id = down.id
                )
                SELECT b.key AS blocker_key, c.key AS blocked_key FROM dependencies d
                JOIN down ON d.blocker_id = down.id
                JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
                """)
            {
                edges[try row.issueKey("blocker_key"), default: []].append(try row.issueKey("blocked_key"))
            }
            if let cycle = DependencyGraph.cycle(adding: blockerIssue.key, blocks: blockedIssue.key, edges: edges) {
                throw TurboError.dependencyCycle(cycle.map(\.description))
            }
            let now = try await tx.now()
            try await insertDependency(tx, blocker: blockerIssue.id, blocked: blockedIssue.id, at: now)
            try await tx.appendEvents([
                .dependency(.dependencyAdded, blocker: blockerIssue.key, blocked: blockedIssue.key)
            ])
            return Dependency(blocker: blockerIssue.key, blocked: blockedIssue.key, createdAt: now)
        }
    }

    /// Removes `blocker → blocked`.
    public func removeDependency(blocker: IssueRef, blocked: IssueRef) async throws {
        try await write { tx in
            let blockerIssue = try await fetchIssue(tx, blocker)
            let blockedIssue = try await fetchIssue(tx, blocked)
            guard
                try await tx.exists(
                    """
                    DELETE FROM dependencies WHERE blocker_id = \(blockerIssue.id) AND blocked_id = \(blockedIssue.id)
                    RETURNING 1
                    """)
            else {
                throw TurboError.dependencyNotFound(
                    blocker: blockerIssue.key.description, blocked: blockedIssue.key.description)
            }
            try await recountEdge(tx, blocker: blockerIssue.id, blocked: blockedIssue.id)
            try await tx.appendEvents([
                .dependency(.dependencyRemoved, blocker: blockerIssue.key, blocked: blockedIssue.key)
            ])
        }
    }

    /// Direct blockers, directly blocked issues and the transitive blocker chain of an issue.
    public func dependencies(of ref: IssueRef) async throws -> DependencyView {
        try await read { tx in
            let issue = try await fetchIssue(tx, ref)
            let blockers = try await tx.rows(
                """
                SELECT \(raw: SQLRows.issueColumns) FROM issues
                WHERE id IN (SELECT blocker_id FROM dependencies WHERE blocked_id = \(issue.id)) ORDER BY number
                """
            ).map(SQLRows.issue)
            let blocked = try await tx.rows(
                """
                SELECT \(raw: SQLRows.issueColumns) FROM issues
                WHERE id IN (SELECT blocked_id FROM dependencies WHERE blocker_id = \(issue.id)) ORDER BY number
                """
            ).map(SQLRows.issue)
            // Every issue upstream of this one (itself included), and the edges between them: the blocker of an
            // edge whose blocked issue is upstream is upstream too.
            let upstreamCTE: SQL = """
                WITH RECURSIVE up(id) AS (
                    SELECT id FROM issues WHERE id = \(issue.id)
                    UNION SELECT d.blocker_id FROM dependencies d JOIN up ON d.blocked_id = up.id
                )
                """
            let upstream = try await tx.rows(
                "\(upstreamCTE) SELECT \(raw: SQLRows.issueColumns) FROM issues WHERE id IN (SELECT id FROM up)"
            ).map(SQLRows.issue)
            var edges: [IssueKey: [IssueKey]] = [:]
            for row in try await tx.rows(
                """
                \(upstreamCTE)
                SELECT b.key AS blocker_key, c.key AS blocked_key FROM dependencies d JOIN up ON d.blocked_id = up.id
                JOIN issues b ON b.id = d.blocker_id JOIN issues c ON c.id = d.blocked_id
                """)
            {
                edges[try row.issueKey("blocked_key"), default: []].append(try row.issueKey("blocker_key"))
            }
            let byKey = Dictionary(uniqueKeysWithValues: upstream.map { ($0.key, $0) })
            let chain = DependencyGraph.chain(of: issue.key, blockers: edges).compactMap { byKey[$0] }
            return DependencyView(
                blockers: try await withDependencyKeys(tx, blockers),
                blocked: try await withDependencyKeys(tx, blocked), chain: try await withDependencyKeys(tx, chain))
        }
    }
}
