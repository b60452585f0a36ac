import Testing
import TicktapeTestSupport

@testable import TapeLog

@Suite struct ArrivalOrderTests {
    @Test func aStaleEpochTailIsReadWhenItArrivedNotWhereItsEpochEnds() throws {
        let path = temporaryDirectory() + "/stale.tape"
        try writeStaleTailTape(at: path) { writer in
            // A hole in the old epoch is refused even in its tail.
            #expect(throws: TapeError.self) { try writer.append(staleTailFrame(1, 5, at: 70)) }
        }

        let reader = try TapeReader(path: path)
        let cursor = try reader.arrivals()
        var order: [String] = []
        while let entry = try cursor.next() {
            switch entry {
            case .frame(let f): order.append("\(f.record.epoch).\(f.record.seq)")
            case .event(let e): order.append("\(e.kind.rawValue)\(e.epoch)")
            }
        }
        #expect(order == staleTailArrivalOrder)
        let report = try TapeVerifier.verify(reader)
        #expect(report.problems.isEmpty)
    }
}
