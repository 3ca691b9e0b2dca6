import BenchSupport
import Foundation
import Hummingbird
import TurboCore

/// The REST API against the limit of its own stack: `wrk` (Debian's package) drives a bare Hummingbird route that
/// answers a small JSON body and turboCode's routes in the same run, on the same machine, and the figures are given
/// as ratios of the bare route's requests per second. The list's server time comes from the server's own request
/// histogram (`/metrics`), with one connection so that no request waits for another.
extension ServerBench {
    struct WrkResult {
        var requestsPerSecond: Double
        var p50: String
        var p99: String
    }

    static func wrkComparison(base: String, secret: String, issues: Int) async throws {
        guard let wrk = findExecutable("wrk") else {
            print("")
            print("wrk: skipped (not on PATH; Debian: apt-get install wrk)")
            return
        }
        let router = Router()
        router.get("bare") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(
                status: .ok, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: #"{"key":"BENCH-1","title":"Issue 0","status":"ready"}"#)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let bare = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "bare"),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await bare.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                throw TurboError.invalidInput("the bare server did not start")
            }
            try await compare(
                wrk: wrk, bare: "http://127.0.0.1:\(port)/bare", base: base, secret: secret, issues: issues)
            group.cancelAll()
        }
    }

    private static func compare(wrk: String, bare: String, base: String, secret: String, issues: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wrk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let post = directory.appendingPathComponent("post.lua").path
        try """
        wrk.method = "POST"
        wrk.body = '{"title": "Made by wrk", "priority": "high", "capabilities": ["web"]}'
        wrk.headers["Content-Type"] = "application/json"
        """.write(toFile: post, atomically: true, encoding: .utf8)
        let listed = min(320, issues)
        let auth = ["-H", "Authorization: Bearer \(secret)"]
        print("")
        print("wrk, 2 threads, 16 connections, 5 s each (every request with the admin token)")
        print("route                              req/s   p50      p99      of the bare route")
        let baseline = try run(wrk, ["-t2", "-c16", "-d5s", "--latency"] + auth + [bare])
        print(line("bare Hummingbird JSON route", baseline, baseline.requestsPerSecond))
        let scenarios: [(String, [String])] = [
            ("GET /api/v1/issues/{key}", auth + ["\(base)/api/v1/issues/BENCH-1"]),
            ("POST /api/v1/issues", auth + ["-s", post, "\(base)/api/v1/issues"]),
            ("GET /api/v1/issues?limit=\(listed)", auth + ["\(base)/api/v1/issues?limit=\(listed)"]),
        ]
        for (name, arguments) in scenarios {
            _ = try run(wrk, ["-t1", "-c4", "-d1s"] + arguments)  // Warm up.
            let result = try run(wrk, ["-t2", "-c16", "-d5s", "--latency"] + arguments)
            print(line(name, result, baseline.requestsPerSecond))
        }
        // Server time of the list, unloaded: one connection, the server's histogram before and after.
        let before = try await listTime(base)
        _ = try run(wrk, ["-t1", "-c1", "-d3s"] + auth + ["\(base)/api/v1/issues?limit=\(listed)"])
        let after = try await listTime(base)
        let count = after.count - before.count
        if count > 0 {
            print(
                String(
                    format: "server time of a %d-issue list (one connection, %d requests): %.2f ms on average",
                    listed, Int(count), (after.sum - before.sum) * 1000 / count))
        }
    }

    private static func line(_ name: String, _ result: WrkResult, _ baseline: Double) -> String {
        name.padding(toLength: 33, withPad: " ", startingAt: 0)
            + Figures.pad(String(format: "%.0f", result.requestsPerSecond), 8) + "   "
            + result.p50.padding(toLength: 9, withPad: " ", startingAt: 0)
            + result.p99.padding(toLength: 9, withPad: " ", startingAt: 0)
            + String(format: "%.0f %%", result.requestsPerSecond / baseline * 100)
    }

    /// The sum (seconds) and count of `GET /api/v1/issues` in the server's request histogram.
    private static func listTime(_ base: String) async throws -> (sum: Double, count: Double) {
        guard let url = URL(string: "\(base)/metrics") else { throw TurboError.invalidInput("bad URL \(base)") }
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        func value(_ suffix: String) -> Double {
            for line in text.split(separator: "\n")
            where line.hasPrefix("turbocode_http_request_duration_seconds_\(suffix){")
                && line.contains(#"method="GET""#) && line.contains(#"route="/api/v1/issues""#)
            {
                return Double(line.split(separator: " ").last ?? "") ?? 0
            }
            return 0
        }
        return (value("sum"), value("count"))
    }

    private static func run(_ wrk: String, _ arguments: [String]) throws -> WrkResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        var result = WrkResult(requestsPerSecond: 0, p50: "-", p99: "-")
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first == "Requests/sec:", let value = fields.last.flatMap({ Double($0) }) {
                result.requestsPerSecond = value
            } else if fields.first == "50%", fields.count == 2 {
                result.p50 = String(fields[1])
            } else if fields.first == "99%", fields.count == 2 {
                result.p99 = String(fields[1])
            } else if line.contains("Non-2xx or 3xx responses") {
                throw TurboError.invalidInput("wrk \(arguments.joined(separator: " ")): \(line)")
            }
        }
        return result
    }

    private static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}
