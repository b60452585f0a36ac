import NIOCore
import TapeLog
import Wire

/// A sink that keeps everything in memory, in call order.
actor RecordingLog: RecordingSink {
    enum Entry: Sendable {
        case epoch(Int, EpochInfo)
        case frame(Direction, epoch: Int, WebSocketMessage)
        case event(RecorderEvent.Kind)
    }

    private(set) var entries: [Entry] = []

    func beginEpoch(_ epoch: Int, info: EpochInfo) async throws {
        self.entries.append(.epoch(epoch, info))
    }

    func record(_ message: WebSocketMessage, direction: Direction, epoch: Int) async throws {
        self.entries.append(.frame(direction, epoch: epoch, message))
    }

    func lifecycle(_ event: RecorderEvent) async throws {
        self.entries.append(.event(event.kind))
    }

    var epochs: [Int] {
        self.entries.compactMap { if case .epoch(let epoch, _) = $0 { return epoch } else { return nil } }
    }

    var events: [RecorderEvent.Kind] {
        self.entries.compactMap { if case .event(let kind) = $0 { return kind } else { return nil } }
    }

    func frames(epoch wanted: Int) -> [(Direction, WebSocketMessage)] {
        self.entries.compactMap {
            if case .frame(let direction, let epoch, let message) = $0, epoch == wanted { return (direction, message) }
            return nil
        }
    }

    func hasInboundText(_ text: String) -> Bool {
        self.entries.contains {
            if case .frame(.inbound, _, let message) = $0 { return message.text == text }
            return false
        }
    }
}

/// Runs a recorder in a child task, lets `body` watch it, then cancels it and waits for the end.
func withRecorder(
    _ configuration: RecorderConfiguration,
    sink: RecordingLog,
    _ body: () async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await Recorder(configuration: configuration, sink: sink).run() }
        try await body()
        group.cancelAll()
        try await group.waitForAll()
    }
}

/// A recorder configuration for loopback: fast backoff, given timings.
///
/// The close timeout is long on purpose: every test server answers a close, so a stop ends on
/// that reply (an event); the 2 s default could run out on a loaded machine and turn a clean
/// `.stopped` with code 1000 into "no close reply".
func loopbackRecorder(
    port: Int,
    staleAfterMs: Int64 = 30_000,
    pingEveryMs: Int64 = 60_000
) throws
    -> RecorderConfiguration
{
    var configuration = RecorderConfiguration(
        url: try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1"),
        subscription: ByteBuffer(string: #"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]"#)
    )
    configuration.policy.backoffBaseNanos = 1_000_000
    configuration.policy.backoffCapNanos = 5_000_000
    configuration.policy.staleAfterNanos = staleAfterMs * 1_000_000
    configuration.policy.pingIntervalNanos = pingEveryMs * 1_000_000
    configuration.closeTimeoutNanos = 60_000_000_000
    return configuration
}
