import Foundation
import Testing
import TicktapeTestSupport
import Upbit

@testable import TapeLog

/// `windowFrameEstimate` sizes R3's and C1's tables: frames per window of event time, from the
/// first and last facts of each epoch.
@Suite struct WindowEstimateTests {
    /// Two epochs, each opening with ten snapshots stamped a minute back, then `perEpoch` trades
    /// 10 ms of event time apart and a ping (no facts); the second epoch's clock a minute past
    /// the first's.
    func writeTape(at path: String, perEpoch: Int) throws {
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0),
            profile: UpbitProfile()
        )
        var mono: Int64 = 0
        for epoch: UInt32 in 1...2 {
            mono += 1_000
            try writer.record(LifecycleRecord(kind: .connect, epoch: epoch, afterSeq: 0, wallNs: mono, monoNs: mono))
            let base: Int64 = 1_730_336_862_000 + Int64(epoch - 1) * 60_000
            let snapshots = perEpoch > 0 ? 10 : 0
            for i in 0..<(snapshots + perEpoch) {
                mono += 1_000
                let (time, type) =
                    i < snapshots ? (base - 60_000 + Int64(i), "SNAPSHOT") : (base + Int64(i) * 10, "REALTIME")
                let json =
                    #"{"type":"trade","code":"KRW-BTC","timestamp":\#(time),"#
                    + #""sequential_id":\#(Int(epoch) * 100_000 + i),"stream_type":"\#(type)"}"#
                try writer.append(
                    FrameRecord(
                        epoch: epoch,
                        seq: UInt64(i + 1),
                        direction: .inbound,
                        opcode: FrameOpcode.binary,
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
                    seq: UInt64(snapshots + perEpoch + 1),
                    direction: .inbound,
                    opcode: FrameOpcode.ping,
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
        #expect(try TapeReader(path: dir + "/t.tape").windowFrameEstimate(windowMs: 600_000) == 2_020)
    }

    @Test func aShorterWindowHoldsItsShareAtTheTapesDensity() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeTape(at: dir + "/t.tape", perEpoch: 1_000)
        // 1,010 frames per epoch at 100 per second of event time (the snapshots stamped a minute
        // back and the gap between the epochs do not count): one second holds 100 of them.
        #expect(try TapeReader(path: dir + "/t.tape").windowFrameEstimate(windowMs: 1_000) == 100)
    }

    @Test func aTapeWithoutDataFramesHoldsNone() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeTape(at: dir + "/t.tape", perEpoch: 0)
        #expect(try TapeReader(path: dir + "/t.tape").windowFrameEstimate(windowMs: 60_000) == 0)
    }
}
