import Foundation
import TicktapeTestSupport

/// A running `ticktape simulate --port 0 …`, killed in every path (call ``kill()`` in a defer).
final class SimulatorProcess: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var stdout = Data()
    private var stdoutClosed = false
    /// `ws://127.0.0.1:PORT/websocket/v1`, from the first stdout line.
    private(set) var url = ""

    /// Starts the simulator and waits (at most 20 s) for its `listening on …` line.
    init(_ arguments: [String]) throws {
        self.process.executableURL = URL(fileURLWithPath: ticktapeBinary())
        self.process.arguments = ["simulate", "--port", "0"] + arguments
        self.process.standardOutput = self.output
        self.process.standardError = FileHandle.nullDevice
        self.process.standardInput = FileHandle.nullDevice
        try self.process.run()
        let handle = self.output.fileHandleForReading
        Thread {
            while true {
                let chunk = handle.availableData
                self.lock.lock()
                if chunk.isEmpty { self.stdoutClosed = true } else { self.stdout.append(chunk) }
                self.lock.unlock()
                if chunk.isEmpty { return }
            }
        }.start()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let line = self.text.split(separator: "\n", omittingEmptySubsequences: false).first,
                self.text.contains("\n")
            {
                let prefix = "listening on "
                guard line.hasPrefix(prefix) else { break }
                self.url = String(line.dropFirst(prefix.count))
                return
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        self.kill()
        throw SimulatorProcessError(message: "no 'listening on' line; stdout: \(self.text)")
    }

    var text: String {
        self.lock.lock()
        defer { self.lock.unlock() }
        return String(decoding: self.stdout, as: UTF8.self)
    }

    /// Sends `signal`, waits at most 10 s for the exit (then SIGKILL); returns status and stdout.
    func stop(signal: Int32) -> (Int32, String) {
        Foundation.kill(self.process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(10)
        while self.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        self.kill()
        let closed = Date().addingTimeInterval(5)
        while Date() < closed {
            self.lock.lock()
            let done = self.stdoutClosed
            self.lock.unlock()
            if done { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return (self.process.terminationStatus, self.text)
    }

    /// SIGKILL if still running, and reap.
    func kill() {
        if self.process.isRunning {
            Foundation.kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
        }
    }
}

struct SimulatorProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs `executable` (looked up on PATH) with a deadline; killed when it runs over.
func runProcess(_ executable: String, _ arguments: [String], seconds: Double) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let collected = CollectedOutput()
    let readers = [(out, true), (err, false)].map { pipe, isOut in
        Thread { collected.set(pipe.fileHandleForReading.readDataToEndOfFile(), stdout: isOut) }
    }
    for reader in readers { reader.start() }
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    let drained = Date().addingTimeInterval(5)
    while !collected.complete && Date() < drained { Thread.sleep(forTimeInterval: 0.01) }
    return ProcessResult(status: process.terminationStatus, stdout: collected.stdout, stderr: collected.stderr)
}

/// Exit status and output of ``runProcess(_:_:seconds:)``.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var out: Data?
    private var err: Data?

    func set(_ data: Data, stdout: Bool) {
        self.lock.lock()
        if stdout { self.out = data } else { self.err = data }
        self.lock.unlock()
    }

    var complete: Bool {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.out != nil && self.err != nil
    }

    var stdout: String { self.read { $0.out } }
    var stderr: String { self.read { $0.err } }

    private func read(_ pick: (CollectedOutput) -> Data?) -> String {
        self.lock.lock()
        defer { self.lock.unlock() }
        return String(decoding: pick(self) ?? Data(), as: UTF8.self)
    }
}
