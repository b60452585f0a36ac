import Bench
import Foundation
import Simulator
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit
import Wire

/// The baselines of the Bench target run through TapeLog's and Wire's public API: what they
/// count is checked here; how fast is never asserted.
@Suite(.timeLimit(.minutes(3))) struct BenchBaselineTests {
    @Test func theDrainBenchmarkDeliversEveryFrameToEveryListener() async throws {
        let path = temporaryDirectory() + "/drain.tape"
        var feed = SyntheticFeed(seed: 3, markets: SyntheticFeed.markets(count: 5))
        try writeTape(at: path, payloads: (1...500).map { _ in feed.next().bytes })
        let result = try await TapeMarket.drainBenchmark(path: path, listeners: 3, listenerCapacity: 16)
        #expect(result.frames == 500 && result.listeners == 3 && result.minimumReceived == 500)
    }

    @Test func theRawScanCountsEveryFrameRow() throws {
        let path = temporaryDirectory() + "/scan.tape"
        let written = try writeSampleTape(at: path, epochs: 3, framesPerEpoch: 200)
        let frames = written.filter { if case .frame = $0 { true } else { false } }.count
        #expect(try TapeReader(path: path).scanRows() == frames)
    }

    @Test func theWriteBenchWritesBothFilesAndKeepsThemWhenAsked() throws {
        let dir = temporaryDirectory()
        var feed = SyntheticFeed(seed: 1, markets: SyntheticFeed.markets(count: 4))
        let payloads = (0..<2_000).map { _ in feed.next().bytes }
        let result = try WriteBench.run(
            payloads: payloads,
            directory: dir,
            profile: UpbitProfile(),
            repetitions: 2,
            keep: true
        )
        #expect(result.frames == 2_000 && result.repetitions == 2)
        #expect(result.fullRuns.count == 2 && result.baselineRuns.count == 2)
        #expect(result.rawPayloadBytes == Int64(payloads.reduce(0) { $0 + $1.count }))
        let tape = try #require(result.tapePath)
        let baseline = try #require(result.baselinePath)
        #expect(try TapeVerifier.verify(TapeReader(path: tape)).frames == 2_000)
        #expect(FileManager.default.fileExists(atPath: baseline))
    }

    /// One connection, then `payloads` as inbound binary frames 1 ms apart.
    private func writeTape(at path: String, payloads: [[UInt8]]) throws {
        let started: Int64 = 1_700_000_000_000_000_000
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: "test", url: "ws://127.0.0.1:1/websocket/v1", startedNs: started),
            profile: UpbitProfile()
        )
        var stamper = Stamper()
        try writer.record(stamper.connect(wallNs: started, monoNs: 0))
        for (k, payload) in payloads.enumerated() {
            let mono = Int64(k + 1) * 1_000_000
            try writer.append(
                stamper.frame(
                    .inbound,
                    opcode: FrameOpcode.binary,
                    wallNs: started + mono,
                    monoNs: mono,
                    payload: payload
                )
            )
        }
        try writer.close()
    }
}
