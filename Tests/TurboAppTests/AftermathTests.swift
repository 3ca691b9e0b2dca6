import Foundation
import Testing
import TurboAgents
import TurboServices

/// What follows a session, decided once for the local pool and remote workers: where the issue goes, the comment,
/// driver pauses and back-offs. Pure decisions, tested with fixed instants.
@Suite
struct AftermathTests {
    static var limits: OrchestratorConfig.Limits {
        var limits = OrchestratorConfig.Limits()
        limits.maxFailedRuns = 3
        limits.retryBackoff = .seconds(30)
        limits.rateLimitPause = .seconds(900)
        return limits
    }

    static func after(_ outcome: AgentSession.Outcome, failures: Int = 0) -> AgentSession.Aftermath {
        AgentSession.aftermath(
            of: outcome, issue: "SHOP-1", agent: "claude-1", driver: .claude, failures: failures, limits: limits,
            logs: ".turbocode/logs/SHOP-1")
    }

    @Test func aSubmissionKeepsTheIssueAndClearsTheFailureCount() {
        let after = Self.after(.submitted, failures: 2)
        #expect(after.giveBack == .none && after.failures == 0 && after.pause == nil && after.retryAfter == nil)
        #expect(after.line == "SHOP-1 submitted by claude-1")
    }

    @Test func failedRunsBackOffDoublingThenTheIssueIsSetAsideWithTheReason() {
        let first = Self.after(.failed("exited with status 1"))
        #expect(first.giveBack == .ready && first.failures == 1 && first.retryAfter == .seconds(30))
        #expect(first.comment == nil, "a plain failure is not worth a comment")
        let second = Self.after(.failed("exited with status 1"), failures: 1)
        #expect(second.failures == 2 && second.retryAfter == .seconds(60))
        let third = Self.after(.failed("exited with status 1"), failures: 2)
        #expect(third.giveBack == .setAside && third.failures == 0 && third.retryAfter == nil)
        #expect(third.comment?.contains("after 3 failed runs; the last one: exited with status 1") == true)
        #expect(third.comment?.contains(".turbocode/logs/SHOP-1") == true)
    }

    @Test func aRefusalIsWorthAComment() {
        let after = Self.after(.failed("permission denied: Bash(npm publish)"))
        #expect(after.comment == "Given back: permission denied: Bash(npm publish)")
    }

    @Test func limitsPauseTheDriverAndDoNotCountAgainstTheIssue() {
        let reset = Date(timeIntervalSince1970: 1_800_000_000)
        let limited = Self.after(.rateLimited(until: reset, message: "usage limit"), failures: 1)
        #expect(limited.giveBack == .ready && limited.failures == 1)
        #expect(limited.pause == AgentSession.Pause(until: reset, kind: "rate_limited", reason: "usage limit"))
        let unusable = Self.after(.driverUnusable(.authentication, "Invalid API key"))
        #expect(unusable.pause == AgentSession.Pause(until: nil, kind: "authentication", reason: "Invalid API key"))
        let overloaded = Self.after(.retryLater("claude is overloaded"), failures: 1)
        #expect(overloaded.failures == 1 && overloaded.retryAfter == .seconds(60) && overloaded.pause == nil)
    }

    @Test func aPauseEndsAtTheResetButNeverAtOnceAndDefaultsToTheConfiguredPause() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let limits = Self.limits
        // The reset the CLI named.
        #expect(
            AgentSession.pauseEnd(resetAt: now.addingTimeInterval(3_600), limits: limits, now: now)
                == now.addingTimeInterval(3_600))
        // A reset already past (clock skew, a stale message) still pauses for the minimum.
        #expect(
            AgentSession.pauseEnd(resetAt: now.addingTimeInterval(-5), limits: limits, now: now)
                == now.addingTimeInterval(limits.minimumRateLimitPause))
        // No reset named: limits.rate_limit_pause.
        #expect(AgentSession.pauseEnd(resetAt: nil, limits: limits, now: now) == now.addingTimeInterval(900))
    }
}
