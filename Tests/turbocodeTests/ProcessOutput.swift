import Foundation

/// A child process's stdout and stderr captured in temporary files, not pipes.
///
/// With pipes, a process spawned at the same moment from another test can inherit a pipe's write end, and reading to
/// end of file then waits for that unrelated process to exit. Files have no such coupling.
final class ProcessOutput: @unchecked Sendable {
    let stdoutURL: URL
    let stderrURL: URL
    let stdout: FileHandle
    let stderr: FileHandle

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("tc-out-\(UUID().uuidString)")
        stdoutURL = base.appendingPathExtension("stdout")
        stderrURL = base.appendingPathExtension("stderr")
        for url in [stdoutURL, stderrURL] {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown)
            }
        }
        stdout = try FileHandle(forWritingTo: stdoutURL)
        stderr = try FileHandle(forWritingTo: stderrURL)
    }

    /// Connects a process's stdout and stderr to the files.
    func attach(_ process: Process) {
        process.standardOutput = stdout
        process.standardError = stderr
    }

    func read(_ url: URL) -> String {
        String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self)
    }

    var stdoutText: String { read(stdoutURL) }
    var stderrText: String { read(stderrURL) }

    deinit {
        try? stdout.close()
        try? stderr.close()
        try? FileManager.default.removeItem(at: stdoutURL)
        try? FileManager.default.removeItem(at: stderrURL)
    }
}
