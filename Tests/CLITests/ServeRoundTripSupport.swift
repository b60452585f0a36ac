import Foundation
import TapeLog
import TicktapeTestSupport
import Upbit

/// A running `ticktape` child (serve, record), killed in every path (call ``kill()`` in a
/// defer). Its stdout is collected while it runs.
final class TicktapeChild: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var stdout = Data()
    private var stdoutClosed = false

    init(_ arguments: [String]) throws {
        self.process.executableURL = URL(fileURLWithPath: ticktapeBinary())
        self.process.arguments = arguments
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
    }

    /// The first stdout line, waited for at most `seconds`; nil if none came.
    func firstLine(seconds: Double = 20) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = self.text
            if let newline = text.firstIndex(of: "\n") { return String(text[..<newline]) }
            if !self.process.isRunning && self.isClosed { return nil }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    /// Waits at most `seconds` for the process to exit by itself (then SIGKILL); returns status and stdout.
    func waitForExit(seconds: Double) -> (status: Int32, stdout: String) {
        let deadline = Date().addingTimeInterval(seconds)
        while self.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        self.kill()
        let closed = Date().addingTimeInterval(5)
        while !self.isClosed && Date() < closed { Thread.sleep(forTimeInterval: 0.01) }
        return (self.process.terminationStatus, self.text)
    }

    /// ``stop(signal:)`` from a thread of its own (``offPool(_:)``).
    func stopped(signal: Int32) async -> (status: Int32, stdout: String) {
        (try? await offPool { self.stop(signal: signal) }) ?? (-1, "")
    }

    /// ``waitForExit(seconds:)`` from a thread of its own.
    func exited(seconds: Double) async -> (status: Int32, stdout: String) {
        (try? await offPool { self.waitForExit(seconds: seconds) }) ?? (-1, "")
    }

    private var isClosed: Bool {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.stdoutClosed
    }

    var text: String {
        self.lock.lock()
        defer { self.lock.unlock() }
        return String(decoding: self.stdout, as: UTF8.self)
    }

    /// Sends `signal`, waits at most 10 s for the exit (then SIGKILL); returns status and stdout.
    func stop(signal: Int32) -> (status: Int32, stdout: String) {
        Foundation.kill(self.process.processIdentifier, signal)
        return self.waitForExit(seconds: 10)
    }

    /// SIGKILL if still running, and reap.
    func kill() {
        if self.process.isRunning {
            Foundation.kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
        }
    }
}

/// A running `ticktape serve TAPE --port 0 …` and the port of its first stdout line.
struct ServedTape: Sendable {
    let child: TicktapeChild
    let port: Int
    var url: String { "ws://127.0.0.1:\(port)/websocket/v1" }

    /// Starts `ticktape serve` (off the cooperative pool) and waits at most 20 s for its
    /// `serving TAPE on ws://127.0.0.1:PORT/websocket/v1` line.
    static func start(tape: String, _ flags: [String]) async throws -> ServedTape {
        try await offPool {
            let child = try TicktapeChild(["serve", tape, "--port", "0"] + flags)
            let prefix = "serving \(tape) on ws://127.0.0.1:"
            if let line = child.firstLine(), line.hasPrefix(prefix),
                let port = Int(line.dropFirst(prefix.count).prefix { $0.isNumber }), port > 0
            {
                return ServedTape(child: child, port: port)
            }
            child.kill()
            throw ServeTestError("no 'serving … on ws://' line; stdout: \(child.text)")
        }
    }

    func stopped(signal: Int32) async -> (status: Int32, stdout: String) { await self.child.stopped(signal: signal) }
    func kill() { self.child.kill() }
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
struct TapeMessage: Equatable, Sendable {
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
