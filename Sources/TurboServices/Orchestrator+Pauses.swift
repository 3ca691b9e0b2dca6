public import Foundation
public import TurboAgents
import TurboCore

// MARK: - Driver pauses

extension Orchestrator {
    /// Stops dispatch to `driver`: the event, an alert when a person must act, a line on the terminal.
    func pause(_ driver: DriverKind, _ pause: Pause) async {
        // A pause is never shortened: one that waits for a person, or a later reset, stays.
        if let current = paused[driver] {
            guard let currentUntil = current.until else { return }
            if let until = pause.until, currentUntil >= until { return }
        }
        paused[driver] = pause
        _ = try? await store.appendEvent(
            .driverPaused(driver.rawValue, until: pause.until, kind: pause.kind, reason: pause.reason))
        if let until = pause.until {
            report("\(driver.rawValue) reported a limit (\(pause.reason)); paused until \(Self.clock(until))")
        } else {
            let message =
                "\(driver.rawValue) cannot work (\(pause.kind)): \(pause.reason). \(Self.remedy(driver, pause.kind)) "
                + "Its work is held back until 'turbocode up' is restarted."
            _ = try? await store.appendEvent(.alert(.driverUnusable, subject: driver.rawValue, message: message))
            report("alert (driver_unusable) \(message)")
        }
    }

    /// What a person sets so that a driver can log in.
    public static func remedy(_ driver: DriverKind, _ kind: String) -> String {
        if kind == "billing" { return "Add credit to the account or use another key." }
        switch driver {
        case .claude:
            return "Set ANTHROPIC_API_KEY (or CLAUDE_CODE_USE_BEDROCK / CLAUDE_CODE_USE_VERTEX with their credentials) "
                + "for 'turbocode up', or run 'claude /login' as the user running it."
        case .codex: return "Set OPENAI_API_KEY (or CODEX_API_KEY) for 'turbocode up', or run 'codex login'."
        case .gemini: return "Set GEMINI_API_KEY (or GOOGLE_API_KEY / Vertex credentials) for 'turbocode up'."
        case .aider:
            return "Set the model provider's key for 'turbocode up' (OPENAI_API_KEY, ANTHROPIC_API_KEY, …) or an "
                + "env: entry on the subagent."
        case .cursor: return "Set CURSOR_API_KEY for 'turbocode up'."
        case .amp: return "Set AMP_API_KEY for 'turbocode up'."
        case .copilot: return "Set GH_TOKEN / GITHUB_TOKEN with Copilot access for 'turbocode up'."
        case .opencode: return "Set the provider's key for 'turbocode up' or run 'opencode auth login'."
        case .command: return "Check the command's credentials."
        }
    }

    /// A local wall-clock time, 24-hour, with seconds (`21:04:05`).
    public static func clock(_ date: Date = Date()) -> String {
        let parts = Calendar.current.dateComponents([.hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))"
    }
}
