public import MCP
import TurboCore

/// The tools and their input schemas: the original turboCode's names and parameters, plus the lease-aware work tools.
public enum ToolCatalogue {
    static let issueID: Value = [
        "type": "string", "description": "An issue key such as TURBO-12 (any case) or the issue's UUID.",
    ]
    static let projectID: Value = [
        "type": "string", "description": "A project key such as TURBO (any case) or the project's UUID.",
    ]
    static let epoch: Value = [
        "type": "integer", "minimum": 1,
        "description": "The lease epoch returned when the work started; a stale epoch is refused.",
    ]
    static let optionalEpoch: Value = [
        "type": "integer", "minimum": 1,
        "description": "The lease epoch returned when the work started (default: your live lease's).",
    ]
    static let status = values(IssueStatus.self)
    static let priority = values(IssuePriority.self)
    static let issueType = values(IssueType.self)

    /// A string schema listing the enum's values: the domain's Swift enums are the one definition of statuses,
    /// priorities and types, for the tools as for `openapi.yaml` (checked by a test).
    static func values<Values: UserParsableEnum>(_ type: Values.Type) -> Value {
        ["type": "string", "enum": .array(Values.allCases.map { .string($0.rawValue) })]
    }

    static func schema(_ properties: [String: Value], required: [String] = []) -> Value {
        [
            "type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) }),
            "additionalProperties": false,
        ]
    }

    static func readOnly(_ name: String, _ description: String, _ schema: Value) -> Tool {
        Tool(
            name: name, description: description, inputSchema: schema,
            annotations: .init(readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false))
    }

    static func writing(_ name: String, _ description: String, _ schema: Value, idempotent: Bool = false) -> Tool {
        Tool(
            name: name, description: description, inputSchema: schema,
            annotations: .init(
                readOnlyHint: false, destructiveHint: false, idempotentHint: idempotent, openWorldHint: false))
    }

