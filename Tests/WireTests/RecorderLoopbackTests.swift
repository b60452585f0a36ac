import NIOCore
import NIOWebSocket
import Primitives
import TapeLog
import Testing

@testable import Wire

@Suite(.timeLimit(.minutes(3))) struct RecorderLoopbackTests {
    private let subscription = #"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]"#

    @Test func reconnectsAfterAServerCloseWithANewEpochAndTheSubscriptionFirst() async throws {
        let connections = Locked(0)
        let serverSaw = Collector<(Int, String?, String)>()  // connection, Authorization, first/close info
        let handler = ClosureHandler { request, inbound, writer in
            let number = connections.withLock {
                $0 += 1
                return $0
            }
            var first = true
            for try await message in inbound {
                if first {
                    first = false
                    await serverSaw.append((number, request.headers["Authorization"].first, message.text ?? "?"))
                    try await writer.send(text: number == 1 ? "one" : "two")
                    if number == 1 { try await writer.close(code: 1000, reason: "bye") }
                } else if message.opcode == .connectionClose {
                    await serverSaw.append((number, nil, "close \(message.closeCode ?? 0)"))
                }
            }
        }
        let log = RecordingLog()
        try await withServer(handler: handler) { port in
            var configuration = try loopbackRecorder(port: port)
            let tokens = Locked(0)
            configuration.headers = {
                let token = tokens.withLock { count in
                    count += 1
                    return count
                }
                return [("Authorization", "Bearer \(token)")]
            }
            try await withRecorder(configuration, sink: log) {
                try await eventually { await log.hasInboundText("two") }
            }
        }

        #expect(await log.epochs == [1, 2])
        for epoch in [1, 2] {
            let frames = await log.frames(epoch: epoch)
            #expect(frames.first?.0 == .outbound)
            #expect(frames.first?.1.text == subscription)
        }
        let first = await log.frames(epoch: 1).map { ($0.0, $0.1.rawOpcode, $0.1.closeCode) }
        #expect(first.map(\.0) == [.outbound, .inbound, .inbound, .outbound])  // sub, "one", close, echo
        #expect(first.map(\.2) == [nil, nil, 1000, 1000])
        let events = await log.events
        #expect(
            events == [
                .subscribed(epoch: 1),
                .disconnected(epoch: 1, cause: .closedByPeer, closeCode: 1000, reason: "bye"),
                .subscribed(epoch: 2),
                .disconnected(epoch: 2, cause: .stopped, closeCode: 1000, reason: ""),
                .stopped(epochs: 2),
            ]
        )
        let saw = await serverSaw.values
        #expect(saw.map(\.0) == [1, 1, 2, 2])
        #expect(saw.map(\.1) == ["Bearer 1", nil, "Bearer 2", nil])  // a fresh header per connection
        // Connection 1: our echo of the server's close; connection 2: the close 1000 of the stop.
        #expect(saw.map(\.2) == [subscription, "close 1000", subscription, "close 1000"])
    }

    @Test func aSilentServerIsDetectedAsAStallAndTheRecorderReconnects() async throws {
        let handler = ClosureHandler { _, inbound, _ in
            for try await _ in inbound {}  // never says anything
        }
        let log = RecordingLog()
        let clock = ManualWireClock()
        try await withServer(handler: handler) { port in
            var configuration = try loopbackRecorder(port: port, staleAfterMs: 150)
            configuration.clock = clock.wireClock
            try await withRecorder(configuration, sink: log) {
                try await eventually { await log.events.contains(.subscribed(epoch: 1)) }
                // Silent for 200 ms on the recorder's clock, past the 150 ms it tolerates.
                clock.advance(by: 200_000_000)
                try await eventually { await log.events.contains(.subscribed(epoch: 2)) }
            }
        }
        let events = await log.events
        #expect(events.count >= 3, "\(events)")
        let stall = RecorderEvent.Kind.disconnected(
            epoch: 1,
            cause: .stalled,
            closeCode: nil,
            reason: "no data for 200 ms"
        )
        #expect(Array(events.prefix(3)) == [.subscribed(epoch: 1), stall, .subscribed(epoch: 2)])
        // The clock stood still after that: epoch 2 never stalled, it was stopped.
        #expect(await log.epochs == [1, 2])
        #expect(events.last == .stopped(epochs: 2))
    }

    @Test func keepalivePingsAreSentRecordedAndAnswered() async throws {
        let pings = Collector<Int>()
        let handler = ClosureHandler { _, inbound, _ in
            for try await message in inbound where message.opcode == .ping { await pings.append(1) }
        }
        let log = RecordingLog()
        let clock = ManualWireClock()
        try await withServer(handler: handler) { port in
            var configuration = try loopbackRecorder(port: port, pingEveryMs: 40)
            configuration.clock = clock.wireClock
            try await withRecorder(configuration, sink: log) {
                try await eventually { await log.events.contains(.subscribed(epoch: 1)) }
                clock.advance(by: 50_000_000)  // one ping interval (40 ms) has passed, not two
                try await eventually {
                    await log.frames(epoch: 1).contains { $0.0 == .inbound && $0.1.opcode == .pong }
                }
            }
        }
        let frames = await log.frames(epoch: 1)
        #expect(frames.first?.0 == .outbound && frames.first?.1.text == subscription, "the subscription stays first")
        let pingsSent = frames.indices.filter { frames[$0].0 == .outbound && frames[$0].1.opcode == .ping }
        let pongs = frames.indices.filter { frames[$0].0 == .inbound && frames[$0].1.opcode == .pong }
        #expect(pingsSent.count == 1 && pongs.count == 1, "one interval, one ping: \(frames.map(\.1.opcode))")
        #expect(pingsSent.first ?? .max < pongs.first ?? .min)
        #expect(await pings.values.count == 1)
    }

    @Test func aRefusedConnectIsAConnectFailedEventNotAnEpoch() async throws {
        let attempts = Locked(0)
        let gate: @Sendable (UpgradeRequest) -> UpgradeDecision = { _ in
            attempts.withLock {
                $0 += 1
                return $0
            } == 1 ? .reject(.tooManyRequests) : .accept
        }
        let handler = ClosureHandler { _, inbound, writer in
            for try await message in inbound where message.opcode == .text { try await writer.send(text: "hi") }
        }
        let log = RecordingLog()
        try await withServer(gate: gate, handler: handler) { port in
            try await withRecorder(try loopbackRecorder(port: port), sink: log) {
                try await eventually { await log.hasInboundText("hi") }
            }
        }
        let entries = await log.entries
        guard case .event(.connectFailed(1, let reason, 429)) = entries.first else {
            Issue.record("expected a connect failure first, got \(entries.first.map { "\($0)" } ?? "nothing")")
            return
        }
        #expect(reason.contains("429"))
        guard case .epoch(1, let info) = entries.dropFirst().first else {
            Issue.record("epoch 1 must follow the failed attempt")
            return
        }
        #expect(info.attempt == 2)
    }
}
