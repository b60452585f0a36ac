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
    /// The session ended cleanly and nothing is wrong.
    public var consistent: Bool { problems.isEmpty }
}

/// Checks a tape's recording invariants without trusting the writer.
public enum TapeVerifier {
    /// I1 seq contiguous per epoch (or explained by loss events), I2 epochs 1..E, I3 each epoch
    /// opens with its connect event, I4 SQLite integrity; plus the torn-tail warning.
    ///
    /// I4 is `PRAGMA integrity_check`, the check stock tools run on a tape, not `quick_check`. On
    /// this schema the two walk the same b-trees and pages (there is no secondary index, and a
    /// WITHOUT ROWID table's key is the table itself), so quick_check would save only its one
    /// omission that applies here, the per-row record-header sanity check: a minor share of I4's
    /// CPU. `ticktape check` runs the verifier on its own thread, overlapped with the reading and
    /// the rules, so I4 stays whole.
    public static func verify(_ reader: TapeReader) throws(TapeError) -> VerifyReport {
        var report = VerifyReport()
        report.sync = reader.session.sync.rawValue
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
        for (i, connect) in connects.enumerated() where connect.epoch != UInt32(i + 1) {
            report.problems.append("I2 epochs not 1..E: connect for epoch \(connect.epoch) where \(i + 1) was due")
            break
        }
        let connected = Set(connects.map(\.epoch))
        var losses: [UInt32: [UInt64: Int64]] = [:]
        for loss in events where loss.kind == .loss {
            losses[loss.epoch, default: [:]][loss.afterSeq] = loss.count ?? 0
            report.framesLost += loss.count ?? 0
        }
        // I1/I3 over the frame keys only (no payloads).
        do {
            let keys = try reader.db.prepare("SELECT epoch, seq FROM frame ORDER BY epoch, seq")
            var epoch: Int64 = 0
            var expected: UInt64 = 1
            var holes = 0
            while try keys.step() {
                let e = keys.int64(0)
                let s = UInt64(truncatingIfNeeded: keys.int64(1))
                if e != epoch {
                    epoch = e
                    expected = 1
                    if !connected.contains(UInt32(truncatingIfNeeded: e)) {
                        report.problems.append("I3 epoch \(e) has frames but no connect event")
                    }
                }
                while s != expected, let count = losses[UInt32(truncatingIfNeeded: e)]?[expected - 1] {
                    expected += UInt64(count)
                }
                if s != expected {
                    holes += 1
                    if holes <= 5 {
                        report.problems.append(
                            "I1 seq hole in epoch \(e): \(expected)…\(s - 1) missing and no loss event explains it"
                        )
                    }
                    expected = s
                }
                expected += 1
                report.frames += 1
            }
            if holes > 5 { report.problems.append("I1 … and \(holes - 5) more holes") }
        } catch {
            report.problems.append("I1 cannot read frames: \(error.description)")
        }
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

    static func formatSeconds(_ ns: Int64) -> String {
        let ms = ns / 1_000_000
        return "\(ms / 1000).\(String(String(ms % 1000 + 1000).dropFirst())) s"
    }
}
