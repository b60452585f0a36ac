import Exchange
import Foundation
import Simulator
import Testing
import TicktapeTestSupport
import Upbit

@testable import TapeLog

/// The writer's pipeline (compressor threads, then the SQLite thread) and the compact schema.
@Suite struct WriterPipelineTests {
    /// Generated Upbit frames in two epochs, with a stale-epoch frame and an outbound one among
    /// them; returns what was appended.
    @discardableResult
    private func write(
        _ path: String,
        frames: Int,
        options: WriterOptions,
        startedNs: Int64 = 1_700_000_000_000_000_000,
        close: Bool = true
    ) throws -> (writer: TapeWriter, records: [FrameRecord]) {
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: startedNs),
            profile: UpbitProfile(),
            options: options
        )
        var feed = SyntheticFeed(seed: 7, markets: SyntheticFeed.markets(count: 12))
        var random = TestRandom(state: 3)
        var records: [FrameRecord] = []
        var stamper = Stamper()
        var oldSeq: UInt64 = 0
        for i in 0..<frames {
            let mono = Int64(i) * 1_000 + 5
            if i == 0 || i == frames / 2 {
                oldSeq = stamper.seq
                try writer.record(stamper.connect(wallNs: startedNs + mono, monoNs: mono))
            }
            // Wall clock drifting both ways around the monotonic one.
            let wall = startedNs + mono + Int64(random.below(2_000_001)) - 1_000_000
            var frame = stamper.frame(
                i % 97 == 0 ? .outbound : .inbound,
                opcode: i % 89 == 0 ? FrameOpcode.text : FrameOpcode.binary,
                fragments: i % 50 == 0 ? 3 : 1,
                wallNs: wall,
                monoNs: mono,
                payload: feed.next().bytes
            )
            if i == frames / 2 + 3 {
                // The old connection's late frame, between the new epoch's frames.
                oldSeq += 1
                let stale = FrameRecord(
                    epoch: frame.epoch - 1,
                    seq: oldSeq,
                    direction: .inbound,
                    opcode: FrameOpcode.binary,
                    recvNs: wall,
                    monoNs: mono,
                    payload: Array(#"{"type":"trade","code":"KRW-OLD","timestamp":1}"#.utf8)
                )
                try writer.append(stale)
                records.append(stale)
                frame.monoNs += 1
            }
            try writer.append(frame)
            records.append(frame)
        }
        if close { try writer.close() }
        return (writer, records)
    }

    private func readFrames(_ path: String) throws -> [TapeFrame] {
        try TapeReader(path: path).allEntries().compactMap {
            if case .frame(let frame) = $0 { frame } else { nil }
        }
    }

    @Test func manySmallBlocksThroughSeveralCompressorsComeBackExactlyAndInOrder() throws {
        let path = temporaryDirectory() + "/t.tape"
        var options = WriterOptions()
        options.blockBytes = 3000
        options.compressors = 3
        options.commitFrames = 37
        let (_, written) = try write(path, frames: 3000, options: options)
        let read = try readFrames(path)
        let key = { (r: FrameRecord) in "\(r.epoch).\(r.seq)" }
        #expect(read.map { key($0.record) } == written.sorted { ($0.epoch, $0.seq) < ($1.epoch, $1.seq) }.map(key))
        let byKey = Dictionary(uniqueKeysWithValues: written.map { (key($0), $0) })
        for frame in read {
            let original = try #require(byKey[key(frame.record)])
            #expect(frame.record == original)
            let expected =
                original.direction == .inbound && original.opcode.isData
                ? UpbitScanner.facts(of: original.payload) : FrameFacts()
            #expect(frame.facts == (expected.type == nil ? FrameFacts() : expected), "\(key(original))")
        }
        let report = try TapeVerifier.verify(TapeReader(path: path))
        #expect(report.problems.isEmpty)
        #expect(report.frames == Int64(written.count))
    }

    @Test func flushMakesEverythingEnqueuedDurableWhileTheWriterStaysOpen() throws {
        let path = temporaryDirectory() + "/t.tape"
        var options = WriterOptions()
        options.commitMs = 60_000  // only flush() commits here
        let (writer, written) = try write(path, frames: 700, options: options, close: false)
        try writer.flush()
        #expect(writer.stats.framesCommitted == Int64(written.count))
        let seen = try sqlite3(path, "SELECT count(*) FROM frame")
        #expect(seen.1 == "\(written.count)\n")
        try writer.flush()  // nothing new: returns at once
        try writer.close()
        #expect(try readFrames(path).count == written.count)
    }

    /// Four frames of one byte never fill a block: the writer must seal them when the pipeline
    /// is full, or (no commit deadline to rescue it here) the producer would wait forever.
    @Test(.timeLimit(.minutes(1))) func aTinyPipelineMakesTheProducerWaitAndDropsNothing() async throws {
        let path = temporaryDirectory() + "/t.tape"
        var options = WriterOptions()
        options.queueCapacity = 4
        options.blockBytes = 512
        options.commitMs = 3_600_000
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0),
            profile: UpbitProfile(),
            options: options
        )
        var stamper = Stamper()
        try writer.record(stamper.connect(wallNs: 0, monoNs: 0))
        for i in 0..<3000 {
            await writer.waitUntilWritable()
            try writer.append(
                stamper.frame(
                    .inbound,
                    opcode: FrameOpcode.binary,
                    wallNs: Int64(i),
                    monoNs: Int64(i),
                    payload: [UInt8(i & 255)]
                )
            )
        }
        let stats = try writer.close()
        #expect(stats.framesCommitted == 3000)
        let read = try readFrames(path)
        #expect(read.map(\.record.seq) == Array(1...3000))
        #expect(read.allSatisfy { $0.record.payload == [UInt8(truncatingIfNeeded: $0.record.seq - 1)] })
    }

    @Test func theFramesViewRestoresWallTimesAndNamesStreams() throws {
        let path = temporaryDirectory() + "/t.tape"
        let (_, written) = try write(path, frames: 40, options: WriterOptions())
        let frame = try #require(written.first { $0.direction == .inbound && $0.seq > 1 })
        let facts = UpbitScanner.facts(of: frame.payload)
        let row = try sqlite3(
            path,
            """
            SELECT recv_ns, mono_ns, dir, opcode, length, type, code, event_ms, stream_type, idem_key
            FROM frames WHERE epoch = \(frame.epoch) AND seq = \(frame.seq)
            """
        )
        let expected = [
            "\(frame.recvNs)", "\(frame.monoNs)", "in", "binary", "\(frame.payload.count)",
            facts.type ?? "", facts.code ?? "", facts.eventTimeMs.map(String.init) ?? "", facts.streamType?.name ?? "",
            String(facts.idempotencyKey ?? 0, radix: 16).leftPadded(to: 16),
        ]
        #expect(row.1 == expected.joined(separator: "|") + "\n")
        let out = try sqlite3(path, "SELECT dir FROM frames WHERE epoch = 1 AND seq = 1")
        #expect(out.1 == "out\n")
    }

    @Test func reindexRebuildsStreamsAndFactsAfterTheyWereDropped() throws {
        let path = temporaryDirectory() + "/t.tape"
        try write(path, frames: 500, options: WriterOptions())
        let before = try readFrames(path)
        #expect(before.contains { $0.facts.type != nil })
        let wiped = try sqlite3(path, "DELETE FROM frame_facts; DELETE FROM stream;")
        #expect(wiped.0 == 0, "derived tables are not append-only")
        #expect(try readFrames(path).allSatisfy { $0.facts == FrameFacts() })
        let count = try TapeReindexer.reindex(TapeReader(path: path), profile: UpbitProfile())
        #expect(count == Int64(before.filter { $0.facts.type != nil }.count))
        #expect(try readFrames(path) == before)
        let streams = try sqlite3(path, "SELECT count(*), count(DISTINCT type || '/' || ifnull(code, '')) FROM stream")
        let parts = streams.1.dropLast().split(separator: "|")
        #expect(parts.count == 2 && parts[0] == parts[1], "each (type, code) once: \(streams.1)")
    }

    @Test func wallTimesSurviveAnyDistanceFromTheMonotonicClock() throws {
        let path = temporaryDirectory() + "/t.tape"
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 5),
            profile: UpbitProfile()
        )
        var stamper = Stamper()
        try writer.record(stamper.connect(wallNs: 0, monoNs: 0))
        let walls: [Int64] = [.min, .max, 0, -1, 1_700_000_000_000_000_000]
        for (i, wall) in walls.enumerated() {
            try writer.append(
                stamper.frame(
                    .inbound,
                    opcode: FrameOpcode.ping,
                    wallNs: wall,
                    monoNs: Int64(i) * 1_000_000_007,
                    payload: []
                )
            )
        }
        try writer.close()
        #expect(try readFrames(path).map(\.record.recvNs) == walls)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
