/// The crash-consistency report of `ticktape verify`: the recording invariants I1–I4 and the
/// torn tail.
public struct VerifyReport: Sendable, Encodable {
    /// Problems make the tape inconsistent (exit 1).
    public var problems: [String] = []
    /// Warnings are worth knowing but not failures, e.g. a torn tail after a crash.
    public var warnings: [String] = []
    /// `PRAGMA integrity_check` said ok.
    public var integrityOK = false
    /// Epochs found (connect events).
    public var epochs: Int = 0
    /// Frames stored.
    public var frames: Int64 = 0
    /// Frames declared lost by loss events.
    public var framesLost: Int64 = 0
    /// No session_end event: the writer stopped without closing (crash or kill).
    public var tornTail = false
    /// The durability level the tape was written with.
    public var sync: String = ""
    /// The tape's format version (`PRAGMA user_version`).
    public var format: Int64 = 0
    /// How the payload blocks were proven: `crc32` (every block inflated to its `raw_len` and its
    /// CRC-32 compared, format 2), `length` (inflated to its `raw_len`: format 1 blocks carry no
    /// checksum), or `skipped` (not inflated: ``TapeVerifier/verify(_:payloads:)`` with
    /// `payloads: false`, `ticktape check --quick`).
    public var payloads: String = ""
    /// Payload blocks in the tape.
    public var blocks: Int64 = 0
    /// Raw (inflated) payload bytes proven; 0 when the proof was skipped.
    public var rawBytes: Int64 = 0
    /// What was and was not proven, in plain words (e.g. that format 1 has no checksums).
    public var notes: [String] = []
    /// The session ended cleanly and nothing is wrong.
    public var consistent: Bool { problems.isEmpty }
}

/// Checks a tape's recording invariants and its payloads without trusting the writer.
///
/// What it finds is reported in one of two ways (see <doc:TapeFileFormat>): a row that breaks a
/// recording invariant while every value in it is in range (a seq hole, an epoch without its
/// connect, SQLite's integrity check failing) is a *problem* in the report (exit 1 at the CLI);
/// a row that no writer can have written (a value out of range, an unknown codec or kind, a
/// block that does not inflate to its length or fails its checksum, a frame outside its block)
/// is *damage*, thrown as ``TapeError/corrupt(path:reason:)`` (exit 2), naming the row.
public enum TapeVerifier {
    /// The note of a format 1 tape, whose blocks carry no checksum.
    public static let formatOneNote = "format 1: blocks carry no checksum; payloads checked by length only"
    /// The note of a verification that skipped the payload proof.
    public static let skippedNote = "payloads not proven (quick): blocks were not inflated"

