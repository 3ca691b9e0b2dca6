import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The persona's JSON lines on stdout: Claude's stream-json or Codex's `exec --json`.
final class Stream {
    let session: String
    let persona: FakeAgent.Persona
    let started = Date()
    private var items = 0
    private var pendingTool: (id: String, name: String, input: [String: Any])?

    init(session: String, persona: FakeAgent.Persona) {
        self.session = session
        self.persona = persona
    }

    func emit(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    private func item(_ kind: String, _ item: [String: Any]) {
        emit(["type": kind, "item": item])
    }

    private func nextItem() -> String {
        items += 1
        return "item_\(items)"
    }

    func start(model: String) {
        switch persona {
        case .claude:
            emit([
                "type": "system", "subtype": "init", "session_id": session,
                "cwd": FileManager.default.currentDirectoryPath, "model": model,
                "tools": ["Bash", "Edit", "Read", "Write", "mcp__turbocode__get_issue"],
                "mcp_servers": [["name": "turbocode", "status": "connected"]], "permissionMode": "acceptEdits",
            ])
        case .codex:
            emit(["type": "thread.started", "thread_id": session])
            emit(["type": "turn.started"])
        }
    }

    func text(_ text: String) {
        switch persona {
        case .claude:
            emit([
                "type": "assistant", "session_id": session,
                "message": [
                    "role": "assistant", "content": [["type": "text", "text": text]],
                    "usage": ["input_tokens": 400, "output_tokens": 60],
                ],
            ])
        case .codex:
            item("item.completed", ["id": nextItem(), "type": "agent_message", "text": text])
        }
    }

    func toolUse(_ name: String, _ input: [String: Any]) {
        switch persona {
        case .claude:
            emit([
                "type": "assistant", "session_id": session,
                "message": [
                    "role": "assistant",
                    "content": [
                        [
                            "type": "tool_use", "id": "toolu_\(UUID().uuidString.prefix(8))", "name": name,
                            "input": input,
                        ]
                    ],
                ],
            ])
        case .codex:
            let id = nextItem()
            if name.hasPrefix("mcp__") {
                let parts = name.components(separatedBy: "__")
                let call: [String: Any] = [
                    "id": id, "type": "mcp_tool_call", "server": parts[1], "tool": parts[2], "arguments": input,
                    "status": "in_progress",
                ]
                item("item.started", call)
                pendingTool = (id, name, input)
            } else if name == "Write" {
                item(
                    "item.completed",
                    [
                        "id": id, "type": "file_change", "status": "completed",
                        "changes": [["path": input["file_path"] ?? "", "kind": "add"]],
                    ])
            } else {
                item(
                    "item.completed",
                    [
                        "id": id, "type": "command_execution", "command": input["command"] ?? "",
                        "aggregated_output": "", "exit_code": 0, "status": "completed",
                    ])
            }
        }
    }

    func toolResult(_ text: String, isError: Bool) {
        switch persona {
        case .claude:
            emit([
                "type": "user", "session_id": session,
                "message": [
                    "role": "user", "content": [["type": "tool_result", "content": text, "is_error": isError]],
                ],
            ])
        case .codex:
            guard let pending = pendingTool else { return }
            pendingTool = nil
            let parts = pending.name.components(separatedBy: "__")
            var call: [String: Any] = [
                "id": pending.id, "type": "mcp_tool_call", "server": parts[1], "tool": parts[2],
                "arguments": pending.input, "status": isError ? "failed" : "completed",
            ]
            if isError {
                call["error"] = ["message": text]
            } else {
                call["result"] = ["content": [["type": "text", "text": text]]]
            }
            item("item.completed", call)
        }
    }

    func rateLimit(resetAt: Int) {
        switch persona {
        case .claude:
            emit([
                "type": "assistant", "session_id": session, "error": "rate_limit",
                "message": [
                    "role": "assistant",
                    "content": [["type": "text", "text": "Claude AI usage limit reached|\(resetAt)"]],
                ],
            ])
            result(success: false, text: "Claude AI usage limit reached|\(resetAt)")
        case .codex:
            let when = Date(timeIntervalSince1970: TimeInterval(resetAt)).formatted(.iso8601)
            emit(["type": "turn.failed", "error": ["message": "You've hit your usage limit. Try again at \(when)."]])
        }
    }

    func result(success: Bool, text: String) {
        switch persona {
        case .claude:
            emit([
                "type": "result", "subtype": success ? "success" : "error_during_execution", "is_error": !success,
                "result": text, "session_id": session, "num_turns": 3,
                "duration_ms": Int(Date().timeIntervalSince(started) * 1000), "total_cost_usd": 0.0123,
                "usage": ["input_tokens": 1_200, "output_tokens": 340], "permission_denials": [],
            ])
        case .codex:
            if success {
                self.text(text)
                emit([
                    "type": "turn.completed",
                    "usage": ["input_tokens": 1_200, "cached_input_tokens": 300, "output_tokens": 340],
                ])
            } else {
                emit(["type": "turn.failed", "error": ["message": text]])
            }
        }
    }
}
