import Foundation
import TurboCore
import TurboServices

/// The leases one MCP session obtained (issue → epoch), so a work tool called without an epoch uses this session's,
/// never whatever lease is live now: an old process of the same agent cannot hand in a newer run's work (a
/// per-session token, `Caller.session`, is bound the same way).
public actor SessionLeases {
    private var epochs: [UUID: Int] = [:]

    /// No leases yet.
    public init() {}

    func record(issue: UUID, epoch: Int) { epochs[issue] = epoch }

    func epoch(of issue: UUID) -> Int? { epochs[issue] }
}
