import Exchange
import Foundation
import Testing
import TicktapeTestSupport
import Upbit

@testable import TapeLog

/// Merging scripted recordings whose connections and gaps are known to the nanosecond: every key
/// once, provenance per frame, each gap named with its frames and coverage, conflicts reported.
@Suite struct TapeMergeTests {
    static let base: Int64 = 1_750_000_000_000_000_000
    static let ms: Int64 = 1_000_000

    /// Receive time of trade `sid` (one every 100 ms).
    static func recv(_ sid: Int) -> Int64 { base + Int64(sid) * 100 * ms }

    static func trade(_ sid: Int, price: Int = 100, stream: String = "REALTIME") -> [UInt8] {
        let t = 1_750_000_000_000 + Int64(sid) * 100
        return Array(
            #"{"type":"trade","code":"KRW-BTC","timestamp":\#(t),"trade_timestamp":\#(t),"trade_price":\#(price),"trade_volume":1,"ask_bid":"BID","sequential_id":\#(sid),"stream_type":"\#(stream)"}"#
                .utf8
        )
    }

    static func ticker(_ sid: Int, stream: String) -> [UInt8] {
        let t = 1_750_000_000_000 + Int64(sid) * 100 + 50
        return Array(
            #"{"type":"ticker","code":"KRW-BTC","timestamp":\#(t),"trade_price":\#(sid),"stream_type":"\#(stream)"}"#
                .utf8
        )
    }

    enum Step {
        case connect(Int64)
        case frame([UInt8], Int64)
        case disconnect(Int64)
        case end(Int64)
    }

