import Foundation
import Testing
import TicktapeTestSupport

@testable import TapeLog

/// `windowFrameEstimate` sizes R3's and C1's tables: frames per window of event time, from the
/// first and last facts of each epoch.
@Suite struct WindowEstimateTests {
    /// Two epochs of `perEpoch` trades 10 ms of event time apart, each ending in a ping (no
    /// facts), the second epoch's clock a minute past the first's.
    func writeTape(at path: String, perEpoch: Int) throws {
        let writer = try TapeWriter(path: path, session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0))
        var mono: Int64 = 0
        for epoch: UInt32 in 1...2 {
            mono += 1_000
            try writer.record(LifecycleRecord(kind: .connect, epoch: epoch, afterSeq: 0, wallNs: mono, monoNs: mono))
            let base: Int64 = 1_730_336_862_000 + Int64(epoch - 1) * 60_000
            for i in 0..<perEpoch {
                mono += 1_000
                let json =
                    #"{"type":"trade","code":"KRW-BTC","timestamp":\#(base + Int64(i) * 10),"#
                    + #""sequential_id":\#(Int(epoch) * 100_000 + i),"stream_type":"REALTIME"}"#
                try writer.append(
                    FrameRecord(
                        epoch: epoch,
                        seq: UInt64(i + 1),
                        direction: .inbound,
                        opcode: Opcode.binary,
                        recvNs: mono,
                        monoNs: mono,
                        payload: Array(json.utf8)
                    )
                )
            }
            mono += 1_000
            try writer.append(
                FrameRecord(
                    epoch: epoch,
                    seq: UInt64(perEpoch + 1),
                    direction: .inbound,
                    opcode: Opcode.ping,
                    recvNs: mono,
                    monoNs: mono,
                    payload: []
                )
            )
        }
        try writer.close()
    }

    @Test func aWindowLongerThanTheTapeHoldsEveryFrame() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeTape(at: dir + "/t.tape", perEpoch: 1_000)
        #expect(try TapeReader(path: dir + "/t.tape").windowFrameEstimate(windowMs: 60_000) == 2_000)
    }

    @Test func aShorterWindowHoldsItsShareAtTheTapesDensity() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeTape(at: dir + "/t.tape", perEpoch: 1_000)
        // 2,000 frames over 2 × 9,990 ms of event time (the gap between the epochs is not counted):
        // one second holds 100.1 of them.
        #expect(try TapeReader(path: dir + "/t.tape").windowFrameEstimate(windowMs: 1_000) == 101)
    }

    @Test func aTapeWithoutDataFramesHoldsNone() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeTape(at: dir + "/t.tape", perEpoch: 0)
        #expect(try TapeReader(path: dir + "/t.tape").windowFrameEstimate(windowMs: 60_000) == 0)
    }
}
