import Foundation
import NIOCore
import TapeLog
import TicktapeTestSupport
import Wire

/// A server handler made of a closure (the CLI tests' own; Wire's tests have theirs).
struct RecordTestHandler: WebSocketServerHandler {
    let body: @Sendable (UpgradeRequest, WebSocketInbound, WebSocketWriter) async throws -> Void

    func serve(_ request: UpgradeRequest, inbound: WebSocketInbound, outbound: WebSocketWriter) async throws {
        try await body(request, inbound, outbound)
    }
}

/// A value shared between the test, server tasks and threads.
final class Shared<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func with<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// What a feed server sent: every payload with the moment its write completed, per connection.
struct FeedLog: Sendable {
    var subscriptions: [[UInt8]] = []
    var sent: [(connection: Int, payload: [UInt8], at: ContinuousClock.Instant)] = []
}

/// After the subscription (Upbit sends nothing before one), one text message every `interval`
/// until the client closes; connection `n` closes by itself after `closeAfter(n)` messages.
func feedHandler(
    _ log: Shared<FeedLog>,
    interval: Duration = .milliseconds(2),
    closeAfter: @escaping @Sendable (Int) -> Int? = { _ in nil }
) -> RecordTestHandler {
    let connections = Shared(0)
    return RecordTestHandler { _, inbound, writer in
        let number = connections.with {
            $0 += 1
            return $0
        }
        var iterator = inbound.makeAsyncIterator()
        guard let first = try await iterator.next() else { return }
        log.with { $0.subscriptions.append(Array(first.payload.readableBytesView)) }
        let remaining = UnsafeSendable(iterator)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var rest = remaining.value
                while try await rest.next() != nil {}  // answers the client's close
            }
            group.addTask {
                var index = 0
                while !Task.isCancelled {
                    if let limit = closeAfter(number), index >= limit {
                        try await writer.close(code: 1000, reason: "enough")
                        return
                    }
                    let payload = Array(
                        #"{"type":"trade","code":"KRW-BTC","connection":\#(number),"sequential_id":\#(index)}"#.utf8
                    )
                    try await writer.send(text: ByteBuffer(bytes: payload))
                    log.with { $0.sent.append((number, payload, .now)) }
                    index += 1
                    try await Task.sleep(for: interval)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}

/// Moves a value into a child task that alone uses it from then on.
struct UnsafeSendable<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Binds a server on 127.0.0.1:0, runs `body` with its port, then stops the server.
func withRecordServer<Result: Sendable>(
    gate: (@Sendable (UpgradeRequest) -> UpgradeDecision)? = nil,
    handler: RecordTestHandler,
    _ body: (Int) async throws -> Result
) async throws -> Result {
    let server = try await WebSocketServer.bind(gate: gate)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run(handler: handler) }
        defer { group.cancelAll() }
        return try await body(server.port)
    }
}

/// A spawned `ticktape` process whose output is collected in the background. Killed on deinit
/// if still running, so no test path leaves a child behind.
final class Child: @unchecked Sendable {
    let process = Process()
    private let out = Shared(Data())
    private let err = Shared(Data())
    private let readers = DispatchGroup()

    init(_ arguments: [String], environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: ticktapeBinary())
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (pipe, box) in [(stdout, out), (stderr, err)] {
            readers.enter()
            Thread.detachNewThread { [readers] in
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                box.with { $0 = data }
                readers.leave()
            }
        }
    }

    deinit { kill() }

    /// Sends `signal` (SIGINT, SIGTERM, SIGKILL).
    func send(_ signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    func kill() { send(SIGKILL) }

    /// Waits for the exit at most `seconds`; kills the child and returns false on a timeout.
    func wait(seconds: Double = 20) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill()
                process.waitUntilExit()
                return false
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        _ = readers.wait(timeout: .now() + 5)
        return true
    }

    var status: Int32 { process.terminationStatus }
    var killedBySignal: Bool { process.terminationReason == .uncaughtSignal }
    var stdout: String { String(decoding: out.with { $0 }, as: UTF8.self) }
    var stderr: String { String(decoding: err.with { $0 }, as: UTF8.self) }
}

/// Polls `condition` every 10 ms for at most `seconds`; false on a timeout.
func poll(seconds: Double = 15, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}

/// The inbound data payloads of a tape, in order.
func inboundPayloads(_ path: String) throws -> [[UInt8]] {
    try TapeReader(path: path).allEntries().compactMap { entry in
        guard case .frame(let frame) = entry, frame.record.direction == .inbound,
            Opcode.isData(frame.record.opcode)
        else { return nil }
        return frame.record.payload
    }
}

/// The environment of this process without the Upbit keys, plus `extra`.
func environment(adding extra: [String: String] = [:]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment[UpbitCredentials.accessKeyVariable] = nil
    environment[UpbitCredentials.secretKeyVariable] = nil
    return environment.merging(extra) { $1 }
}
