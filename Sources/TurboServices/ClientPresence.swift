import Synchronization

/// Whether the client that asked for a claim still waits for the answer. A face that can tell (the REST claim route
/// watches its connection) hands one to ``WorkService/claimNext(agent:capabilities:project:presence:)``; a claim
/// made for a client that has left is given back to the queue at once instead of holding the issue until its lease
/// expires.
public final class ClientPresence: Sendable {
    private let left = Atomic<Bool>(false)

    /// A client that is still there.
    public init() {}

    /// Records that the client went away (its connection closed).
    public func leave() { left.store(true, ordering: .releasing) }

    /// True once the client went away.
    public var hasLeft: Bool { left.load(ordering: .acquiring) }
}
