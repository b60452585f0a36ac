import Foundation
import TicktapeTestSupport

/// A running `ticktape simulate --port 0 …`; killed when released (call ``stop(signal:)`` to
/// end it cleanly).
final class SimulatorProcess: Sendable {
    let child: ChildProcess
    /// `ws://127.0.0.1:PORT/websocket/v1`, from the first stdout line.
    let url: String

    /// Starts the simulator and waits (bounded) for its `listening on …` line.
    init(_ arguments: [String]) async throws {
        self.child = try ChildProcess(ticktape: ["simulate", "--port", "0"] + arguments)
        let prefix = "listening on "
        guard let line = await self.child.firstLine(seconds: 60), line.hasPrefix(prefix) else {
            self.child.kill()
            throw SimulatorProcessError(message: "no 'listening on' line; stdout: \(self.child.stdout)")
        }
        self.url = String(line.dropFirst(prefix.count))
    }

    /// Sends `signal`, waits (bounded; then SIGKILL) for the exit; returns status and stdout.
    func stop(signal: Int32) async -> (Int32, String) {
        self.child.send(signal)
        await self.child.wait(seconds: 60)
        return (self.child.status, self.child.stdout)
    }
}

struct SimulatorProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs `executable` (looked up on PATH) with a deadline; killed when it runs over.
func runProcess(_ executable: String, _ arguments: [String], seconds: Double) async throws -> ProcessResult {
    let child = try ChildProcess(executable: "/usr/bin/env", [executable] + arguments)
    await child.wait(seconds: seconds)
    return ProcessResult(status: child.status, stdout: child.stdout, stderr: child.stderr)
}

/// Exit status and output of ``runProcess(_:_:seconds:)``.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}