    /// I1 seq contiguous per epoch (or explained by loss events), I2 epochs 1..E, I3 each epoch
    /// opens with its connect event, I4 SQLite integrity; plus the torn-tail warning. With
    /// `payloads` (the default) it also proves every payload: each block inflates to exactly its
    /// `raw_len` and matches its CRC-32 (format 2); every frame lies inside its block either way.
    ///
    /// I4 is `PRAGMA integrity_check`, the check stock tools run on a tape, not `quick_check`. On
    /// this schema the two walk the same b-trees and pages (there is no secondary index, and a
    /// WITHOUT ROWID table's key is the table itself), so quick_check would save only its one
    /// omission that applies here, the per-row record-header sanity check: a minor share of I4's
    /// CPU. `ticktape check` runs the verifier on its own thread, overlapped with the reading and
    /// the rules, so I4 stays whole.
    public static func verify(_ reader: TapeReader, payloads: Bool = true) throws(TapeError) -> VerifyReport {
        var report = VerifyReport()
        report.sync = reader.session.sync.rawValue
        report.format = reader.format
        do {
            let check = try reader.db.prepare("PRAGMA integrity_check")
            var lines: [String] = []
            while try check.step() { lines.append(check.string(0) ?? "") }
            report.integrityOK = lines == ["ok"]
            if !report.integrityOK {
                report.problems.append("I4 SQLite integrity: \(lines.prefix(3).joined(separator: "; "))")
            }
        } catch {
            report.problems.append("I4 SQLite integrity: \(error.description)")
        }
        let events = try reader.events()
        let connects = events.filter { $0.kind == .connect }
        report.epochs = connects.count
        for (i, connect) in connects.enumerated() where connect.epoch != UInt32(truncatingIfNeeded: i + 1) {
            report.problems.append("I2 epochs not 1..E: connect for epoch \(connect.epoch) where \(i + 1) was due")
            break
        }
        let connected = Set(connects.map(\.epoch))
        var losses: [UInt32: [UInt64: Int64]] = [:]
        for loss in events where loss.kind == .loss {
            // Counts are 1 … 2^32 - 1 (the reader checked), so neither sum can overflow.
            let count = loss.count ?? 0
            losses[loss.epoch, default: [:]][loss.afterSeq, default: 0] += count
            report.framesLost += count
        }
        let blockLengths = try proveBlocks(reader, payloads: payloads, into: &report)
        try scanFrames(reader, connected: connected, losses: losses, blockLengths: blockLengths, into: &report)
        if !events.contains(where: { $0.kind == .sessionEnd }) {
            report.tornTail = true
            let lastEpoch = connects.last?.epoch ?? 0
            let lastFrames = (try? reader.db.scalarInt("SELECT count(*) FROM frame WHERE epoch = \(lastEpoch)")) ?? 0
            let lastSeq = (try? reader.db.scalarInt("SELECT max(seq) FROM frame WHERE epoch = \(lastEpoch)")) ?? 0
            let lastMono = (try? reader.db.scalarInt("SELECT max(mono_ns) FROM frame")) ?? 0
            report.warnings.append(
                "torn tail: no session_end (the writer stopped without closing); last epoch \(lastEpoch) holds "
                    + "\(lastFrames) frames up to seq \(lastSeq), \(formatSeconds(lastMono)) into the session"
            )
        }
        return report
    }

    /// The payload proof on its own: every block of the tape inflated to exactly its `raw_len`
    /// and, from format 2 on, compared with its CRC-32, as ``verify(_:payloads:)`` does it. Throws
    /// ``TapeError/corrupt(path:reason:)`` for the first block that fails, naming the frames it
    /// holds. Returns the blocks and raw bytes proven (what `ticktape bench verify` measures).
    public static func provePayloads(_ reader: TapeReader) throws(TapeError) -> (blocks: Int64, rawBytes: Int64) {
        var report = VerifyReport()
        _ = try proveBlocks(reader, payloads: true, into: &report)
        return (report.blocks, report.rawBytes)
    }

    /// Proves the blocks (or, without `payloads`, reads only their lengths) and returns each
    /// block's raw length by id, for the frames' bounds.
    private static func proveBlocks(
        _ reader: TapeReader,
        payloads: Bool,
        into report: inout VerifyReport
    ) throws(TapeError) -> [Int64: Int64] {
        var lengths: [Int64: Int64] = [:]
        let checksums = reader.format >= TapeFormat.checksumVersion
        report.payloads = payloads ? (checksums ? "crc32" : "length") : "skipped"
        if !payloads {
            report.notes.append(skippedNote)
        } else if !checksums {
            report.notes.append(formatOneNote)
        }
        var proof = BlockProof()
        defer { proof.end() }
        var raw: [UInt8] = []
        do {
            let columns =
                payloads ? "codec, raw_len, \(BlockRow.checksumColumn(format: reader.format)), data" : "raw_len"
            let blocks = try reader.db.prepare("SELECT id, \(columns) FROM block ORDER BY id")
            while try blocks.step() {
                let id = blocks.int64(0)
                let rawLength: Int64
                if payloads {
                    do {
                        try proof.prove(
                            BlockRow(blocks, id: id, format: reader.format, first: 1),
                            into: &raw,
                            path: reader.path
                        )
                    } catch {
                        guard case .corrupt(let path, let reason) = error else { throw error }
                        throw TapeError.corrupt(path: path, reason: reason + "; " + framesHeld(by: id, in: reader))
                    }
                    rawLength = Int64(raw.count)
                } else {
                    rawLength = try RowChecks.inRange(
                        blocks.int64(1),
                        0...RowChecks.maxRawLength,
                        column: "raw_len",
                        path: reader.path,
                        at: "block \(id)"
                    )
                }
                lengths[id] = rawLength
                report.blocks += 1
                if payloads { report.rawBytes += rawLength }
            }
        } catch let error as TapeError {
            throw error
        } catch {
            throw TapeFile.classify(error, path: reader.path)
        }
        return lengths
    }

