import ArgumentParser
import Foundation
import TurboAPI
import TurboCore

extension Turbocode {
    struct WorkCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "work",
            abstract: "An agent's side of its work over REST, for agents without MCP (Aider, scripts).",
            discussion: """
                Reads TURBOCODE_URL, TURBOCODE_TOKEN, TURBOCODE_ISSUE and TURBOCODE_EPOCH from the environment, \
                which 'turbocode up' sets for every agent it starts (or give --server, --token, --issue, --epoch). \
                Every call is fenced by the lease: without an epoch it acts under your own live lease; after the \
                lease was lost (expired, given to another agent) it is refused and changes nothing. 'claim' takes the best eligible issue for an agent and prints the \
                variables to export.
                """,
            subcommands: [
                Show.self, Claim.self, Heartbeat.self, Progress.self, Submit.self, Blocked.self, Release.self,
            ])

        struct Connection: ParsableArguments {
            @Option(help: "The server (default: $TURBOCODE_URL).") var server: String?
            @Option(help: "The bearer token (default: $TURBOCODE_TOKEN).") var token: String?

            var base: String {
                get throws {
                    guard let url = server ?? ProcessInfo.processInfo.environment["TURBOCODE_URL"] else {
                        throw ValidationError("no server: set TURBOCODE_URL or pass --server")
                    }
                    return url.trimmingSuffix("/")
                }
            }

            /// Runs `body` with the coordinator's API; a refusal is printed (`409 stale_lease: …`) and exits 1.
            func call<T: Sendable>(_ body: (CoordinatorAPI) async throws -> T) async throws -> T {
                let api = try CoordinatorAPI(
                    base: try base, token: token ?? ProcessInfo.processInfo.environment["TURBOCODE_TOKEN"])
                do {
                    return try await body(api)
                } catch let refusal as APIRefusal {
                    Output.error(refusal.description)
                    throw ExitCode(1)
                }
            }
        }

        struct Lease: ParsableArguments {
            @Option(help: "The issue (default: $TURBOCODE_ISSUE).") var issue: String?
            @Option(
                help: ArgumentHelp(
                    "The lease epoch (default: $TURBOCODE_EPOCH).",
                    discussion: "Left out, the call acts under your own live lease on the issue, if you hold one."))
            var epoch: Int?

            /// The issue, and the epoch when one is known.
            var resolved: (issue: String, epoch: Int?) {
                get throws {
                    let environment = ProcessInfo.processInfo.environment
                    guard let issue = issue ?? environment["TURBOCODE_ISSUE"] else {
                        throw ValidationError("no issue: set TURBOCODE_ISSUE or pass --issue")
                    }
                    return (issue, epoch ?? environment["TURBOCODE_EPOCH"].flatMap(Int.init))
                }
            }
        }

        /// The API's JSON as the server sent it (pretty-printed, keys sorted) with `--json`, else `text`.
        static func print(_ document: Data, json: Bool, text: String) throws {
            guard json else { return Output.line(text) }
            let pretty = try JSONSerialization.data(
                withJSONObject: try JSONSerialization.jsonObject(with: document),
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            Output.line(String(decoding: pretty, as: UTF8.self))
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The issue being worked on.")
            @OptionGroup var connection: Connection
            @Option(help: "The issue (default: $TURBOCODE_ISSUE).") var issue: String?
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                guard let key = issue ?? ProcessInfo.processInfo.environment["TURBOCODE_ISSUE"] else {
                    throw ValidationError("no issue: set TURBOCODE_ISSUE or pass --issue")
                }
                let issue = try await connection.call { try await $0.issue(key) }
                try WorkCommand.print(
                    issue.json, json: json, text: "\(issue.key): \(issue.title)\n\n\(issue.description)")
            }
        }

        struct Claim: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Take the best eligible issue for this agent; prints the variables to export.")
            @OptionGroup var connection: Connection
            @Option(name: .customLong("capability"), help: "A capability this agent has (repeat).")
            var capabilities: [String] = []
            @Option(help: "Admin tokens only: the agent to claim for.") var agent: String?
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let (capabilities, agent) = (capabilities, agent)
                guard
                    let claimed = try await connection.call({
                        try await $0.claim(capabilities: capabilities, agent: agent)
                    })
                else {
                    Output.note("Nothing eligible for this agent.")
                    throw ExitCode(3)
                }
                try WorkCommand.print(
                    claimed.json, json: json,
                    text: """
                        export TURBOCODE_ISSUE=\(claimed.issue.key)
                        export TURBOCODE_EPOCH=\(claimed.epoch)
                        export TURBOCODE_WORKTREE=\(claimed.worktree)
                        """)
            }
        }

        struct Heartbeat: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Keep the lease alive.")
            @OptionGroup var connection: Connection
            @OptionGroup var lease: Lease

            func run() async throws {
                let (issue, epoch) = try lease.resolved
                let renewed = try await connection.call { try await $0.heartbeat(issue, epoch: epoch) }
                Output.line("\(issue) lease \(renewed.epoch) renewed until \(renewed.expiresAt.formatted(.iso8601))")
            }
        }

        struct Progress: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Report progress (also keeps the lease alive).")
            @OptionGroup var connection: Connection
            @OptionGroup var lease: Lease
            @Argument(help: "What is done, what comes next.") var message: String
            @Option(help: "0–100.") var percent: Int?

            func run() async throws {
                let (issue, epoch) = try lease.resolved
                let (message, percent) = (message, percent)
                _ = try await connection.call {
                    try await $0.heartbeat(issue, epoch: epoch, message: message, percent: percent)
                }
                Output.line("\(issue): progress recorded")
            }
        }

        struct Submit: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Hand the committed work in for verification (refused with uncommitted files).")
            @OptionGroup var connection: Connection
            @OptionGroup var lease: Lease
            @Option(help: "A link to the commit or pull request.") var commitURL: String?
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let (issue, epoch) = try lease.resolved
                let commitURL = commitURL
                let submitted = try await connection.call {
                    try await $0.submit(issue, epoch: epoch, commitURL: commitURL)
                }
                try WorkCommand.print(
                    submitted.json, json: json,
                    text: "\(issue) submitted: \(submitted.commits) commit(s), head \(submitted.head)")
            }
        }

        struct Blocked: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Stop: the issue goes back to open with the reason as a comment.")
            @OptionGroup var connection: Connection
            @OptionGroup var lease: Lease
            @Argument(help: "Why the work cannot go on.") var reason: String

            func run() async throws {
                let (issue, epoch) = try lease.resolved
                let reason = reason
                try await connection.call { try await $0.reportBlocked(issue, epoch: epoch, reason: reason) }
                Output.line("\(issue) reported blocked")
            }
        }

        struct Release: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Give the issue back to the queue (ready); the worktree stays.")
            @OptionGroup var connection: Connection
            @OptionGroup var lease: Lease
            @Option(help: "Why (kept as a comment).") var reason: String?

            func run() async throws {
                let (issue, epoch) = try lease.resolved
                let reason = reason
                try await connection.call { try await $0.release(issue, epoch: epoch, reason: reason) }
                Output.line("\(issue) released")
            }
        }
    }
}
