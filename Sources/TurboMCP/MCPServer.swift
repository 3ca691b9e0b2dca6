import Foundation
public import Logging
public import MCP
public import TurboServices

/// Builds MCP servers over the tools and runs them on stdio.
public enum TurboMCPServer {
    static let instructions = """
        turboCode coordinates agents working in parallel on one repository. Take work with claim_next_issue (or \
        start_work_on_issue), work and commit only in the worktree it returns, send heartbeat(issue_id, epoch) \
        regularly, report_progress as you go, and finish with submit_issue_for_review. Issues are named by key \
        (TURBO-12, any case) or UUID. A refused call answers isError with the reason; a stale epoch means your \
        lease was taken away: stop working on that issue.
        """

    /// A server whose tools act for `caller`. One server serves one client (MCP sessions are not shared).
    public static func make(tools: TurboTools, caller: Caller, version: String) async -> Server {
        let server = Server(
            name: "turbocode", version: version, title: "turboCode", instructions: instructions,
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: ToolCatalogue.tools) }
        let leases = SessionLeases()
        await server.withMethodHandler(CallTool.self) { params in
            try await tools.call(params.name, arguments: params.arguments, caller: caller, session: leases)
        }
        return server
    }

    /// Serves one client over stdin/stdout until it hangs up. stdout is the protocol: log only to `logger`
    /// (stderr).
    public static func runStdio(tools: TurboTools, caller: Caller, version: String, logger: Logger) async throws {
        let server = await make(tools: tools, caller: caller, version: version)
        try await server.start(transport: StdioTransport(logger: logger))
        await server.waitUntilCompleted()
        await server.stop()
    }
}
