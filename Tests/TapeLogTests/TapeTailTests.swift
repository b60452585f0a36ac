import Foundation
import Testing
import TicktapeTestSupport

@testable import TapeLog

/// Shipping a tape block by block: every frame exactly once, a block read again the same, and the
/// wire form round-trips; on a tape with a stale-epoch tail too (an old epoch's frames in later
/// blocks than the next epoch's first).
@Suite struct TapeTailTests {
    static let staleTail = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures/stale-epoch-tail.tape").standardized.path

    static func shippedFrames(_ path: String) throws -> (frames: [FrameRecord], blocks: Int) {
        let tail = try TapeTail(path: path)
        var frames: [FrameRecord] = []
        let ids = try tail.blockIDs(after: 0, limit: 1_000_000)
        for id in ids {
            let block = try tail.block(id)
            #expect(ShippedBlock.decode(block.encoded()) == block, "block \(id) round-trips")
            frames += try block.records(source: "block \(id)")
        }
        // Read again (as a resend does): the same.
        for id in ids.prefix(3) { #expect(try tail.block(id) == TapeTail(path: path).block(id)) }
        return (frames.sorted { ($0.epoch, $0.seq) < ($1.epoch, $1.seq) }, ids.count)
    }

    static func tapeFrames(_ path: String) throws -> [FrameRecord] {
        try TapeReader(path: path).allEntries().compactMap { entry -> FrameRecord? in
            if case .frame(let f) = entry { return f.record } else { return nil }
        }
    }

    @Test(arguments: [false, true])
    func everyFrameShippedOnceWithItsPayload(staleTail: Bool) throws {
        let path: String
        if staleTail {
            path = Self.staleTail
        } else {
            path = temporaryDirectory() + "/t.tape"
            var options = WriterOptions()
            options.blockBytes = 4096
            try writeSampleTape(at: path, epochs: 3, framesPerEpoch: 300, options: options)
        }
        let (shipped, blocks) = try Self.shippedFrames(path)
        #expect(blocks > 3)
        #expect(shipped == (try Self.tapeFrames(path)))
    }

    @Test func eventsAfterAnIdInOrder() throws {
        let path = temporaryDirectory() + "/t.tape"
        try writeSampleTape(at: path, epochs: 3, framesPerEpoch: 20)
        let tail = try TapeTail(path: path)
        let all = try tail.events(after: 0, limit: 100)
        #expect(all.map(\.event) == (try TapeReader(path: path).events()))
        #expect(try tail.events(after: all[1].id, limit: 2).map(\.id) == [all[2].id, all[3].id])
        #expect(ShippedBlock.decode(Array("TTB1 not a block".utf8)) == nil)
    }
}