    /// Every tool, in the order `tools/list` gives them.
    public static let tools: [Tool] = [
        readOnly(
            "get_issue",
            "One issue with its blockers, the issues it blocks and its comments; for an agent, also its own live "
                + "lease (`lease.epoch` is what the work tools act under).",
            schema(["issue_id": issueID], required: ["issue_id"])),
        readOnly(
            "list_issues", "Issues matching every filter given (all of them together), newest numbers last.",
            schema(
                [
                    "project_id": projectID, "status": status, "priority": priority, "type": issueType,
                    "assignee": ["type": "string", "description": "The agent id the issue is assigned to."],
                    "limit": ["type": "integer", "minimum": 1, "maximum": 1000, "default": 100],
                ])),
        writing(
            "create_issue", "Creates an issue in the project (default: this repository's) and returns it with its key.",
            schema(
                [
                    "title": ["type": "string", "minLength": 1, "maxLength": 200],
                    "description": ["type": "string"], "type": issueType, "priority": priority,
                    "status": ["type": "string", "enum": ["open", "ready"], "default": "open"],
                    "project_id": projectID, "assignee": ["type": "string"],
                ], required: ["title", "description", "type", "priority"])),
        writing(
            "update_issue",
            "Changes an issue's fields. Status changes are triage only: open ↔ ready, closing an issue nobody started "
                + "(people only) and reopening; work moves through the work tools.",
            schema(
                [
                    "issue_id": issueID, "title": ["type": "string", "minLength": 1, "maxLength": 200],
                    "description": ["type": "string"], "status": status, "priority": priority, "type": issueType,
                    "assignee": ["type": ["string", "null"], "description": "An agent id; null clears it."],
                ], required: ["issue_id"])),
        writing(
            "add_comment", "Adds a comment to an issue (author: you, unless author_name is given).",
            schema(
                [
                    "issue_id": issueID, "content": ["type": "string", "minLength": 1],
                    "author_name": ["type": "string", "description": "'ai:<agent>' or 'user:<name>'."],
                ], required: ["issue_id", "content"])),
        readOnly(
            "get_issue_comments", "An issue's comments, oldest first.",
            schema(["issue_id": issueID], required: ["issue_id"])),
        readOnly(
            "get_next_issue",
            "The issue an agent should take next (first eligible in queue order), without claiming it.",
            schema([:])),
        readOnly(
            "get_work_queue",
            "The work queue: eligible ready issues in order with their scores, then ready issues that wait and why.",
            schema(
                [
                    "status": status, "priority": priority,
                    "limit": ["type": "integer", "minimum": 1, "maximum": 1000, "default": 50],
                ])),
        writing(
            "start_work_on_issue",
            "Takes a ready issue: a lease for you, its own git worktree and branch, and a work log with both. Work "
                + "only in the returned worktree_path, commit there, send heartbeat(issue_id, epoch) regularly, and "
                + "call submit_issue_for_review when done.",
            schema(
                [
                    "issue_id": issueID,
                    "started_by": [
                        "type": "string",
                        "description": "Your agent id (ignored when you call with an agent token).",
                    ],
                    "project_path": [
                        "type": "string", "description": "The repository (must be the one this server coordinates).",
                    ],
                ], required: ["issue_id", "started_by"])),
        writing(
            "submit_issue_for_review",
            "Hands the work in: needs commits beyond the base and no uncommitted files. The issue moves to testing "
                + "and the coordinator runs the tests; returns at once. The worktree stays until the merge.",
            schema(
                [
                    "issue_id": issueID, "commit_url": ["type": "string"],
                    "cleanup_worktree": [
                        "type": "boolean",
                        "description": "Accepted for compatibility; the worktree is removed after the merge.",
                    ],
                    "epoch": optionalEpoch,
                ], required: ["issue_id"])),
        readOnly(
            "list_worktrees", "The active issue worktrees with their branches.",
            schema(["project_path": ["type": "string", "description": "Only this repository's project."]])),
        readOnly(
            "get_worktree_status",
            "A worktree's branch, commits ahead of and behind the base, and uncommitted files; by issue or by path.",
            schema(["issue_id": issueID, "worktree_path": ["type": "string"]])),
        writing(
            "add_blocker", "Records that one issue blocks another; cycles are refused, naming the cycle.",
            schema(
                ["blocking_issue_id": issueID, "blocked_issue_id": issueID],
                required: ["blocking_issue_id", "blocked_issue_id"])),
        writing(
            "remove_blocker", "Removes a blocker (people only).",
            schema(
                ["blocking_issue_id": issueID, "blocked_issue_id": issueID],
                required: ["blocking_issue_id", "blocked_issue_id"]), idempotent: false),
        readOnly(
            "get_blocking_issues", "The issues that block this one.",
            schema(["issue_id": issueID], required: ["issue_id"])),
        readOnly(
            "get_blocked_issues", "The issues this one blocks.",
            schema(["issue_id": issueID], required: ["issue_id"])),
        readOnly("list_projects", "Every project.", schema([:])),
        readOnly(
            "get_project", "One project with its issue counts by status.",
            schema(["project_id": projectID], required: ["project_id"])),
        writing(
            "claim_next_issue",
            "Claims the best eligible issue whose capabilities you have: a lease, its worktree and branch, a work "
                + "log. Returns issue null when nothing fits.",
            schema(
                [
                    "capabilities": [
                        "type": "array", "items": ["type": "string"],
                        "description": "What you can do (e.g. ['swift', 'backend']); omit to take any issue.",
                    ],
                    "project_id": projectID,
                    "agent_id": [
                        "type": "string", "description": "Your agent id, when you call without an agent token.",
                    ],
                ])),
        writing(
            "heartbeat",
            "Keeps your lease alive; a lease without heartbeats expires and the issue is given to another.",
            schema(["issue_id": issueID, "epoch": epoch], required: ["issue_id", "epoch"]), idempotent: true),
        writing(
            "report_progress", "Records what you have done so far (and renews your lease).",
            schema(
                [
                    "issue_id": issueID, "message": ["type": "string", "minLength": 1],
                    "percent": ["type": "integer", "minimum": 0, "maximum": 100], "epoch": optionalEpoch,
                ], required: ["issue_id", "message"])),
        writing(
            "report_blocked",
            "You cannot go on: the issue leaves the queue (back to open) with your reason as a comment, and your "
                + "lease ends. The worktree and branch are kept.",
            schema(
                ["issue_id": issueID, "reason": ["type": "string", "minLength": 1], "epoch": optionalEpoch],
                required: ["issue_id", "reason"])),
        readOnly(
            "get_attention",
            "What needs a person, ranked: what broke (verification_failed, merge_failed, set_aside, driver_paused, "
                + "permission_denied, alert) before what waits for a decision (review_waiting, agent_blocked, conflict_predicted), "
                + "oldest first, each with its age and the actions a person can take.",
            schema(["project_id": projectID])),
        writing(
            "get_conflicts",
            "Predicted merge conflicts between the in-flight branches and with the base, refreshed now.",
            schema(["issue_id": issueID]), idempotent: true),
    ]

    /// The names each tool accepts.
    static let parameters: [String: Set<String>] = Dictionary(
        uniqueKeysWithValues: tools.map { tool in
            (tool.name, Set(tool.inputSchema.objectValue?["properties"]?.objectValue?.keys.map { $0 } ?? []))
        })
}
