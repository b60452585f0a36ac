import Foundation
import Testing
import TicktapeTestSupport

@testable import TapeLog

/// Format 2 blocks carry a CRC-32 of their raw bytes; verify proves every payload with it, and
/// every value a reader takes from a tape is range-checked (damage is a one-line TapeError).
@Suite struct PayloadProofTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures").standardized.path

    private func damage(_ path: String) -> String? {
        do {
            _ = try TapeVerifier.verify(TapeReader(path: path))
            return nil
        } catch {
            guard case .corrupt(_, let reason) = error else { return "not corrupt: \(error)" }
            return reason
        }
    }

    @Test func theWriterStoresTheCRC32OfEveryBlocksRawBytesAndVerifyProvesThem() throws {
        let path = temporaryDirectory() + "/t.tape"
        try writeSampleTape(at: path, epochs: 2, framesPerEpoch: 300)
        let reader = try TapeReader(path: path)
        #expect(reader.format == 2)
        let report = try TapeVerifier.verify(reader)
        #expect(report.consistent && report.payloads == "crc32" && report.blocks > 0 && report.notes.isEmpty)
        let checked = try reader.withDatabase { db throws(SQLiteError) -> Int in
            let blocks = try db.prepare("SELECT codec, raw_len, crc32, data FROM block")
            var inflater = Inflater()
            defer { inflater.end() }
            var count = 0
            while try blocks.step() {
                let data = blocks.blob(3)
                let raw = blocks.int64(0) == 1 ? inflater.inflate(data, rawLength: Int(blocks.int64(1))) : Array(data)
                let crc = raw.map { bytes in bytes.withUnsafeBytes { BlockChecksum.crc32($0) } }
                #expect(crc.map { Int64($0) } == blocks.int64(2))
                count += 1
            }
            return count
        }
        #expect(Int64(checked) == report.blocks)
    }

    @Test func aPayloadChangedWithoutChangingItsLengthFailsItsChecksum() throws {
        let path = temporaryDirectory() + "/t.tape"
        try writeSampleTape(at: path, epochs: 1, framesPerEpoch: 200)
        // Block 1 re-deflated with one raw byte changed: it still inflates to exactly raw_len.
        let reader = try TapeReader(path: path)
        let (codec, raw) = try reader.withDatabase { db throws(SQLiteError) -> (Int64, [UInt8]) in
            let s = try db.prepare("SELECT codec, raw_len, data FROM block WHERE id = 1")
            _ = try s.step()
            var inflater = Inflater()
            defer { inflater.end() }
            let bytes = s.int64(0) == 1 ? inflater.inflate(s.blob(2), rawLength: Int(s.int64(1))) : Array(s.blob(2))
            return (s.int64(0), bytes ?? [])
        }
        var changed = raw
        changed[changed.count / 2] ^= 0x20
        var deflater = Deflater()
        defer { deflater.end() }
        let data = codec == 1 ? changed.withUnsafeBytes { deflater.compress($0) } : changed
        try reader.withDatabase { db throws(SQLiteError) in
            try db.execute("DROP TRIGGER block_append_only_update")
            let update = try db.prepare("UPDATE block SET data = ?1 WHERE id = 1")
            data.withUnsafeBytes { update.bind(1, blob: $0) }
            try update.step()
        }
        let reason = try #require(damage(path))
        #expect(reason.hasPrefix("block 1 fails its checksum (CRC-32 0x"), "\(reason)")
        #expect(reason.contains("it holds 200 frames, (1, 1) … (1, 200)"), "\(reason)")
        // The quick verification inflates nothing, so it cannot see it; it says what it skipped.
        let quick = try TapeVerifier.verify(TapeReader(path: path), payloads: false)
        #expect(quick.consistent && quick.payloads == "skipped" && quick.notes == [TapeVerifier.skippedNote])
    }

    @Test func formatOneTapesAreProvenByLengthAndSaySo() throws {
        let report = try TapeVerifier.verify(TapeReader(path: Self.fixtures + "/network-cut.tape"))
        #expect(report.format == 1 && report.consistent && report.payloads == "length")
        #expect(report.notes == [TapeVerifier.formatOneNote])
    }

    @Test(
        "the issue's crafted tapes are damage, named by row",
        arguments: [
            (
                "DROP TRIGGER frame_append_only_update; UPDATE frame SET seq = 0 WHERE epoch = 1 AND seq = 5;",
                "frame (1, 0): seq 0 is out of range"
            ),
            (
                "DROP TRIGGER event_append_only_update; UPDATE event SET after_seq = -1 WHERE kind = 'disconnect';",
                "after_seq -1 is out of range"
            ),
            (
                "DROP TRIGGER block_append_only_update; UPDATE block SET raw_len = -1 WHERE id = 1;",
                "raw_len -1 is out of range"
            ),
            (
                "DROP TRIGGER frame_append_only_delete; DELETE FROM frame WHERE epoch = 1 AND seq = 10; "
                    + "INSERT INTO event (epoch, after_seq, kind, wall_ns, mono_ns, count) VALUES (1, 9, 'loss', 1, 1, 0);",
                "count 0 is out of range"
            ),
            ("DROP TRIGGER frame_append_only_update; UPDATE frame SET dir = 7 WHERE seq = 3;", "dir 7 is out of range"),
            ("DROP TRIGGER block_append_only_update; UPDATE block SET codec = 9 WHERE id = 1;", "codec 9 is unknown"),
        ]
    )
    func craftedRowsAreDamage(sql: String, expected: String) throws {
        let path = temporaryDirectory() + "/t.tape"
        try FileManager.default.copyItem(atPath: Self.fixtures + "/network-cut.tape", toPath: path)
        let (status, output) = try sqlite3(path, sql)
        try #require(status == 0, "\(output)")
        let reason = try #require(damage(path))
        #expect(reason.contains(expected), "\(reason)")
    }

    @Test func theWriterRefusesWhatReadersWouldRefuse() throws {
        let writer = try TapeWriter(
            path: temporaryDirectory() + "/t.tape",
            session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0),
            profile: nil
        )
        var stamper = Stamper()
        try writer.record(stamper.connect(wallNs: 0, monoNs: 0))
        #expect(throws: TapeError.self) {
            try writer.append(stamper.frame(.inbound, opcode: .text, wallNs: 0, monoNs: -1, payload: []))
        }
        _ = try? writer.close()
    }
}
