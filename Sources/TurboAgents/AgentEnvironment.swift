import Foundation

/// The environment an agent runs with: a small inherited base (what a shell, git and the CLI's runtime need, proxies
/// and CA bundles), the variables of this driver's CLI and providers, the subagent's `env:` from `turbocode.yaml`,
/// then turboCode's own. Nothing else of the coordinator's environment reaches an agent.
public enum AgentEnvironment {
    /// Inherited by every agent, by exact name.
    public static let base: Set<String> = [
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TERM", "TMPDIR", "SHELL", "TZ", "XDG_CONFIG_HOME",
        "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
        // Proxies, both spellings (curl and Node read the lower case, others the upper).
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
        // CA bundles: Node, OpenSSL, Python requests/httpx, curl.
        "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        "GH_TOKEN", "GITHUB_TOKEN",
    ]

    /// Inherited by every agent, by prefix: locale, git's identity and settings, fake-agent's test knobs.
    public static let basePrefixes = ["LC_", "GIT_", "FAKE_AGENT_"]

    /// The prefixes each driver's CLI and its model providers read (documented in docs/agents.md).
    public static func prefixes(for driver: DriverKind) -> [String] {
        let cloud = ["AWS_", "GOOGLE_", "GCLOUD_", "CLOUDSDK_", "CLOUD_ML_", "VERTEX_", "AZURE_"]
        switch driver {
        case .claude:
            // ANTHROPIC_* (keys, base URL, Bedrock/Vertex settings), CLAUDE_* and CLAUDE_CODE_USE_BEDROCK/_VERTEX,
            // MCP timeouts, Bedrock and Vertex credentials.
            return ["ANTHROPIC_", "CLAUDE_", "MCP_", "MAX_MCP_", "DISABLE_", "BASH_"] + cloud
        case .codex: return ["OPENAI_", "CODEX_", "AZURE_"]
        case .gemini: return ["GEMINI_"] + cloud
        case .cursor: return ["CURSOR_"]
        case .amp: return ["AMP_"]
        case .opencode: return ["OPENCODE_"] + providers + cloud
        case .copilot: return ["COPILOT_", "GH_", "GITHUB_"]
        case .aider: return ["AIDER_", "LITELLM_"] + providers + cloud
        case .command:
            return DriverKind.allCases.filter { $0 != .command }.flatMap { prefixes(for: $0) }
        }
    }

    /// Model providers' variables, for CLIs that speak to many (Aider through litellm, opencode).
    static let providers = [
        "OPENAI_", "ANTHROPIC_", "GEMINI_", "OPENROUTER_", "DEEPSEEK_", "GROQ_", "MISTRAL_", "COHERE_", "XAI_",
        "OLLAMA_", "TOGETHER", "FIREWORKS_", "HUGGINGFACE_", "HF_", "VERTEXAI_", "BEDROCK_",
    ]

    /// What an agent of `driver` inherits from `inherited`.
    public static func inherit(driver: DriverKind, from inherited: [String: String]) -> [String: String] {
        let prefixes = basePrefixes + prefixes(for: driver)
        return inherited.filter { key, _ in base.contains(key) || prefixes.contains { key.hasPrefix($0) } }
    }

    /// The whole environment, later layers winning: inherited, the subagent's `env:` (with `${NAME}` taken from the
    /// coordinator's environment), turboCode's variables, a remote worker's extras, the driver's own.
    public static func build(
        driver: DriverKind, inherited: [String: String], configured: [String: String], turbo: [String: String],
        extra: [String: String], plan: [String: String]
    ) -> [String: String] {
        var environment = inherit(driver: driver, from: inherited)
        for (key, value) in configured { environment[key] = expand(value, from: inherited) }
        for layer in [turbo, extra, plan] { environment.merge(layer) { $1 } }
        return environment
    }

    /// `${NAME}` replaced by the variable's value (empty when unset); `$$` is a literal `$`.
    public static func expand(_ value: String, from environment: [String: String]) -> String {
        var result = ""
        var rest = Substring(value)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                result += "$"
                rest = after.dropFirst()
            } else if after.first == "{", let close = after.firstIndex(of: "}") {
                result += environment[String(after[after.index(after: after.startIndex)..<close])] ?? ""
                rest = after[after.index(after: close)...]
            } else {
                result += "$"
                rest = after
            }
        }
        return result + rest
    }

    /// Variables whose values `launch.txt` shows; every other value may hold a credential (proxy URLs with a
    /// password, custom headers) and is shown as `…`.
    static let shownValues: Set<String> = [
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "TERM", "SHELL", "TZ", "TMPDIR", "TURBOCODE_URL", "TURBOCODE_ISSUE",
        "TURBOCODE_EPOCH", "TURBOCODE_WORKTREE", "TURBOCODE_MCP_CONFIG", "BROWSER", "COLUMNS",
    ]

    /// The run's argv (one argument a line, quoted where needed) and its variables — names, and values only for the
    /// harmless ones — with every occurrence of a secret in the argv masked.
    public static func launchRecord(plan: LaunchPlan, environment: [String: String], secrets: [String]) -> String {
        func mask(_ text: String) -> String {
            secrets.filter { !$0.isEmpty }.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
        }
        var text = "argv:\n"
        for argument in plan.arguments {
            let shown = mask(argument)
            text += "  " + (shown.contains(where: { $0 == " " || $0 == "\n" || $0 == "'" }) ? quoted(shown) : shown)
            text += "\n"
        }
        text += "environment:\n"
        for key in environment.keys.sorted() {
            text +=
                "  \(key)=\(shownValues.contains(key) || key.hasPrefix("LC_") ? mask(environment[key] ?? "") : "…")\n"
        }
        return text
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
