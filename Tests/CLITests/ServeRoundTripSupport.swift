import Foundation
import TapeLog
import TicktapeTestSupport
import Upbit

/// A running `ticktape serve TAPE --port 0 …`, killed in every path (call ``kill()`` in a defer).
final class ServedTape: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var stdout = Data()
    private var stdoutClosed = false
    /// From the first stdout line.
    private(set) var port = 0
    var url: String { "ws://127.0.0.1:\(port)/websocket/v1" }

    /// Starts `ticktape serve` and waits (at most 20 s) for its `serving … on ws://…` line.
    init(tape: String, _ flags: [String]) throws {
        self.process.executableURL = URL(fileURLWithPath: ticktapeBinary())
        self.process.arguments = ["serve", tape, "--port", "0"] + flags
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
        let prefix = "serving \(tape) on ws://127.0.0.1:"
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text = self.text
            if let newline = text.firstIndex(of: "\n") {
                let line = text[..<newline]
                guard line.hasPrefix(prefix) else { break }
                self.port = Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) ?? 0
                if self.port > 0 { return }
                break
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        self.kill()
        throw ServeTestError("no 'serving … on ws://' line; stdout: \(self.text)")
    }

    /// Starts the server from a thread of its own (``offPool(_:)``).
    static func start(tape: String, _ flags: [String]) async throws -> ServedTape {
        try await offPool { try ServedTape(tape: tape, flags) }
    }

    /// ``stop(signal:)`` from a thread of its own.
    func stopped(signal: Int32) async -> (status: Int32, stdout: String) {
        (try? await offPool { self.stop(signal: signal) }) ?? (-1, "")
    }

    var text: String {
        self.lock.lock()
        defer { self.lock.unlock() }
        return String(decoding: self.stdout, as: UTF8.self)
    }

    /// Sends `signal`, waits at most 10 s for the exit (then SIGKILL); returns status and stdout.
    func stop(signal: Int32) -> (status: Int32, stdout: String) {
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

struct ServeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What a child process did (a Sendable copy of the shared runners' results).
struct ChildOutcome: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// `ticktape ARGS` run to completion off the cooperative pool.
func ticktape(_ arguments: [String]) async throws -> ChildOutcome {
    try await offPool {
        let result = try runTicktape(arguments)
        return ChildOutcome(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}

/// Runs `ticktape ARGS` and throws unless it exits 0.
func ticktapeOK(_ arguments: [String]) async throws {
    let result = try await ticktape(arguments)
    guard result.status == 0 else {
        throw ServeTestError("ticktape \(arguments.joined(separator: " ")): exit \(result.status): \(result.stderr)")
    }
}

/// One inbound market frame of a tape, in arrival order.
struct TapeMessage: Equatable {
    var epoch: UInt32
    var type: String
    var streamType: StreamType?
    var code: String?
    var payload: [UInt8]
}

/// The inbound Upbit market frames of a tape in ARRIVAL order (what serve replays), with the
/// number of epochs (connect events).
func marketMessages(of path: String, codes: Set<String>? = nil) throws -> (messages: [TapeMessage], epochs: Int) {
    let reader = try TapeReader(path: path)
    let cursor = try reader.arrivals()
    var messages: [TapeMessage] = []
    var epochs = 0
    while let entry = try cursor.next() {
        switch entry {
        case .event(let event):
            if event.kind == .connect { epochs += 1 }
        case .frame(let frame):
            let record = frame.record
            guard record.direction == .inbound, Opcode.isData(record.opcode),
                let type = frame.facts.type, UpbitScanner.isMarketType(type)
            else { continue }
            if let codes, !(frame.facts.code.map(codes.contains) ?? false) { continue }
            messages.append(
                TapeMessage(
                    epoch: record.epoch,
                    type: type,
                    streamType: frame.facts.streamType,
                    code: frame.facts.code,
                    payload: record.payload
                )
            )
        }
    }
    return (messages, epochs)
}

/// Polls `condition` every 20 ms for at most `seconds`; false when time ran out.
func waitUntil(seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while await !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return true
}

/// `body`'s result, or nil when it has not finished after `seconds` (it is then cancelled).
func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}

/// Runs blocking work (a child process, a poll with `Thread.sleep`) on a thread of its own and
/// awaits it, so that it never holds one of the few threads of Swift's cooperative pool: the
/// in-process servers and recorders of the tests running in parallel need them.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
