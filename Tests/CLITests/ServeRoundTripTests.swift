import Foundation
import Testing
import TicktapeTestSupport
import Upbit

/// Record what `ticktape serve` sends, and get the served tape back: the built `ticktape record`
/// is the client of the built `ticktape serve` (two processes, so the timing of the replay and
/// of the reconnects does not depend on how busy this test process is).
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

    /// `ticktape record URL --out (new tape) --subscribe (ours) FLAGS`, and the tape's path.
    private func recorder(_ url: String, _ flags: [String]) throws -> (TicktapeChild, String) {
        let path = temporaryDirectory() + "/recorded.tape"
        let child = try TicktapeChild(["record", url, "--out", path, "--subscribe", Self.subscription] + flags)
        return (child, path)
    }

    @Test func atMaxSpeedOneConnectionRecordsEverySourceFrameOfItsCodesByteForByteInOrder() async throws {
        let source = try await sourceTape()
        let (expected, sourceEpochs) = try marketMessages(of: source, codes: Self.codes)
        #expect(sourceEpochs == 4, "chaos made 4 epochs")
        let server = try await ServedTape.start(tape: source, ["--speed", "max"])
        defer { server.kill() }
        // Every served frame plus the subscription the recorder sends: then it stops by itself.
        let (recording, path) = try recorder(
            server.url,
            ["--max-frames", "\(expected.count + 1)", "--duration", "60s"]
        )
        defer { recording.kill() }
        let (status, stdout) = await recording.exited(seconds: 90)
        #expect(status == 0 && stdout.contains("1 epochs") && stdout.contains("(stopped: max-frames)"), "\(stdout)")

        let (recorded, epochs) = try marketMessages(of: path)
        #expect(epochs == 1, "serve without --replay-disconnects never closes the client")
        // No handler SNAPSHOT (the replay starts on this subscription, with no state yet): what
        // the recorder got is exactly the source's frames of its codes, the source's own
        // SNAPSHOTs at each recorded reconnect included, in arrival order.
        #expect(recorded.count == expected.count)
        #expect(recorded.map(\.payload) == expected.map(\.payload))
        let realtime = { (messages: [TapeMessage]) in messages.filter { $0.streamType == .realtime }.map(\.payload) }
        #expect(realtime(recorded) == realtime(expected))
        #expect(await server.stopped(signal: SIGINT).status == 0)
    }

    /// With `--replay-disconnects` at 1.5× (each recorded epoch lasts 3.3 s, each recorded 500 ms
    /// gap 333 ms), the recorder is cut at each recorded boundary, reconnects after its backoff
    /// (at most 2 s by the third reconnect) and continues from the current position with fresh
    /// SNAPSHOTs. Deterministic whatever the reconnect takes: epoch 1 is whole; each later
    /// epoch is a non-empty REALTIME tail of the same source epoch, up to its end.
    @Test func withReplayDisconnectsTheRecordingHasOneEpochPerSourceEpochWithItsRealtimeTail() async throws {
        let source = try await sourceTape()
        let (expected, sourceEpochs) = try marketMessages(of: source, codes: Self.codes)
        try #require(sourceEpochs == 4)
        let sourceRealtime = Self.realtimeByEpoch(expected)
        let last = try #require(expected.last { $0.streamType == .realtime }?.payload)
        let server = try await ServedTape.start(tape: source, ["--speed", "1.5", "--replay-disconnects"])
        defer { server.kill() }
        let (recording, path) = try recorder(server.url, ["--duration", "90s"])
        defer { recording.kill() }
        // Done once the last source REALTIME frame is on the tape (the recorder commits every 50 ms).
        let reached = try await offPool {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let recorded = (try? marketMessages(of: path).messages) ?? []
                if recorded.last(where: { $0.streamType == .realtime })?.payload == last { return true }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return false
        }
        #expect(reached, "the last source frame was recorded within 60 s")
        let (status, stdout) = await recording.stopped(signal: SIGINT)
        #expect(status == 0 && stdout.contains("\(sourceEpochs) epochs"), "\(stdout)")
        #expect(await server.stopped(signal: SIGINT).status == 0)

        let (recorded, epochs) = try marketMessages(of: path)
        #expect(epochs == sourceEpochs, "one recorded epoch per source epoch")
        let recordedRealtime = Self.realtimeByEpoch(recorded)
        for epoch in UInt32(1)...UInt32(sourceEpochs) {
            let got = recordedRealtime[epoch] ?? []
            let want = sourceRealtime[epoch] ?? []
            if epoch == 1 {
                #expect(got == want, "epoch 1 is whole: \(got.count) of \(want.count) frames")
            } else {
                #expect(!got.isEmpty && got.count <= want.count, "epoch \(epoch): \(got.count) of \(want.count)")
                #expect(Array(want.suffix(got.count)) == got, "epoch \(epoch) is a tail of source epoch \(epoch)")
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
