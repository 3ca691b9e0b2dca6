public import Logging

/// A loop that runs a pass whenever it is woken and at least every `interval`; wake-ups that arrive during a pass
/// coalesce into one more pass.
public struct Wakeups: Sendable {
    let stream: AsyncStream<Void>
    let continuation: AsyncStream<Void>.Continuation

    /// A loop with no wake-up pending; ``run(every:logging:to:isolation:_:)`` runs it.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a pass now. Cheap; many calls coalesce.
    public func wake() { continuation.yield() }

    /// Runs `pass` on every wake-up and every `interval` until the task is cancelled; a failing pass is logged as
    /// `what` and the loop goes on.
    public func run(
        every interval: Duration, logging what: String, to logger: Logger,
        isolation: isolated (any Actor)? = #isolation, _ pass: () async throws -> Void
    ) async {
        let continuation = continuation
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                continuation.yield()
            }
        }
        defer { ticker.cancel() }
        for await _ in stream {
            do {
                try await pass()
            } catch is CancellationError {
                break
            } catch {
                logger.warning("\(what) failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
