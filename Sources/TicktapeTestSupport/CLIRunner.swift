import Foundation

/// The built `ticktape` executable next to the test bundle.
public func ticktapeBinary() -> String {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("ticktape").path
}

/// Output of one CLI run.
public struct RunResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// A child process that did not end within its time (it was killed).
public struct ChildProcessTimeout: Error, CustomStringConvertible {
    public var arguments: [String]
    public var seconds: Double
    public var stderr: String
    public var description: String { "\(arguments) did not end within \(seconds) s (killed); stderr: \(stderr)" }
}

/// Runs `ticktape ARGS` to completion and captures both streams (see ``ChildProcess`` for why
/// through files and async). A run longer than `seconds` is killed and throws.
public func runTicktape(
    _ arguments: [String],
    stdin: String? = nil,
    environment: [String: String]? = nil,
    in workingDirectory: String? = nil,
    seconds: Double = 120
) async throws -> RunResult {
    let child = try ChildProcess(ticktape: arguments, environment: environment, stdin: stdin, in: workingDirectory)
    guard await child.wait(seconds: seconds) else {
        throw ChildProcessTimeout(arguments: arguments, seconds: seconds, stderr: child.stderr)
    }
    return RunResult(status: child.status, stdout: child.stdout, stderr: child.stderr)
}
