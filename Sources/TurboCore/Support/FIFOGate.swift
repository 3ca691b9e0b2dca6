import Synchronization

/// A first-in, first-out lock for async code: one holder at a time, the others suspended in arrival order. Taking a
/// free gate does not suspend.
public final class FIFOGate: Sendable {
    private struct State {
        var held = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private static let byName = Mutex<[String: FIFOGate]>([:])

    /// The process's gate named `name` (made on first use, kept for the process's life), such as a database file
    /// or a repository: callers spell one thing one way (a standardized path).
    public static func shared(for name: String) -> FIFOGate {
        byName.withLock { gates in
            if let gate = gates[name] { return gate }
            let gate = FIFOGate()
            gates[name] = gate
            return gate
        }
    }

    /// A free gate.
    public init() {}

    /// Takes the gate, waiting behind the holders before it.
    public func enter() async {
        let taken = state.withLock { state in
            guard !state.held else { return false }
            state.held = true
            return true
        }
        if taken { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = state.withLock { state in
                guard state.held else {
                    state.held = true
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    /// Gives the gate to the next waiter, or frees it.
    public func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.held = false
                return nil
            }
            // The gate passes to the next waiter without being released.
            return state.waiting.removeFirst()
        }
        next?.resume()
    }

    /// Runs `body` holding the gate.
    public func run<T>(_ body: () async throws -> T) async throws -> T {
        await enter()
        defer { leave() }
        return try await body()
    }
}
