import Testing
import TicktapeTestSupport

@testable import TapeLog

@Suite struct ArrivalOrderTests {
    @Test func aStaleEpochTailIsReadWhenItArrivedNotWhereItsEpochEnds() throws {
        let path = temporaryDirectory() + "/stale.tape"
        let writer = try TapeWriter(path: path, session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0))
        func frame(_ epoch: UInt32, _ seq: UInt64, at mono: Int64) -> FrameRecord {
            FrameRecord(
                epoch: epoch,
                seq: seq,
                direction: .inbound,
                opcode: 2,
                recvNs: mono,
                monoNs: mono,
                payload: [UInt8(seq)]
            )
        }
        try writer.record(LifecycleRecord(kind: .connect, epoch: 1, afterSeq: 0, wallNs: 0, monoNs: 0))
        try writer.append(frame(1, 1, at: 10))
        try writer.append(frame(1, 2, at: 20))
        try writer.record(LifecycleRecord(kind: .connect, epoch: 2, afterSeq: 0, wallNs: 30, monoNs: 30))
        try writer.append(frame(2, 1, at: 40))
        try writer.append(frame(1, 3, at: 50))  // the old connection's late frame
        try writer.append(frame(2, 2, at: 60))
        #expect(throws: TapeError.self) { try writer.append(frame(1, 5, at: 70)) }
        try writer.close()

        let reader = try TapeReader(path: path)
        let cursor = try reader.arrivals()
        var order: [String] = []
        while let entry = try cursor.next() {
            switch entry {
            case .frame(let f): order.append("\(f.record.epoch).\(f.record.seq)")
            case .event(let e): order.append("\(e.kind.rawValue)\(e.epoch)")
            }
        }
        #expect(order == ["connect1", "1.1", "1.2", "connect2", "2.1", "1.3", "2.2"])
        let report = try TapeVerifier.verify(reader)
        #expect(report.problems.isEmpty)
    }
}
