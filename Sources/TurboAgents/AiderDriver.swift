import Foundation

/// Aider: `aider --message-file PROMPT_FILE --yes-always --no-pretty --no-stream …` in the worktree. It has no MCP and
/// no JSON stream: its output is text, it commits its own edits, and a clean exit with new commits counts as a
/// submission. Its housekeeping stays out of the worktree's status (`--no-gitignore`, chat and input history in the
/// run's log folder, `.aider*` in the repository's `info/exclude`), so a fresh repository's submission is not refused
/// for files the agent never meant to write. With a
/// `test_command`, Aider runs it after its edits (`--test-cmd … --auto-test`) and shows the model what failed.
public struct AiderDriver: AgentDriver {
    /// Always ``DriverKind/aider``.
    public var kind: DriverKind { .aider }

    /// A driver; it keeps no state between runs.
    public init() {}

    /// Aider's argv for `request`: the prompt from `prompt.md`, histories in the run folder, `--test-cmd` with tests.
    public func plan(_ request: AgentRunRequest) throws -> LaunchPlan {
        var arguments = [
            "aider", "--message-file", request.promptFile.path, "--yes-always", "--no-pretty", "--no-stream",
            "--no-fancy-input", "--no-check-update", "--no-show-release-notes", "--analytics-disable", "--auto-commits",
            "--no-gitignore", "--chat-history-file",
            request.runDirectory.appendingPathComponent("aider.chat.history.md").path, "--input-history-file",
            request.runDirectory.appendingPathComponent("aider.input.history").path,
        ]
        if let test = request.permissions.testCommand { arguments += ["--test-cmd", test, "--auto-test"] }
        if let model = request.model { arguments += ["--model", model] }
        return LaunchPlan(
            arguments: arguments,
            // No browser tab opened for an error's URL by an unattended agent; no lines wrapped at 80 columns
            // (an error split over lines would not be recognized).
            environment: ["BROWSER": "true", "COLUMNS": "1000"],
            files: [
                request.promptFile: Data(request.prompt.utf8), request.mcpConfigFile: try request.mcp.standardConfig(),
            ],
            // The repository map's cache (`.aider.tags.cache.v4/`) and anything else Aider keeps in the worktree.
            excludes: [".aider*"])
    }

    /// A fresh ``AiderStreamParser`` for one run.
    public func makeParser() -> any AgentStreamParser { AiderStreamParser() }
}

/// Aider's text output: every line is text; its usage report (`Tokens: 2.3k sent, 120 received. Cost: $0.01
/// message, $0.02 session.`) becomes usage, and litellm's errors become failure classes (rate limit with the reset
/// the provider named, authentication, overloaded, context window).
/// Aider retries a limited or overloaded provider by itself; a usage report after such an error means a retry got
/// through (``AgentEvent/recovered``).
public struct AiderStreamParser: AgentStreamParser {
    var troubled = false

    /// A parser for a new run's output.
    public init() {}

    /// The line as text, plus usage for Aider's token report and a failure class for a litellm error.
    public mutating func consume(_ line: String) -> [AgentEvent] {
        guard !line.isEmpty else { return [] }
        var events: [AgentEvent] = [.text(line)]
        if let usage = Self.usage(in: line) {
            if troubled { events.append(.recovered) }
            troubled = false
            events.append(usage)
        }
        if let failure = Self.failure(in: line) {
            troubled = true
            events.append(failure)
        }
        return events
    }

    /// `Tokens: 12k sent, 1.5k cache write, 340 received. Cost: $0.0123 message, $0.0456 session.`
    static func usage(in line: String) -> AgentEvent? {
        guard line.hasPrefix("Tokens:") else { return nil }
        func tokens(before word: String) -> Int? {
            guard let range = line.range(of: #"([0-9.]+)([kKmM]?) "# + word, options: .regularExpression) else {
                return nil
            }
            let text = line[range].dropLast(word.count + 1)
            let multiplier: Double =
                switch text.last {
                case "k", "K": 1_000
                case "m", "M": 1_000_000
                default: 1
                }
            let digits = multiplier == 1 ? text : text.dropLast()
            return Double(digits).map { Int(($0 * multiplier).rounded()) }
        }
        guard let sent = tokens(before: "sent") else { return nil }
        let cached = (tokens(before: "cache write") ?? 0) + (tokens(before: "cache hit") ?? 0)
        var cost: Double?
        if let range = line.range(of: #"Cost: \$[0-9.]+ message"#, options: .regularExpression) {
            cost = Double(line[range].dropFirst("Cost: $".count).dropLast(" message".count))
        }
        return .usage(inputTokens: sent + cached, outputTokens: tokens(before: "received") ?? 0, costUSD: cost)
    }

    /// litellm's exception names as Aider prints them.
    static func failure(in line: String) -> AgentEvent? {
        if line.contains("RateLimitError") {
            return .rateLimited(resetAt: ResetTime.parse(after: "try again in", in: line), message: line)
        }
        if line.contains("AuthenticationError") || line.contains("Incorrect API key")
            || line.range(of: #"api_key client option must be set|API key (is )?missing"#, options: .regularExpression)
                != nil
        {
            return .failure(.authentication, message: line)
        }
        if line.contains("ContextWindowExceededError") { return .failure(.contextLimit, message: line) }
        if line.contains("InternalServerError") || line.contains("ServiceUnavailableError")
            || line.contains("APIConnectionError") && line.localizedCaseInsensitiveContains("overloaded")
        {
            return .failure(.overloaded, message: line)
        }
        return nil
    }
}
