import Synchronization
import TurboCore

/// The active tokens this store has recently found, so that a request's authentication costs a hash and a dictionary
/// lookup instead of a database read.
///
/// A revocation through this store empties the cache as it commits, so it is refused at once here. One made by
/// another process or coordinator (the CLI, a second `serve` on the same PostgreSQL) is seen when the entry is next
/// read from the database: entries live ``lifetime`` at most. Unknown secrets are never cached (each costs a read, as
/// before), so guessing cannot fill the cache; it holds at most ``capacity`` tokens.
final class TokenCache: Sendable {
    /// How long a token found in the database is trusted without reading it again.
    static let lifetime: Duration = .seconds(1)
    /// The most tokens held; past it, expired ones go, and if none has expired, all.
    static let capacity = 4_096

    private struct State {
        var entries: [String: (token: APIToken, expires: ContinuousClock.Instant)] = [:]
        /// Bumped by every revocation, so that a read that began before it does not cache what it found.
        var generation = 0
    }

    private let state = Mutex(State())

    /// The cached token for `hash`, if it is there and fresh.
    func token(hash: String) -> APIToken? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.entries[hash] else { return nil }
            guard entry.expires > now else {
                state.entries[hash] = nil
                return nil
            }
            return entry.token
        }
    }

    /// The generation to pass to ``remember(_:hash:generation:)`` for a read that starts now.
    var generation: Int { state.withLock { $0.generation } }

    /// Keeps `token`, read from the database by a read that started at `generation`, unless a revocation has
    /// happened since.
    func remember(_ token: APIToken, hash: String, generation: Int) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.capacity {
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[hash] = (token, now + Self.lifetime)
        }
    }

    /// Forgets every token: a token was revoked.
    func revoked() {
        state.withLock { state in
            state.generation += 1
            state.entries.removeAll()
        }
    }
}