    /// Writes a recording: one epoch per connect, frames inbound binary.
    static func write(_ path: String, _ steps: [Step]) throws {
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: "test", url: "ws://127.0.0.1:1/websocket/v1", startedNs: base),
            profile: UpbitProfile()
        )
        var epoch: UInt32 = 0
        var seq: UInt64 = 0
        for step in steps {
            switch step {
            case .connect(let wall):
                epoch += 1
                seq = 0
                try writer.record(
                    LifecycleRecord(kind: .connect, epoch: epoch, afterSeq: 0, wallNs: wall, monoNs: wall - base)
                )
            case .frame(let payload, let wall):
                seq += 1
                try writer.append(
                    FrameRecord(
                        epoch: epoch,
                        seq: seq,
                        direction: .inbound,
                        opcode: .binary,
                        recvNs: wall,
                        monoNs: wall - base,
                        payload: payload
                    )
                )
            case .disconnect(let wall):
                try writer.record(
                    LifecycleRecord(kind: .disconnect, epoch: epoch, afterSeq: seq, wallNs: wall, monoNs: wall - base)
                )
            case .end(let wall):
                try writer.record(
                    LifecycleRecord(kind: .sessionEnd, epoch: epoch, afterSeq: seq, wallNs: wall, monoNs: wall - base)
                )
            }
        }
        try writer.close()
    }

    /// A: trades 1…10, a reconnect, then a SNAPSHOT of the ticker B saw live during the gap, and
    /// trades 16…30. B: connects before trade 5, has trades 5…20 and the ticker, stops.
    static func writeSources(_ dir: String) throws -> (a: String, b: String) {
        let a = dir + "/a.tape"
        let b = dir + "/b.tape"
        var stepsA: [Step] = [.connect(recv(1) - 10 * ms)]
        for sid in 1...10 { stepsA.append(.frame(trade(sid), recv(sid))) }
        stepsA.append(.disconnect(recv(10) + 10 * ms))
        stepsA.append(.connect(recv(16) - 10 * ms))
        stepsA.append(.frame(ticker(13, stream: "SNAPSHOT"), recv(16) - 5 * ms))
        for sid in 16...30 { stepsA.append(.frame(trade(sid), recv(sid))) }
        stepsA.append(.end(recv(30) + 10 * ms))
        var stepsB: [Step] = [.connect(recv(5) - 10 * ms)]
        for sid in 5...20 {
            stepsB.append(.frame(trade(sid), recv(sid)))
            if sid == 13 { stepsB.append(.frame(ticker(13, stream: "REALTIME"), recv(13) + 50 * ms)) }
        }
        stepsB.append(.end(recv(20) + 5 * ms))
        try write(a, stepsA)
        try write(b, stepsB)
        return (a, b)
    }

    @Test func schemaFileIsExactlyWhatTheMergeApplies() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Schemas/merge.sql").standardized
        #expect(try String(contentsOf: url, encoding: .utf8) == MergeSchema.sql + "\n")
    }

    @Test func everyKeyOnceWithProvenanceAndEveryGapNamedExactly() throws {
        let dir = temporaryDirectory()
        let (a, b) = try Self.writeSources(dir)
        let out = dir + "/m.tape"
        let report = try TapeMerger.merge([a, b], out: out, toolVersion: "test", profile: UpbitProfile())

        // 30 trades and one ticker, each once; the ticker's SNAPSHOT copy is its REALTIME twin.
        #expect(report.frames == 31)
        #expect(report.conflicts.isEmpty)
        #expect(report.duplicates == 12)  // trades 5…10 and 16…20 in both, and the ticker
        let reader = try TapeReader(path: out)
        #expect(try TapeVerifier.verify(reader).problems.isEmpty)
        let frames = try reader.allEntries().compactMap { entry -> TapeFrame? in
            if case .frame(let f) = entry { return f } else { return nil }
        }
        let keys = frames.compactMap(\.facts.idempotencyKey)
        #expect(keys.count == 31 && Set(keys).count == 31)
        let sids = frames.compactMap(\.facts.sequentialID)
        #expect(sids == (1...30).map { UInt64($0) }, "trades in event order")

        // Provenance: A first where both have a frame (the source order breaks ties); 11…15 and the
        // live ticker from B, which A lacks.
        let origins = try TapeMerger.provenance(of: reader)
        #expect(origins.count == 31)
        for (frame, origin) in zip(frames, origins) {
            guard let sid = frame.facts.sequentialID else {
                #expect(origin == FrameOrigin(source: 2, epoch: 1, seq: 10), "the ticker as B received it")
                continue
            }
            if (11...15).contains(sid) {
                // B's ticker (after its trade 13) shifts the seq of its later trades by one.
                #expect(origin == FrameOrigin(source: 2, epoch: 1, seq: sid <= 13 ? sid - 4 : sid - 3), "trade \(sid)")
            } else if sid <= 10 {
                #expect(origin == FrameOrigin(source: 1, epoch: 1, seq: sid), "trade \(sid)")
            } else {
                #expect(origin == FrameOrigin(source: 1, epoch: 2, seq: sid - 14), "trade \(sid)")
            }
            #expect(frame.record.recvNs == Self.recv(Int(sid)), "receive time kept")
        }

        let ms = Self.ms
        let expected = [
            MergeGap(
                source: 1,
                kind: .reconnect,
                epoch: 1,
                afterSeq: 10,
                fromNs: Self.recv(10) + 10 * ms,
                toNs: Self.recv(16) - 10 * ms,
                missing: nil,
                frames: 6,
                covered: true
            ),
            MergeGap(
                source: 2,
                kind: .beforeStart,
                epoch: 0,
                afterSeq: 0,
                fromNs: Self.recv(1),
                toNs: Self.recv(5) - 10 * ms,
                missing: nil,
                frames: 4,
                covered: true
            ),
            MergeGap(
                source: 2,
                kind: .afterEnd,
                epoch: 1,
                afterSeq: 17,
                fromNs: Self.recv(20) + 5 * ms,
                toNs: Self.recv(30),
                missing: nil,
                frames: 10,
                covered: true
            ),
        ]
        #expect(report.gaps == expected)
        #expect(try TapeMerger.report(of: reader) == report)
    }

    @Test func aGapNoOtherSourceHadIsReportedUncovered() throws {
        let dir = temporaryDirectory()
        let (a, _) = try Self.writeSources(dir)
        let report = try TapeMerger.merge([a], out: dir + "/m.tape", toolVersion: "test", profile: UpbitProfile())
        #expect(report.frames == 26)
        #expect(report.gaps.count == 1)
        #expect(report.gaps.first?.covered == false && report.gaps.first?.frames == 0)
        #expect(report.uncoveredGaps == 1)
    }

    @Test func theSameKeyWithAnotherPayloadIsAConflictNotASilentPick() throws {
        let dir = temporaryDirectory()
        let (a, b) = try Self.writeSources(dir)
        let c = dir + "/c.tape"
        try Self.write(
            c,
            [.connect(Self.recv(12)), .frame(Self.trade(12, price: 101), Self.recv(12) + Self.ms), .end(Self.recv(13))]
        )
        let report = try TapeMerger.merge(
            [a, b, c],
            out: dir + "/m.tape",
            toolVersion: "test",
            profile: UpbitProfile()
        )
        #expect(report.frames == 31)
        let key = IdempotencyKey.trade(code: "KRW-BTC", sequentialID: 12)
        #expect(
            report.conflicts == [
                MergeConflict(
                    key: TapeMerger.hex(key),
                    kept: FrameOrigin(source: 2, epoch: 1, seq: 8),
                    other: FrameOrigin(source: 3, epoch: 1, seq: 1)
                )
            ]
        )
        #expect(try TapeMerger.report(of: TapeReader(path: dir + "/m.tape"))?.conflicts == report.conflicts)
    }

    @Test func aTapeRecordedDirectlyHasNoMergeReport() throws {
        let dir = temporaryDirectory()
        let (a, _) = try Self.writeSources(dir)
        #expect(try TapeMerger.report(of: TapeReader(path: a)) == nil)
        #expect(try TapeMerger.provenance(of: TapeReader(path: a)).isEmpty)
    }
}
