import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Impersonates the Claude Code CLI (`claude -p PROMPT --output-format stream-json --verbose --mcp-config FILE`), or
/// the Codex CLI (`codex exec --json -C DIR -c mcp_servers.NAME.url=… PROMPT`, when called as `exec` or with
/// `--persona codex`), for tests and demos: connects to the MCP server named in the config, reads its issue, writes a file and commits it in
/// the current directory (the worktree), submits, and writes realistic stream-json on stdout.
///
/// Scenarios, from `FAKE_AGENT_SCENARIO`, from a line `fake-agent: NAME` in the issue's description, or from the JSON
/// object (issue key → name) in the file named by `FAKE_AGENT_SCENARIO_FILE`:
///
/// - `normal`: the above.
/// - `crash`: dies with SIGABRT mid-stream, before committing.
/// - `crash-after-commit-once`: commits, then kills itself with SIGKILL; a later run in the same worktree finishes.
/// - `break-tests-once`: commits a line `BROKEN…` (a test command can fail on it) and submits; sent back (the prompt
///   says the work came back), removes the line, commits the fix and submits again.
/// - `hang`: says nothing more after starting, and never ends.
/// - `hang-dirty`: writes `notes.txt` in its working directory without committing it, then hangs.
/// - `linger-after-submit`: the normal work, then two seconds between the submission and its final result event.
/// - `slow`: one line a second for `FAKE_AGENT_SLOW_SECONDS` (5), then the normal work.
/// - `rate-limit`: reports a usage limit that resets in 15 minutes and exits 1.
/// - `no-submit`: commits but does not submit, unless the prompt is a nudge.
/// - `never-submit`: commits but never submits.
/// - `ignore-sigint`: ignores SIGINT, then hangs (SIGTERM ends it).
/// - `fork-child`: leaves a `sleep` child behind in its process group (its pid written to
///   `FAKE_AGENT_CHILD_PID_FILE` when set), then does the normal work.
@main
struct FakeAgent {
    static func main() async {
        do {
            let exitCode = try await run(Array(CommandLine.arguments.dropFirst()))
            exit(exitCode)
        } catch {
            FileHandle.standardError.write(Data("fake-agent: \(error)\n".utf8))
            exit(2)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    enum Persona: String { case claude, codex }

    struct Options {
        var persona = Persona.claude
        var prompt: String?
        var outputFormat = "text"
        var verbose = false
        var mcpConfig: String?
        var model = "fake-sonnet"
        /// Codex: `-c mcp_servers.<name>.url="…"` and `…bearer_token_env_var="VAR"`.
        var mcpURL: String?
        var tokenVariable: String?
        var directory: String?
    }

    /// Claude's flags, or Codex's (`exec --json … PROMPT`, also chosen with `--persona codex`).
    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var arguments = arguments
        if arguments.first == "--persona", arguments.count > 1 {
            guard let persona = Persona(rawValue: arguments[1]) else {
                throw Failure("unknown persona \(arguments[1])")
            }
            options.persona = persona
            arguments.removeFirst(2)
        }
        if arguments.first == "exec" {
            options.persona = .codex
            arguments.removeFirst()
        }
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            func value() throws -> String {
                guard let value = iterator.next() else { throw Failure("\(argument) needs a value") }
                return value
            }
            switch (options.persona, argument) {
            case (.claude, "-p"), (.claude, "--print"): options.prompt = try value()
            case (.claude, "--output-format"): options.outputFormat = try value()
            case (.claude, "--verbose"): options.verbose = true
            case (.claude, "--mcp-config"): options.mcpConfig = try value()
            case (_, "--model"), (.codex, "-m"): options.model = try value()
            case (.claude, "--strict-mcp-config"): break
            case (.claude, "--permission-mode"), (.claude, "--allowedTools"), (.claude, "--disallowedTools"),
                (.claude, "--append-system-prompt"):
                _ = try value()
            case (.codex, "--json"): options.outputFormat = "json"
            case (.codex, "--skip-git-repo-check"), (.codex, "--ephemeral"): break
            case (.codex, "-C"), (.codex, "--cd"): options.directory = try value()
            case (.codex, "-s"), (.codex, "--sandbox"), (.codex, "--add-dir"): _ = try value()
            case (.codex, "-c"):
                let setting = try value()
                guard let equals = setting.firstIndex(of: "=") else { throw Failure("-c needs key=value") }
                let key = setting[..<equals]
                let text = setting[setting.index(after: equals)...].trimmingCharacters(
                    in: CharacterSet(charactersIn: "\"'"))
                if key.hasPrefix("mcp_servers."), key.hasSuffix(".url") { options.mcpURL = text }
                if key.hasPrefix("mcp_servers."), key.hasSuffix(".bearer_token_env_var") {
                    options.tokenVariable = text
                }
            case (.codex, _) where !argument.hasPrefix("-") && options.prompt == nil: options.prompt = argument
            default: throw Failure("unknown option \(argument)")
            }
        }
        if options.persona == .claude && options.outputFormat == "stream-json" && !options.verbose {
            throw Failure("When using --print, --output-format=stream-json requires --verbose")
        }
        return options
    }

