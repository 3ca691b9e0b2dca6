import ArgumentParser
import Foundation
import TurboAgents
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct Agents: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The pool from turbocode.yaml: each agent's driver, capabilities, status, issue, last heartbeat.",
            discussion: """
                An agent is busy while it holds a lease (started by 'turbocode up', or by an agent itself through \
                MCP); its last heartbeat is the lease's. Agents that hold leases but are not in turbocode.yaml (MCP \
                clients working on their own) are listed too. An idle agent whose driver 'turbocode up' paused shows \
                why: 'paused until 21:04:05 (rate_limited)', or 'unusable (authentication)' until up is restarted.
                """)
        @OptionGroup var global: GlobalOptions

        struct Row: Encodable {
            var id: String
            var driver: String?
            var specialization: String?
            var capabilities: [String]
            var status: String
            var issues: [String]
            var lastHeartbeat: Date?

            enum CodingKeys: String, CodingKey {
                case id, driver, specialization, capabilities, status, issues, lastHeartbeat = "last_heartbeat"
            }
        }

        func run() async throws {
            let repository = try global.repository()
            let pool = try repository.map { try OrchestratorConfig.load(from: $0.configFile) } ?? OrchestratorConfig()
            let rows = try await global.withStore { store, _ in
                var leases: [Lease] = []
                for log in try await store.activeWorkLogs() {
                    if let lease = try await store.currentLease(of: .id(log.issueID)), lease.releasedAt == nil {
                        leases.append(lease)
                    }
                }
                let pauses = try await Self.pausedDrivers(store)
                var rows = pool.subagents.map { agent in
                    Row(
                        id: agent.id, driver: agent.driver.rawValue, specialization: agent.specialization,
                        capabilities: agent.capabilities, status: pauses[agent.driver.rawValue] ?? "idle", issues: [],
                        lastHeartbeat: nil)
                }
                for lease in leases.sorted(by: { $0.issueKey.description < $1.issueKey.description }) {
                    if !rows.contains(where: { $0.id == lease.agentID }) {
                        rows.append(
                            Row(
                                id: lease.agentID, driver: nil, specialization: nil, capabilities: [], status: "idle",
                                issues: [], lastHeartbeat: nil))
                    }
                    guard let index = rows.firstIndex(where: { $0.id == lease.agentID }) else { continue }
                    rows[index].status = lease.expiresAt < Date() ? "lease expired" : "working"
                    rows[index].issues.append(lease.issueKey.description)
                    rows[index].lastHeartbeat = max(rows[index].lastHeartbeat ?? .distantPast, lease.heartbeatAt)
                }
                return rows
            }
            try global.emit(
                rows,
                text: rows.isEmpty
                    ? "No agents: add a 'subagents:' list to turbocode.yaml (see 'turbocode up --help')."
                    : Format.table(
                        ["AGENT", "DRIVER", "CAPABILITIES", "STATUS", "ISSUES", "LAST HEARTBEAT"],
                        rows.map { row in
                            [
                                row.id, row.driver ?? "(MCP)", row.capabilities.joined(separator: ",").nonEmpty ?? "-",
                                row.status, row.issues.joined(separator: ",").nonEmpty ?? "-",
                                row.lastHeartbeat.map(Format.date) ?? "-",
                            ]
                        }))
        }
    }
}

extension Turbocode.Agents {
    /// Drivers whose latest `driver.paused` event (among the recent ones) has no `driver.resumed` after it and has not
    /// run out: driver → `paused until 21:04:05 (rate_limited)` or `unusable (authentication)`.
    static func pausedDrivers(_ store: any TurboStore) async throws -> [String: String] {
        let latest = try await store.latestEventID()
        var state: [String: String] = [:]
        for event in try await store.events(after: max(0, latest - 5_000), limit: 5_000) {
            guard let driver = event.payload["driver"]?.stringValue else { continue }
            if event.type == EventType.driverResumed.rawValue { state[driver] = nil }
            guard event.type == EventType.driverPaused.rawValue else { continue }
            let kind = event.payload["kind"]?.stringValue ?? "paused"
            if let text = event.payload["until"]?.stringValue, let until = try? Date(text, strategy: .iso8601) {
                state[driver] = until > Date() ? "paused until \(Orchestrator.clock(until)) (\(kind))" : nil
            } else {
                state[driver] = "unusable (\(kind))"
            }
        }
        return state
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
