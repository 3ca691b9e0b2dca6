import Foundation
import MCP
import Testing
import TurboCore

@testable import TurboMCP

/// JSON-RPC's rules the SDK left to us: a bad `params` is -32602 with the request's id, an `id` that is not a
/// string, number or null is -32600 — answered, never dropped as if it were a notification.
struct JSONRPCPrecheckTests {
    func answer(_ body: String) throws -> (status: Int, body: JSONValue?) {
        guard let response = MCPHTTPEndpoint.precheck(Data(body.utf8)) else { return (0, nil) }
        let data = try #require(response.bodyData)
        return (response.statusCode, try JSONDecoder().decode(JSONValue.self, from: data))
    }

    @Test func paramsThatAreNotAnObjectAreInvalidParams() throws {
        let (status, body) = try answer(#"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":"x"}"#)
        #expect(status == 200)
        #expect(body?["id"] == .number(7))
        #expect(body?["error"]?["code"] == .number(-32602))
        let batch = try answer(#"[{"jsonrpc":"2.0","id":"a","method":"ping","params":[1]}]"#)
        #expect(batch.body?["id"] == .string("a") && batch.body?["error"]?["code"] == .number(-32602))
    }

    @Test func anIdThatIsAnObjectIsAnInvalidRequestAndIsAnswered() throws {
        for id in [#"{"x":1}"#, "[1]", "true"] {
            let (status, body) = try answer(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/list","params":{}}"#)
            #expect(status == 400, "\(id)")
            #expect(body?["error"]?["code"] == .number(-32600), "\(id)")
        }
    }

    @Test func wellFormedMessagesAndNonJSONGoToTheSDK() throws {
        for body in [
            #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#,
            #"{"jsonrpc":"2.0","id":null,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":"s","result":{}}"#, "not json",
        ] {
            #expect(MCPHTTPEndpoint.precheck(Data(body.utf8)) == nil, "\(body)")
        }
    }
}