    /// The issue a prompt is about: `You are working on KEY:`, `You have not submitted KEY`, `submission of KEY came
    /// back`, `Your work on KEY could not be submitted`.
    static func issueKey(in prompt: String) -> String? {
        let patterns = [
            #"You are working on ([A-Z][A-Z0-9]*-[0-9]+):"#, #"You have not submitted ([A-Z][A-Z0-9]*-[0-9]+)"#,
            #"submission of ([A-Z][A-Z0-9]*-[0-9]+) came back"#, #"Your work on ([A-Z][A-Z0-9]*-[0-9]+) could not"#,
        ]
        for pattern in patterns {
            if let range = prompt.range(of: pattern, options: .regularExpression) {
                let match = String(prompt[range])
                if let key = match.range(of: #"[A-Z][A-Z0-9]*-[0-9]+"#, options: .regularExpression) {
                    return String(match[key])
                }
            }
        }
        return nil
    }

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try parse(arguments)
        let environment = ProcessInfo.processInfo.environment
        guard let prompt = options.prompt else { throw Failure("give a prompt (-p PROMPT, or exec … PROMPT)") }
        if let directory = options.directory {
            guard FileManager.default.changeCurrentDirectoryPath(directory) else {
                throw Failure("no directory \(directory)")
            }
        }
        // Like a model, it knows its issue from the prompt and its lease from its tools' results, never from
        // turboCode's variables.
        guard let issueKey = Self.issueKey(in: prompt) else {
            throw Failure("the prompt names no issue (\"You are working on KEY: …\")")
        }
        let out = Stream(session: UUID().uuidString.lowercased(), persona: options.persona)
        let client: MCPClient
        switch options.persona {
        case .claude:
            guard let configPath = options.mcpConfig else {
                throw Failure("no MCP server: give --mcp-config FILE")
            }
            client = try MCPClient(configFile: configPath)
        case .codex:
            guard let address = options.mcpURL, let url = URL(string: address) else {
                throw Failure("no MCP server: give -c mcp_servers.NAME.url=\"…\"")
            }
            let token = options.tokenVariable.flatMap { environment[$0] }
            client = MCPClient(url: url, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
        }

        out.start(model: options.model)
        try await client.initialize()
        out.toolUse("mcp__turbocode__get_issue", ["issue_id": issueKey])
        let issue = try await client.callTool("get_issue", ["issue_id": issueKey])
        out.toolResult(issue.text, isError: issue.isError)
        guard !issue.isError, let details = issue.structured else { throw Failure("get_issue failed: \(issue.text)") }
        let title = details["title"] as? String ?? issueKey
        let epoch = (details["lease"] as? [String: Any])?["epoch"] as? Int
        let scenario = try Self.scenario(issue: issueKey, description: details["description"] as? String)
        let isNudge = prompt.contains("You have not submitted")
        out.text("Working on \(issueKey): \(title) (scenario \(scenario)).")

        switch scenario {
        case "hang":
            while true { sleep(3_600) }
        case "hang-dirty":
            FileManager.default.createFile(atPath: "notes.txt", contents: Data("half done\n".utf8))
            while true { sleep(3_600) }
        case "ignore-sigint":
            signal(SIGINT, SIG_IGN)
            while true { sleep(3_600) }
        case "crash":
            out.text("Reading the code…")
            abort()
        case "rate-limit":
            out.rateLimit(resetAt: Int(Date().timeIntervalSince1970) + 900)
            return 1
        case "slow":
            let seconds = environment["FAKE_AGENT_SLOW_SECONDS"].flatMap(Int.init) ?? 5
            for second in 0..<seconds {
                out.text("Still thinking (\(second + 1)/\(seconds))…")
                sleep(1)
            }
        case "fork-child":
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/bin/sleep")
            child.arguments = ["3600"]
            try child.run()
            out.text("Started a helper (pid \(child.processIdentifier)).")
            if let path = environment["FAKE_AGENT_CHILD_PID_FILE"] {
                try Data("\(child.processIdentifier)\n".utf8).write(to: URL(fileURLWithPath: path))
            }
        default: break
        }

        let file = Self.file(for: issueKey, paths: details["paths"] as? [String] ?? [])
        let alreadyThere = FileManager.default.fileExists(atPath: file)
        if !alreadyThere {
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let broken = scenario == "break-tests-once" ? "BROKEN: a test fails until this line goes.\n" : ""
            try Data("# \(issueKey): \(title)\n\nDone by fake-agent.\n\(broken)".utf8).write(
                to: URL(fileURLWithPath: file))
            out.toolUse("Write", ["file_path": file])
            try Self.git(["add", "--", file])
            try Self.git(["commit", "-q", "-m", "\(issueKey): \(title)"])
            out.toolUse("Bash", ["command": "git commit -m '\(issueKey): \(title)'"])
        }
        if scenario == "break-tests-once", alreadyThere, prompt.contains("came back"),
            let text = try? String(contentsOfFile: file, encoding: .utf8), text.contains("BROKEN")
        {
            // Sent back by verification: fix what the comment names.
            let fixed = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("BROKEN") }
            try Data(fixed.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
            out.toolUse("Edit", ["file_path": file])
            try Self.git(["add", "--", file])
            try Self.git(["commit", "-q", "-m", "\(issueKey): fix the failing test"])
            out.toolUse("Bash", ["command": "git commit -m '\(issueKey): fix the failing test'"])
        }
        if scenario == "crash-after-commit-once" && !alreadyThere {
            out.text("Committed; now dying without a word.")
            kill(getpid(), SIGKILL)
        }
        if scenario == "never-submit" || (scenario == "no-submit" && !isNudge) {
            out.result(success: true, text: "I made the change and committed it.")
            return 0
        }
        var arguments: [String: Any] = ["issue_id": issueKey]
        if let epoch { arguments["epoch"] = epoch }
        out.toolUse("mcp__turbocode__submit_issue_for_review", arguments)
        let submitted = try await client.callTool("submit_issue_for_review", arguments)
        out.toolResult(submitted.text, isError: submitted.isError)
        guard !submitted.isError else {
            out.result(success: false, text: "submit_issue_for_review failed: \(submitted.text)")
            return 1
        }
        // A real CLI's turn goes on after the tool call: it thinks, writes a last message, reports its usage.
        if scenario == "linger-after-submit" { sleep(2) }
        out.result(success: true, text: "Submitted \(issueKey) for review.")
        return 0
    }

    /// The scenario for this issue: env, then the scenario file, then the description, else `normal`.
    static func scenario(issue: String, description: String?) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let name = environment["FAKE_AGENT_SCENARIO"], !name.isEmpty { return name }
        if let path = environment["FAKE_AGENT_SCENARIO_FILE"],
            let data = FileManager.default.contents(atPath: path),
            let map = try JSONSerialization.jsonObject(with: data) as? [String: String], let name = map[issue]
        {
            return name
        }
        for line in (description ?? "").split(separator: "\n") where line.hasPrefix("fake-agent:") {
            return line.dropFirst("fake-agent:".count).trimmingCharacters(in: .whitespaces)
        }
        return "normal"
    }

    /// Where the work goes: inside the issue's first path pattern (up to its first wildcard), else `fake-agent/`.
    static func file(for issue: String, paths: [String]) -> String {
        let name = "\(issue.lowercased()).md"
        guard let pattern = paths.first else { return "fake-agent/\(name)" }
        let fixed = pattern.split(separator: "/").prefix { !$0.contains("*") && !$0.contains("?") }
        return fixed.isEmpty ? name : fixed.joined(separator: "/") + "/" + name
    }

    static func git(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure("git \(arguments.joined(separator: " ")) failed") }
    }
}
