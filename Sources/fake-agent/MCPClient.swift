import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Just enough of an MCP client over Streamable HTTP: initialize, then tools/call; answers as JSON or SSE.
final class MCPClient {
    let url: URL
    let headers: [String: String]
    var session: String?
    var nextID = 1

    init(url: URL, headers: [String: String]) {
        self.url = url
        self.headers = headers
    }

    convenience init(configFile: String) throws {
        guard let data = FileManager.default.contents(atPath: configFile),
            let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let servers = document["mcpServers"] as? [String: Any],
            let server = (servers["turbocode"] ?? servers.values.first) as? [String: Any],
            let address = server["url"] as? String, let url = URL(string: address)
        else { throw FakeAgent.Failure("\(configFile) names no HTTP MCP server") }
        self.init(url: url, headers: server["headers"] as? [String: String] ?? [:])
    }

    func initialize() async throws {
        _ = try await call(
            "initialize",
            [
                "protocolVersion": "2025-11-25", "capabilities": [:] as [String: Any],
                "clientInfo": ["name": "fake-agent", "version": "1.0"],
            ])
        _ = try await post(["jsonrpc": "2.0", "method": "notifications/initialized"])
    }

    func callTool(_ name: String, _ arguments: [String: Any]) async throws -> (
        isError: Bool, text: String, structured: [String: Any]?
    ) {
        let result = try await call("tools/call", ["name": name, "arguments": arguments])
        let text = (result["content"] as? [[String: Any]])?.compactMap { $0["text"] as? String }.joined() ?? ""
        return (result["isError"] as? Bool ?? false, text, result["structuredContent"] as? [String: Any])
    }

    func call(_ method: String, _ params: [String: Any]) async throws -> [String: Any] {
        let id = nextID
        nextID += 1
        let messages = try await post(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        guard let answer = messages.first(where: { ($0["id"] as? Int) == id }) else {
            throw FakeAgent.Failure("no answer to \(method)")
        }
        if let error = answer["error"] as? [String: Any] {
            throw FakeAgent.Failure("\(method): \(error["message"] as? String ?? "error")")
        }
        return answer["result"] as? [String: Any] ?? [:]
    }

    func post(_ message: [String: Any]) async throws -> [[String: Any]] {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: message)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
        request.setValue("2025-11-25", forHTTPHeaderField: "MCP-Protocol-Version")
        if let session { request.setValue(session, forHTTPHeaderField: "Mcp-Session-Id") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw FakeAgent.Failure("not an HTTP answer") }
        guard (200..<300).contains(http.statusCode) else {
            throw FakeAgent.Failure("MCP server answered \(http.statusCode): \(String(decoding: data, as: UTF8.self))")
        }
        if let id = http.value(forHTTPHeaderField: "Mcp-Session-Id") { session = id }
        let text = String(decoding: data, as: UTF8.self)
        let payloads: [String]
        if (http.value(forHTTPHeaderField: "Content-Type") ?? "").contains("text/event-stream") {
            payloads = text.split(separator: "\n").filter { $0.hasPrefix("data:") }.map {
                String($0.dropFirst(5)).trimmingCharacters(in: .whitespaces)
            }
        } else {
            payloads = text.isEmpty ? [] : [text]
        }
        return payloads.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
