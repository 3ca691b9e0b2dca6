public import Foundation
public import TurboCore

extension SQLStore {
    /// Records a check with its moves, comment and event; see ``TurboStore/recordCheck(on:_:)``.
    public func recordCheck(on ref: IssueRef, _ new: NewCheck) async throws -> (issue: Issue, check: Check) {
        try await write { tx in
            let issue = try await fetchIssue(tx, ref, lock: true)
            guard issue.status == new.expecting else {
                throw TurboError.conflictingState(
                    "\(issue.key) is \(issue.status) now, not \(new.expecting); nothing was recorded")
            }
            var events: [EventDraft] = []
            var moved = issue
            for status in new.moves {
                let from = moved.status
                moved = try await move(tx, moved, to: status, reason: status == .closed ? new.closedReason : nil)
                events.append(.transition(moved, from: from, actor: new.actor))
            }
            if let comment = new.comment {
                events.append(.commentAdded(try await insertComment(tx, moved, author: new.actor, body: comment)))
            }
            let now = try await tx.now()
            let check = Check(
                id: UUID(), issueID: issue.id, issueKey: issue.key, kind: new.kind, passed: new.passed,
                summary: IssueValidation.storable(new.summary), evidence: new.evidence.storable, actor: new.actor,
                createdAt: now)
            try await tx.execute(
                """
                INSERT INTO checks (id, issue_id, kind, passed, summary, evidence, actor, created_at)
                VALUES (\(check.id), \(issue.id), \(check.kind.rawValue), \(check.passed), \(check.summary),
                    \(json: check.evidence.jsonString), \(check.actor), \(now))
                """)
            events.append(.check(check))
            try await tx.appendEvents(events)
            return (try await withDependencyKeys(tx, [moved])[0], check)
        }
    }

    /// The issue's checks, oldest first.
    public func checks(of ref: IssueRef) async throws -> [Check] {
        try await read { tx in
            let issue = try await fetchIssue(tx, ref)
            return try await tx.rows(
                """
                \(raw: SQLRows.checkSelect) WHERE c.issue_id = \(issue.id)
                ORDER BY c.created_at, \(raw: tx.dialect.insertionOrder("c", postgres: "id"))
                """
            ).map(SQLRows.check)
        }
    }

    /// Every check since `since` (all when nil), oldest first.
    public func checks(since: Date?) async throws -> [Check] {
        try await read { tx in
            let clause: SQL = if let since { "WHERE c.created_at >= \(since)" } else { "" }
            return try await tx.rows(
                """
                \(raw: SQLRows.checkSelect) \(clause)
                ORDER BY c.created_at, \(raw: tx.dialect.insertionOrder("c", postgres: "id"))
                """
            ).map(SQLRows.check)
        }
    }

}

extension SQLRows {
    /// Checks with their issue's key.
    public static let checkSelect = """
        SELECT c.id, c.issue_id, i.key AS issue_key, c.kind, c.passed, c.summary, c.evidence, c.actor, c.created_at
        FROM checks c JOIN issues i ON i.id = c.issue_id
        """

    /// A `checks` row selected with ``checkSelect``.
    public static func check(_ row: any SQLRow) throws -> Check {
        let kind = try row.string("kind")
        guard let parsed = CheckKind(rawValue: kind) else {
            throw TurboError.invalidInput("unknown check kind '\(kind)' in the database")
        }
        return Check(
            id: try row.uuid("id"), issueID: try row.uuid("issue_id"), issueKey: try row.issueKey("issue_key"),
            kind: parsed, passed: try row.bool("passed"), summary: try row.string("summary"),
            evidence: JSONValue(jsonText: try row.json("evidence")), actor: try row.string("actor"),
            createdAt: try row.date("created_at"))
    }
}

extension JSONValue {
    /// The same value with every string made storable (``IssueValidation/storable(_:)``): test output in a check's
    /// evidence may hold a NUL, which PostgreSQL's JSON refuses and SQLite would keep.
    fileprivate var storable: JSONValue {
        switch self {
        case .string(let text): .string(IssueValidation.storable(text))
        case .array(let values): .array(values.map(\.storable))
        case .object(let members): .object(members.mapValues(\.storable))
        case .null, .bool, .number: self
        }
    }
}
