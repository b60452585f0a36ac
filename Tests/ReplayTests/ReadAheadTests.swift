import Replay
import TapeLog
import Testing
import TicktapeTestSupport

@Suite("Read-ahead")
struct ReadAheadTests {
    /// What the engine needs of an input, comparable.
    func summary(_ input: ReplayInput) -> String {
        switch input {
        case .frame(let f):
            "F \(f.epoch) \(f.seq) \(f.direction) \(f.opcode.rawValue) \(f.monoNs) \(f.facts) \(f.payload?.count ?? -1)"
        case .lifecycle(let e): "L \(e.kind) \(e.epoch) \(e.monoNs) \(e.lostFrames)"
        }
    }

    @Test("hands over exactly the arrival-order inputs, across many batches")
    func sameSequenceAsTheCursor() throws {
        let path = temporaryDirectory() + "/read-ahead.tape"
        _ = try writeSampleTape(at: path, epochs: 4, framesPerEpoch: 1_500, seed: 9)
        let cursor = try TapeReader(path: path).arrivals(payloads: false)
        var direct: [String] = []
        while let entry = try cursor.next() { direct.append(summary(TapeReplay.input(for: entry))) }
        var handed: [String] = []
        let count = try ReadAhead.forEachInput(path: path) { handed.append(summary($0)) }
        #expect(direct.count > ReadAhead.batchSize * ReadAhead.depth)
        #expect(count == direct.count)
        #expect(handed == direct)
    }

    @Test("a file that is not a tape fails as opening it would, before any input")
    func unreadableFile() {
        let path = temporaryDirectory() + "/missing.tape"
        var direct: TapeError?
        do { _ = try TapeReader(path: path) } catch { direct = error }
        var ahead: TapeError?
        var seen = 0
        do { _ = try ReadAhead.forEachInput(path: path) { _ in seen += 1 } } catch { ahead = error }
        #expect(direct != nil)
        #expect(ahead == direct)
        #expect(seen == 0)
    }
}
