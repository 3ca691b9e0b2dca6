import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
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

            /// POSTs (or GETs, without a body) `path` under /api/v1; the decoded answer, or exit 1 with the error.
            func call(_ path: String, body: [String: Any]? = nil) async throws -> Any? {
                let client = CoordinatorClient(
                    base: try base, token: token ?? ProcessInfo.processInfo.environment["TURBOCODE_TOKEN"])
                do {
                    return try await client.call(path, body: body)
                } catch let refused as CoordinatorClient.Refused {
                    Output.error(refused.description)
                    throw ExitCode(1)
                } catch TurboError.staleLease(_, let reason) {
                    Output.error("409 \(reason)")
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

            /// The issue, and the body carrying the epoch when one is known.
            var resolved: (issue: String, body: [String: Any]) {
                get throws {
                    let environment = ProcessInfo.processInfo.environment
                    guard let issue = issue ?? environment["TURBOCODE_ISSUE"] else {
                        throw ValidationError("no issue: set TURBOCODE_ISSUE or pass --issue")
                    }
                    let epoch = epoch ?? environment["TURBOCODE_EPOCH"].flatMap(Int.init)
                    return (issue, epoch.map { ["epoch": $0] } ?? [:])
                }
            }
        }

        static func print(_ value: Any?, json: Bool, text: String) throws {
            if json, let value {
                let data = try JSONSerialization.data(
                    withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                Output.line(String(decoding: data, as: UTF8.self))
            } else {
                Output.line(text)
            }
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
                let document = try await connection.call("/issues/\(key)") as? [String: Any] ?? [:]
                try WorkCommand.print(
                    document, json: json,
                    text: "\(document["key"] ?? key): \(document["title"] ?? "")\n\n\(document["description"] ?? "")")
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
                var body: [String: Any] = [:]
                if !capabilities.isEmpty { body["capabilities"] = capabilities }
                if let agent { body["agent"] = agent }
                guard let claimed = try await connection.call("/queue/claim", body: body) as? [String: Any],
                    let issue = claimed["issue"] as? [String: Any]
                else {
                    Output.note("Nothing eligible for this agent.")
                    throw ExitCode(3)
                }
                try WorkCommand.print(
                    claimed, json: json,
                    text: """
                        export TURBOCODE_ISSUE=\(issue["key"] ?? "")
                        export TURBOCODE_EPOCH=\(claimed["epoch"] ?? "")
                        export TURBOCODE_WORKTREE=\(claimed["worktree"] ?? "")
                        """)
            }
        }

        struct Heartbeat: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Keep the lease alive.")
            @OptionGroup var connection: Connection
            @OptionGroup var lease: Lease

            func run() async throws {
                let (issue, body) = try lease.resolved
                let renewed = try await connection.call("/issues/\(issue)/heartbeat", body: body)
                Output.line(
                    "\(issue) lease \((renewed as? [String: Any])?["epoch"] ?? "?") renewed until \((renewed as? [String: Any])?["expires_at"] ?? "?")"
                )
            }
        }

        struct Progress: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Report progress (also keeps the lease alive).")
            @OptionGroup var connection: Connection
            @OptionGroup var lease: Lease
            @Argument(help: "What is done, what comes next.") var message: String
            @Option(help: "0–100.") var percent: Int?

            func run() async throws {
                let (issue, fenced) = try lease.resolved
                var body = fenced
                body["message"] = message
                if let percent { body["percent"] = percent }
                _ = try await connection.call("/issues/\(issue)/heartbeat", body: body)
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
                let (issue, fenced) = try lease.resolved
                var body = fenced
                if let commitURL { body["commit_url"] = commitURL }
                let submitted = try await connection.call("/issues/\(issue)/submit", body: body) as? [String: Any]
                try WorkCommand.print(
                    submitted, json: json,
                    text:
                        "\(issue) submitted: \(submitted?["commits"] ?? 0) commit(s), head \(submitted?["head"] ?? "?")"
                )
            }
        }

        struct Blocked: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Stop: the issue goes back to open with the reason as a comment.")
            @OptionGroup var connection: Connection
            @OptionGroup var lease: Lease
            @Argument(help: "Why the work cannot go on.") var reason: String

            func run() async throws {
                let (issue, fenced) = try lease.resolved
                var body = fenced
                body["reason"] = reason
                _ = try await connection.call("/issues/\(issue)/blocked", body: body)
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
                let (issue, fenced) = try lease.resolved
                var body = fenced
                if let reason { body["reason"] = reason }
                _ = try await connection.call("/issues/\(issue)/release", body: body)
                Output.line("\(issue) released")
            }
        }
    }
}
