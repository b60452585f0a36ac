import Foundation
import NIOCore
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit
import Wire

/// Record what `ticktape serve` sends, and get the served tape back: the recorder (Wire's
/// ``RecordingRun``, in-process) is the client of the built `ticktape serve` binary.
///
/// The source is a multi-epoch recording: `ticktape _synth` (3 markets, 19 s at 100 messages/s)
/// cut every 5 s by `ticktape chaos` (4 epochs; each new epoch opens 500 ms later with one
/// SNAPSHOT per stream key). The recorder subscribes to 2 of the 3 markets.
@Suite struct ServeRoundTripTests {
    static let codes: Set<String> = ["KRW-BTC", "KRW-ETH"]
    static let streams = ["ticker", "trade", "orderbook"].flatMap { type in codes.sorted().map { (type, $0) } }
    static let subscription =
        #"[{"ticket":"round-trip"},{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},"#
        + #"{"type":"trade","codes":["KRW-BTC","KRW-ETH"]},{"type":"orderbook","codes":["KRW-BTC","KRW-ETH"]}]"#

    private func sourceTape() async throws -> String {
        let dir = temporaryDirectory()
        try await ticktapeOK([
            "_synth", "--out", dir + "/clean.tape", "--seconds", "19", "--rate", "100", "--symbols", "3",
        ])
        try await ticktapeOK([
            "chaos", dir + "/clean.tape", "--out", dir + "/cut.tape", "--seed", "1", "--cut", "every:5s",
        ])
        return dir + "/cut.tape"
    }

    /// Records `url` into a new tape until `done` holds (polled, at most 30 s), then stops
    /// cleanly; returns the tape's path and whether `done` was reached.
    private func record(
        _ url: String,
        until done: @escaping (RecordingRun) async -> Bool
    ) async throws -> (path: String, reached: Bool, summary: RecordingRun.Summary) {
        let path = temporaryDirectory() + "/recorded.tape"
        var configuration = RecordingRun.Configuration(
            path: path,
            url: try WebSocketURL(url),
            subscription: Array(Self.subscription.utf8),
            toolVersion: "test"
        )
        // Reconnect at once after a replayed cut: the replay clock does not wait.
        configuration.recorder.policy.backoffBaseNanos = 1_000_000
        configuration.recorder.policy.backoffCapNanos = 5_000_000
        let session = try RecordingRun(configuration)
        let run = Task { try await session.run() }
        let reached = await waitUntil(seconds: 90) { await done(session) }
        session.stop()
        return (path, reached, try await run.value)
    }

    @Test func atMaxSpeedOneConnectionRecordsEverySourceFrameOfItsCodesByteForByteInOrder() async throws {
        let source = try await sourceTape()
        let (expected, sourceEpochs) = try marketMessages(of: source, codes: Self.codes)
        #expect(sourceEpochs == 4, "chaos made 4 epochs")
        let server = try await ServedTape(tape: source, ["--speed", "max"])
        defer { server.kill() }
        // Every served frame plus the one subscription the recorder sent.
        let (path, reached, summary) = try await record(server.url) { session in
            await session.status().frames >= Int64(expected.count + 1)
        }
        #expect(reached, "the recording got \(expected.count) frames within 30 s")
        #expect(summary.epochs == 1, "serve without --replay-disconnects never closes the client")

        let (recorded, epochs) = try marketMessages(of: path)
        #expect(epochs == 1)
        // No handler SNAPSHOT (the replay starts on this subscription, with no state yet): what
        // the recorder got is exactly the source's frames of its codes, the source's own
        // SNAPSHOTs at each recorded reconnect included, in arrival order.
        #expect(recorded.count == expected.count)
        #expect(recorded.map(\.payload) == expected.map(\.payload))
        let realtime = { (messages: [TapeMessage]) in messages.filter { $0.streamType == .realtime }.map(\.payload) }
        #expect(realtime(recorded) == realtime(expected))
        #expect(await server.stop(signal: SIGINT).status == 0)
    }

    /// With `--replay-disconnects` at `max` speed the recorder is cut at each recorded boundary,
    /// and the replay waits for its next subscription: each reconnect opens with one handler
    /// SNAPSHOT per subscribed stream (the state at the cut), then gets the whole source epoch.
    /// Exact whatever the reconnect takes, so no real-clock margin is involved.
    @Test func withReplayDisconnectsTheRecordingHasOneEpochPerSourceEpochWithAllItsRealtime() async throws {
        let source = try await sourceTape()
        let (expected, sourceEpochs) = try marketMessages(of: source, codes: Self.codes)
        try #require(sourceEpochs == 4)
        let sourceRealtime = Self.realtimeByEpoch(expected)
        let last = try #require(expected.last { $0.streamType == .realtime }?.payload)
        let server = try await ServedTape(tape: source, ["--speed", "max", "--replay-disconnects"])
        defer { server.kill() }
        let (path, reached, summary) = try await record(server.url) { session in
            // Done once the last epoch's last REALTIME frame is on the tape (committed every 50 ms).
            guard await session.status().epoch == sourceEpochs else { return false }
            let recorded = (try? marketMessages(of: session.path).messages) ?? []
            return recorded.last { $0.streamType == .realtime }?.payload == last
        }
        #expect(reached, "the last source frame was recorded within 90 s")
        #expect(summary.epochs == sourceEpochs)
        #expect(await server.stop(signal: SIGINT).status == 0)

        let (recorded, epochs) = try marketMessages(of: path)
        #expect(epochs == sourceEpochs, "one recorded epoch per source epoch")
        let recordedRealtime = Self.realtimeByEpoch(recorded)
        for epoch in UInt32(1)...UInt32(sourceEpochs) {
            let got = recordedRealtime[epoch] ?? []
            let want = sourceRealtime[epoch] ?? []
            #expect(!want.isEmpty)
            #expect(got == want, "epoch \(epoch) is whole: \(got.count) of \(want.count) frames")
            if epoch > 1 {
                // A reconnect gets one SNAPSHOT per subscribed stream first, in request order.
                let opening = recorded.filter { $0.epoch == epoch }.prefix(Self.streams.count)
                #expect(opening.allSatisfy { $0.streamType == .snapshot }, "epoch \(epoch) opens with SNAPSHOTs")
                #expect(opening.map(\.type) == Self.streams.map(\.0), "epoch \(epoch)")
                #expect(opening.map { $0.code ?? "?" } == Self.streams.map(\.1), "epoch \(epoch)")
            }
        }
    }

    private static func realtimeByEpoch(_ messages: [TapeMessage]) -> [UInt32: [[UInt8]]] {
        var result: [UInt32: [[UInt8]]] = [:]
        for message in messages where message.streamType == .realtime {
            result[message.epoch, default: []].append(message.payload)
        }
        return result
    }
}
