import Foundation
import Synchronization
import TurboAgents
import TurboServices

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `turbocode up`'s full-screen view on a terminal: the pool's agents with their issues and how long each has been
/// quiet, the queue as the scheduler last saw it, paused drivers, and the newest of the lines the line log would have
/// printed, redrawn every second on the terminal's alternate screen. `--plain`, or a stdout that is not a terminal,
/// keeps the line log.
final class UpScreen: Sendable {
    /// What the screen shows.
    struct State: Sendable {
        var title = "turboCode up"
        var address = ""
        var agents: [OrchestratorConfig.Subagent] = []
        var snapshot: Orchestrator.Snapshot?
        var lines: [String] = []
    }

    /// Lines kept for the events part (the newest fit the screen).
    static let kept = 500

    private let state: Mutex<State>
    private let drawing = Mutex<Task<Void, Never>?>(nil)
    /// Whether the screen is the terminal's: drawing and leaving take this lock, so no frame lands after the
    /// normal screen is back.
    private let active = Mutex(false)

    init(title: String, agents: [OrchestratorConfig.Subagent]) {
        state = Mutex(State(title: title, agents: agents))
    }

    /// Whether stdout is a terminal the screen can take over.
    static var terminalAttached: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Switches to the alternate screen and redraws every second until ``stop()``.
    func start() {
        active.withLock { active in
            active = true
            Self.write("\u{1B}[?1049h\u{1B}[?25l")
        }
        let task = Task { [weak self] in
            while !Task.isCancelled {
                self?.draw()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        drawing.withLock { $0 = task }
    }

    /// Back to the normal screen, leaving the newest lines on it so that the terminal's scroll-back keeps them.
    func stop() {
        guard
            let task = drawing.withLock({ current -> Task<Void, Never>? in
                defer { current = nil }
                return current
            })
        else { return }
        task.cancel()
        active.withLock { active in
            active = false
            Self.write("\u{1B}[?25h\u{1B}[?1049l")
        }
        let lines = state.withLock { $0.lines.suffix(20) }
        if !lines.isEmpty { Self.write(lines.joined(separator: "\n") + "\n") }
    }

    func address(_ text: String) { state.withLock { $0.address = text } }

    func update(_ snapshot: Orchestrator.Snapshot) { state.withLock { $0.snapshot = snapshot } }

    /// A line the line log would have printed (it may hold several); printed as it is once the screen is left.
    func log(_ text: String) {
        guard active.withLock({ $0 }) else {
            Output.line(text)
            return
        }
        // Control characters (a tool's escapes, returns) would move the cursor: each becomes a space.
        let clean = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0 == "\n" || !($0.properties.generalCategory == .control) ? $0 : " " }))
        state.withLock { state in
            state.lines += clean.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if state.lines.count > Self.kept { state.lines.removeFirst(state.lines.count - Self.kept) }
        }
    }

    private func draw() {
        let (width, height) = Self.size()
        let text = Self.render(state.withLock { $0 }, width: width, height: height, now: Date())
        // Home, the screen's lines each cleared to its end, then the rest of the screen cleared.
        active.withLock { active in
            guard active else { return }
            Self.write("\u{1B}[H" + text.map { $0 + "\u{1B}[K" }.joined(separator: "\r\n") + "\u{1B}[J")
        }
    }

    /// The screen's lines for `state` on a `width` × `height` terminal at `now`: each at most `width` characters, at
    /// most `height` of them.
    static func render(_ state: State, width: Int, height: Int, now: Date) -> [String] {
        let width = max(20, width)
        let rule = String(repeating: "─", count: width)
        var top = ["\(state.title)  \(state.address)".padded(to: width - 9) + " " + Orchestrator.clock(now), rule]
        top.append("AGENTS")
        let running = state.snapshot?.running ?? []
        let paused = state.snapshot?.pausedDrivers ?? [:]
        for agent in state.agents {
            let runs = running.filter { $0.agent == agent.id }
            let head = "  " + agent.id.padded(to: 16) + " " + agent.driver.rawValue.padded(to: 9) + " "
            if let pause = paused[agent.driver] {
                top.append(
                    head + "paused " + (pause.until.map { "until \(Orchestrator.clock($0))" } ?? "until a person acts")
                        + " (\(pause.kind))")
            } else if runs.isEmpty {
                top.append(head + "idle")
            }
            for (index, run) in runs.enumerated() {
                let prefix = index == 0 ? head : String(repeating: " ", count: head.count)
                top.append(
                    prefix + run.issue.padded(to: 10) + " for "
                        + duration(now.timeIntervalSince(run.since)).padded(to: 6)
                        + " quiet " + duration(now.timeIntervalSince(run.lastActivity)))
            }
        }
        if let snapshot = state.snapshot {
            top.append(
                "QUEUE  \(snapshot.eligible) eligible"
                    + (snapshot.unassignable > 0 ? " (\(snapshot.unassignable) no agent can take)" : "")
                    + " · \(snapshot.heldBack) held back · \(snapshot.cooling) cooling down"
                    + " · \(snapshot.submitted) submitted"
                    + " · \(snapshot.released) given back")
            if !snapshot.awaitingReview.isEmpty {
                top.append("WAITING FOR REVIEW  " + snapshot.awaitingReview.joined(separator: ", "))
            }
            if !snapshot.setAside.isEmpty { top.append("SET ASIDE  " + snapshot.setAside.joined(separator: ", ")) }
        } else {
            top.append("QUEUE  (the first scheduling pass has not reported yet)")
        }
        top += [rule, "EVENTS"]
        let bottom = [rule, "Ctrl-C stops the agents and gives their issues back · --plain for the line log"]
        let room = max(0, height - top.count - bottom.count)
        let events = state.lines.suffix(room).map { "  " + $0 }
        let screen = top + events + Array(repeating: "", count: max(0, room - events.count)) + bottom
        return screen.prefix(max(1, height)).map { $0.clipped(to: width) }
    }

    /// `42s`, `12m`, `3h`.
    static func duration(_ seconds: TimeInterval) -> String {
        let seconds = max(0, Int(seconds))
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 7_200 { return "\(seconds / 60)m" }
        return "\(seconds / 3_600)h"
    }

    /// The terminal's columns and rows (80 × 24 when it does not say).
    static func size() -> (Int, Int) {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else {
            return (80, 24)
        }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    static func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
}

extension String {
    /// Cut to `width` characters, with `…` when cut.
    fileprivate func clipped(to width: Int) -> String {
        count <= width ? self : String(prefix(max(0, width - 1))) + "…"
    }

    /// Padded with spaces (or cut) to `width` characters.
    fileprivate func padded(to width: Int) -> String {
        count >= width ? clipped(to: width) : self + String(repeating: " ", count: width - count)
    }
}
