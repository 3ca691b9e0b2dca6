import BenchSupport
import Foundation
import Subprocess
import TurboAgents

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// `turbocode-process-bench`: the cost of turboCode's agent supervisor (`AgentProcess`: stdout kept in a log and parsed
/// line by line, stderr to a file, a watchdog for the limits and the stop ladder) over bare swift-subprocess 1.0.2
/// (`Subprocess.run` with a closure that streams stdout, in a new process group), which it is built on, on what an
/// agent run needs:
///
/// 1. starting and reaping a short process, 200 times (`/bin/sh -c 'echo line'`, one line read);
/// 2. the run of an agent that leaves a background child holding its stdout (`sh -c 'sleep 3 & echo started'`, the
///    shape of a CLI that starts a dev server or an MCP helper and exits): how long until the caller learns that the
///    agent has exited.
@main
struct ProcessBench {
    static func main() async throws {
        let runs = 200
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("process-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        print("turbocode-process-bench: \(runs) short runs each, then one run that leaves a child on stdout\n")

        var ours: [Duration] = []
        for index in 0..<runs {
            let started = ContinuousClock.now
            let process = try AgentProcess(
                plan: LaunchPlan(arguments: ["/bin/sh", "-c", "echo line"]), directory: directory,
                environment: ["PATH": "/usr/bin:/bin"],
                logDirectory: directory.appendingPathComponent("run-\(index)"))
            _ = await process.supervise(
                parser: LineCounter(), limits: RunLimits(wallClock: .seconds(30), inactivity: .seconds(30)),
                onEvent: { _ in })
            ours.append(ContinuousClock.now - started)
        }
        var theirs: [Duration] = []
        for _ in 0..<runs {
            let started = ContinuousClock.now
            _ = try await Subprocess.run(
                Self.configuration("echo line"), input: .none, output: .sequence, error: .discarded
            ) { execution in
                for try await _ in execution.standardOutput.strings() {}
            }
            theirs.append(ContinuousClock.now - started)
        }
        print("1. start, read one line, reap (ms)        p50      p99")
        for (name, samples) in [("AgentProcess", ours), ("swift-subprocess", theirs)] {
            let sorted = samples.sorted()
            print(
                "   \(name)" + Figures.pad(Figures.milliseconds(Figures.percentile(sorted, 0.5)), 40 - name.count)
                    + Figures.pad(Figures.milliseconds(Figures.percentile(sorted, 0.99)), 9))
        }

        let script = "sleep 3 & echo started"
        var started = ContinuousClock.now
        let process = try AgentProcess(
            plan: LaunchPlan(arguments: ["/bin/sh", "-c", script]), directory: directory,
            environment: ["PATH": "/usr/bin:/bin"], logDirectory: directory.appendingPathComponent("left-child"))
        let report = await process.supervise(
            parser: LineCounter(), limits: RunLimits(wallClock: .seconds(30), inactivity: .seconds(30)),
            onEvent: { _ in })
        let oursLeft = ContinuousClock.now - started
        started = ContinuousClock.now
        _ = try await Subprocess.run(
            Self.configuration(script), input: .none, output: .sequence, error: .discarded
        ) { execution in
            for try await _ in execution.standardOutput.strings() {}
        }
        let theirsLeft = ContinuousClock.now - started
        print("\n2. an agent that exits leaving a child on its stdout: until the caller knows it exited")
        print(
            "   AgentProcess       \(Figures.milliseconds(oursLeft)) ms (\(report.termination); the group is then killed)"
        )
        print(
            "   swift-subprocess   \(Figures.milliseconds(theirsLeft)) ms (its output sequence ends when the process exits)"
        )
    }

    /// `/bin/sh -c script` in a new process group, with a plain PATH.
    static func configuration(_ script: String) -> Subprocess.Configuration {
        var platform = PlatformOptions()
        platform.processGroupID = 0
        return Subprocess.Configuration(
            executable: .path(FilePath("/bin/sh")), arguments: ["-c", script],
            environment: .custom(["PATH": "/usr/bin:/bin"]), platformOptions: platform)
    }
}

/// Counts nothing: the benchmark measures the process layer, not a parser.
struct LineCounter: AgentStreamParser {
    mutating func consume(_ line: String) -> [AgentEvent] { [] }
}
