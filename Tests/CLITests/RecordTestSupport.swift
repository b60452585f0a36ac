import Foundation
import NIOCore
import Primitives
import TapeLog
import TicktapeTestSupport
import Upbit
import Wire

/// A server handler made of a closure (the CLI tests' own; Wire's tests have theirs).
struct RecordTestHandler: WebSocketServerHandler {
    let body: @Sendable (UpgradeRequest, WebSocketInbound, WebSocketWriter) async throws -> Void

    func serve(_ request: UpgradeRequest, inbound: WebSocketInbound, outbound: WebSocketWriter) async throws {
        try await body(request, inbound, outbound)
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
    _ log: Locked<FeedLog>,
    interval: Duration = .milliseconds(2),
    closeAfter: @escaping @Sendable (Int) -> Int? = { _ in nil }
) -> RecordTestHandler {
    let connections = Locked(0)
    return RecordTestHandler { _, inbound, writer in
        let number = connections.withLock {
            $0 += 1
            return $0
        }
        var iterator = inbound.makeAsyncIterator()
        guard let first = try await iterator.next() else { return }
        log.withLock { $0.subscriptions.append(Array(first.payload.readableBytesView)) }
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
                    log.withLock { $0.sent.append((number, payload, .now)) }
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
///
/// Server and body run on a thread of their own (``DedicatedExecutor``), not on Swift's
/// cooperative pool: the child `ticktape record` keeps its own time (its `--duration`, its 2 s
/// wait for a close reply), and this side must keep up with it even while CPU-bound tests hold
/// every pool thread (CI has two).
func withRecordServer<Result: Sendable>(
    gate: (@Sendable (UpgradeRequest) -> UpgradeDecision)? = nil,
    handler: RecordTestHandler,
    _ body: (Int) async throws -> Result
) async throws -> Result {
    try await withTaskExecutorPreference(DedicatedExecutor()) {
        let server = try await WebSocketServer.bind(gate: gate)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run(handler: handler) }
            defer { group.cancelAll() }
            return try await body(server.port)
        }
    }
}

/// Runs tasks on a serial Dispatch queue, whose thread is not one of the cooperative pool's.
final class DedicatedExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "ticktape.tests.dedicated")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = self.asUnownedTaskExecutor()
        self.queue.async { job.runSynchronously(on: executor) }
    }
}

/// Polls `condition` every 10 ms for at most `seconds` (the machine may be loaded: the bound is
/// a safety net, not an expectation of speed); false on a timeout.
func poll(seconds: Double = 60, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() {
        guard ContinuousClock.now < deadline, !Task.isCancelled else { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}

/// The inbound data payloads of a tape, in order.
func inboundPayloads(_ path: String) throws -> [[UInt8]] {
    try TapeReader(path: path).allEntries().compactMap { entry in
        guard case .frame(let frame) = entry, frame.record.direction == .inbound,
            frame.record.opcode.isData
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
