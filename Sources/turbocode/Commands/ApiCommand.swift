import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct Api: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "api",
            abstract: "Call a running server's REST API, authenticated with the admin token 'serve' wrote.",
            discussion: """
                Sends one request to the server ($TURBOCODE_SERVER, else http://127.0.0.1:$TURBOCODE_PORT, else \
                port 7420) and prints the response body (JSON pretty-printed) on stdout. The token is --token, else \
                $TURBOCODE_TOKEN, else the .turbocode/admin-token file 'turbocode serve' created in the repository. \
                A path without /api/v1 gets it prepended. An answer of 400 or more prints the error on stderr and \
                exits 1.

                  turbocode api GET /issues/SHOP-1
                  turbocode api POST /issues -d '{"title": "Search page", "priority": "high"}'
                  turbocode api DELETE '/worktrees/SHOP-3?force=true'
                """)
        @OptionGroup var global: GlobalOptions

        @Argument(help: "GET, POST, PATCH or DELETE.") var method: String
        @Argument(help: "The path, such as /issues/SHOP-1 or /api/v1/queue, with any query.") var path: String

        @Option(name: [.customShort("d"), .long], help: "A JSON request body, or '-' to read it from stdin.")
        var data: String?

        @Option(help: "The server's base URL.") var server: String?
        @Option(help: "The bearer token.") var token: String?

        func validate() throws {
            guard ["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD"].contains(method.uppercased()) else {
                throw ValidationError("the method must be GET, POST, PATCH, DELETE, PUT or HEAD")
            }
            guard path.hasPrefix("/") else { throw ValidationError("the path must start with '/'") }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let base =
                server ?? environment["TURBOCODE_SERVER"]
                ?? "http://127.0.0.1:\(environment["TURBOCODE_PORT"] ?? "7420")"
            let fullPath =
                path.hasPrefix("/api/") || path == "/healthz" || path == "/metrics" ? path : "/api/v1" + path
            var request = HTTPClientRequest(url: base.trimmingSuffix("/") + fullPath)
            request.method = HTTPMethod(rawValue: method.uppercased())
            let secret =
                try token ?? environment["TURBOCODE_TOKEN"] ?? global.repository().flatMap(Server.readAdminToken)
            if let secret { request.headers.add(name: "Authorization", value: "Bearer \(secret)") }
            if let data {
                let body = data == "-" ? FileHandle.standardInput.readDataToEndOfFile() : Data(data.utf8)
                guard (try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])) != nil else {
                    throw ValidationError("the body is not valid JSON")
                }
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let (status, bytes) = try await Self.call(request, base: base)
            if status >= 400 {
                Output.error("\(status) \(Self.errorMessage(bytes))")
                throw ExitCode(1)
            }
            if let object = try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed]),
                let pretty = try? JSONSerialization.data(
                    withJSONObject: object,
                    options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
            {
                Output.line(String(decoding: pretty, as: UTF8.self))
            } else {
                Output.line(String(decoding: bytes, as: UTF8.self))
            }
        }
    }
}

extension Turbocode.Api {
    /// Sends a request to a running server; the status and the body.
    static func call(_ request: HTTPClientRequest, base: String) async throws -> (status: Int, body: Data) {
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 64 << 20)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch {
            throw TurboError.invalidInput("cannot reach \(base): \(error); is 'turbocode serve' running?")
        }
    }

    /// `code: message` from an error body, else the body as text.
    static func errorMessage(_ bytes: Data) -> String {
        let detail = (try? JSONSerialization.jsonObject(with: bytes) as? [String: Any])?["error"] as? [String: Any]
        return detail.map { "\($0["code"] ?? "error"): \($0["message"] ?? "")" }
            ?? String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