    /// "it holds N frames, (e, s) … (e, s)", for a damaged block's message.
    private static func framesHeld(by block: Int64, in reader: TapeReader) -> String {
        guard
            let held = try? reader.db.prepare(
                """
                SELECT count(*),
                       (SELECT epoch || ', ' || seq FROM frame WHERE block = ?1 ORDER BY epoch, seq LIMIT 1),
                       (SELECT epoch || ', ' || seq FROM frame WHERE block = ?1 ORDER BY epoch DESC, seq DESC LIMIT 1)
                FROM frame WHERE block = ?1
                """
            )
        else { return "its frames could not be listed" }
        held.bind(1, block)
        guard (try? held.step()) == true else { return "its frames could not be listed" }
        let count = held.int64(0)
        switch count {
        case 0: return "it holds no frame"
        case 1: return "it holds frame (\(held.string(1) ?? "?"))"
        default: return "it holds \(count) frames, (\(held.string(1) ?? "?")) … (\(held.string(2) ?? "?"))"
        }
    }

    /// I1 and I3 over the frame rows, every column checked, every frame inside its block.
    private static func scanFrames(
        _ reader: TapeReader,
        connected: Set<UInt32>,
        losses: [UInt32: [UInt64: Int64]],
        blockLengths: [Int64: Int64],
        into report: inout VerifyReport
    ) throws(TapeError) {
        do {
            let rows = try reader.db.prepare(
                """
                SELECT epoch, seq, dir, opcode, fragments, mono_ns, recv_off, block, offset, length
                FROM frame ORDER BY epoch, seq
                """
            )
            var epoch: UInt32 = 0
            var expected: UInt64 = 1
            var holes = 0
            while try rows.step() {
                let frame = try StoredFrame.read(rows, startedNs: reader.session.startedNs, path: reader.path)
                guard let rawLength = blockLengths[frame.block] else {
                    throw TapeError.corrupt(
                        path: reader.path,
                        reason: "\(frame.place): block \(frame.block) is missing"
                    )
                }
                // offset and length are at most 2^30 each (checked), so the sum cannot overflow.
                guard frame.offset + frame.length <= rawLength else {
                    throw TapeError.corrupt(
                        path: reader.path,
                        reason: "\(frame.place): bytes \(frame.offset)+\(frame.length) lie outside block "
                            + "\(frame.block) (\(rawLength) bytes)"
                    )
                }
                let e = frame.record.epoch
                let s = frame.record.seq
                if e != epoch || report.frames == 0 {
                    epoch = e
                    expected = 1
                    if !connected.contains(e) {
                        report.problems.append("I3 epoch \(e) has frames but no connect event")
                    }
                }
                // Each loss moves `expected` forward by at least 1, so this ends; a sum past
                // UInt64's end cannot be a frame's seq, and stops it all the same.
                while s != expected, let count = losses[e]?[expected - 1] {
                    let (next, overflow) = expected.addingReportingOverflow(UInt64(count))
                    if overflow { break }
                    expected = next
                }
                if s != expected {
                    holes += 1
                    if holes <= 5 {
                        report.problems.append(
                            s > expected
                                ? "I1 seq hole in epoch \(e): \(expected)…\(s - 1) missing and no loss event explains it"
                                : "I1 frame (\(e), \(s)) is stored although a loss event declared it missing"
                        )
                    }
                    expected = s
                }
                expected = s + 1  // s ≤ Int64.max: no overflow
                report.frames += 1
            }
            if holes > 5 { report.problems.append("I1 … and \(holes - 5) more holes") }
        } catch let error as TapeError {
            throw error
        } catch {
            report.problems.append("I1 cannot read frames: \(error)")
        }
    }

    static func formatSeconds(_ ns: Int64) -> String {
        let ms = ns / 1_000_000
        return "\(ms / 1000).\(String(String(ms % 1000 + 1000).dropFirst())) s"
    }
}
