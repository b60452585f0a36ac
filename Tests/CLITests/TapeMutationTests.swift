import Foundation
import TapeLog
import Testing
import TicktapeTestSupport

/// Damaged and hand-edited tapes never trap or hang the CLI: copies of the fixtures (format 1)
/// and of format 2 tapes made from them get seeded random edits — numeric columns of every
/// table set to edge values, enum columns to unknown values, blob bytes flipped or overwritten,
/// rows deleted, loss events inserted, files truncated, triggers dropped, format and application
/// ids changed — and `verify`, `inspect`, `export`, `check` and `replay` run on each as child
/// processes with a timeout.
/// Every run must exit 0, 1 or 2, and an exit 2 must say why in exactly one line on stderr.
///
/// Bounded by time, not by count: cases run until the budget is spent (at most `maxCases`).
/// A failure names the suite seed, the case's own seed, the edits and the command; set
/// `TICKTAPE_MUTATION_SEED` to rerun a suite seed, `TICKTAPE_MUTATION_CASE` to rerun one case.
@Suite(.timeLimit(.minutes(3))) struct TapeMutationTests {
    static let fixtures: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures").standardized.path
    static let budgetSeconds = 75.0
    static let maxCases = 5_000
    static let commandSeconds = 30.0

    @Test func damagedTapesEndWithExit012AndOneLineNeverASignalOrAHang() async throws {
        let environment = ProcessInfo.processInfo.environment
        let suiteSeed =
            environment["TICKTAPE_MUTATION_SEED"].flatMap { UInt64($0.dropFirst(2), radix: 16) } ?? 0x7A9E_5EED
        let onlyCase = environment["TICKTAPE_MUTATION_CASE"].flatMap { UInt64($0.dropFirst(2), radix: 16) }
        let dir = temporaryDirectory()
        let fixtures = ((try? FileManager.default.contentsOfDirectory(atPath: Self.fixtures)) ?? [])
            .filter { $0.hasSuffix(".tape") }.sorted().map { "\(Self.fixtures)/\($0)" }
        try #require(fixtures.count >= 5)
        // Format 2 tapes (blocks with checksums) with the fixtures' contents: each fixture's first
        // seconds exported and imported again (a few epochs, no session_end: a torn tail), and a
        // sample tape. Small, so that many cases fit the budget; the fixtures themselves (format 1)
        // take one case in four.
        var small: [String] = []
        for (i, fixture) in fixtures.enumerated() {
            let export = try await runTicktape(["export", fixture, "--to", "10s"])
            try #require(export.status == 0, "\(export.stderr)")
            let jsonl = "\(dir)/small-\(i).jsonl"
            try export.stdout.write(toFile: jsonl, atomically: true, encoding: .utf8)
            let imported = try await runTicktape(["import", jsonl, "--out", "\(dir)/small-\(i).tape"])
            try #require(imported.status == 0, "\(imported.stderr)")
            small.append("\(dir)/small-\(i).tape")
        }
        try writeSampleTape(at: "\(dir)/sample.tape", epochs: 3, framesPerEpoch: 60, seed: 3)
        small.append("\(dir)/sample.tape")

        var random = TestRandom(state: suiteSeed)
        let start = ContinuousClock.now
        var cases = 0
        var runs = 0
        var exits: [Int32: Int] = [:]
        var failures: [String] = []
        while cases < Self.maxCases, ContinuousClock.now - start < .seconds(Self.budgetSeconds), failures.count < 10 {
            let caseSeed = onlyCase ?? random.next()
            var caseRandom = TestRandom(state: caseSeed)
            let source =
                caseRandom.below(4) == 0
                ? fixtures[caseRandom.below(fixtures.count)] : small[caseRandom.below(small.count)]
            let path = "\(dir)/case-\(cases).tape"
            try FileManager.default.copyItem(atPath: source, toPath: path)
            let edits = TapeMutation.apply(to: path, random: &caseRandom)
            let label =
                "suite seed 0x\(String(suiteSeed, radix: 16)), case \(cases) (TICKTAPE_MUTATION_CASE=0x\(String(caseSeed, radix: 16))), "
                + "\((source as NSString).lastPathComponent): \(edits.joined(separator: "; "))"
            // Two children at a time: the suite shares two cores with the rest of the tests.
            var results: [Outcome] = []
            for pair in [["verify", "export"], ["check", "inspect"], ["replay"]] {
                async let first = Self.run(pair[0], path)
                let second = pair.count > 1 ? await Self.run(pair[1], path) : nil
                results.append(await first)
                if let second { results.append(second) }
            }
            for outcome in results {
                runs += 1
                let what = "\(label) — `ticktape \(outcome.command)`"
                if let problem = outcome.problem {
                    failures.append("\(what) \(problem)")
                } else {
                    exits[outcome.status, default: 0] += 1
                }
            }
            try? FileManager.default.removeItem(atPath: path)
            cases += 1
            if onlyCase != nil { break }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("tape mutation: \(cases) cases, \(runs) runs in \(seconds) s, exits \(exits.sorted { $0.key < $1.key })")
        #expect(cases >= 20 || onlyCase != nil, "only \(cases) cases fit the time budget")
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
    }
}

extension TapeMutationTests {
    /// How one command ended: nil `problem` when it ended as it must.
    struct Outcome: Sendable {
        var command: String
        var status: Int32 = -1
        var problem: String?
    }

    static func run(_ command: String, _ path: String) async -> Outcome {
        var outcome = Outcome(command: command)
        let child: ChildProcess
        do { child = try ChildProcess(ticktape: [command, path]) } catch {
            outcome.problem = "could not start: \(error)"
            return outcome
        }
        guard await child.wait(seconds: commandSeconds) else {
            outcome.problem = "did not end within \(commandSeconds) s (killed); stderr: \(child.stderr.suffix(400))"
            return outcome
        }
        outcome.status = child.status
        let stderr = child.stderr
        let lines = stderr.split(separator: "\n").filter { !$0.isEmpty }
        if child.killedBySignal {
            outcome.problem = "died of signal \(child.status): \(stderr.suffix(600))"
        } else if ![0, 1, 2].contains(child.status) {
            outcome.problem = "exited \(child.status): \(stderr.suffix(600))"
        } else if child.status == 2 && lines.count != 1 {
            outcome.problem = "exited 2 with \(lines.count) lines on stderr: \(stderr.prefix(600))"
        }
        return outcome
    }
}

/// Seeded random edits of a tape file, described so that a failure can be reproduced.
enum TapeMutation {
    /// Numeric (or enum) columns by table; `crc32` is skipped on format 1 tapes (they have none).
    static let columns: [(table: String, columns: [String])] = [
        ("session", ["started_ns", "commit_ms", "sync", "id"]),
        ("event", ["epoch", "after_seq", "kind", "wall_ns", "mono_ns", "close_code", "count"]),
        ("block", ["id", "codec", "raw_len", "crc32"]),
        ("frame", ["epoch", "seq", "dir", "opcode", "fragments", "mono_ns", "recv_off", "block", "offset", "length"]),
        ("stream", ["id", "type"]),
        ("frame_facts", ["epoch", "seq", "stream", "event_ms", "snapshot", "sid", "idem"]),
    ]
    static let edgeValues = [
        "-1", "0", "1", "2", "-9223372036854775808", "9223372036854775807", "4294967295", "4294967296",
        "2147483648", "4611686018427387905", "NULL", "'bogus'", "1e300",
    ]
    static let triggers = ["session", "event", "block", "frame"].flatMap {
        ["\($0)_append_only_update", "\($0)_append_only_delete"]
    }

    /// Applies one to three edits to the tape at `path`; returns what was done.
    static func apply(to path: String, random: inout TestRandom) -> [String] {
        var done: [String] = []
        for _ in 0...random.below(3) {
            let kind = random.below(100)
            if kind < 6 {
                let fraction = Double(random.below(1000)) / 1000
                done.append(truncate(path, fraction: fraction))
                break  // nothing more can be opened reliably
            }
            guard let db = try? Database(path: path, create: false) else {
                done.append("(cannot open for editing)")
                break
            }
            let sql: String
            var blob: [UInt8]?
            switch kind {
            case 6..<50: sql = numericEdit(db, random: &random)
            case 50..<68: (sql, blob) = blobEdit(db, random: &random)
            case 68..<80: sql = deleteRows(db, random: &random)
            case 80..<92: sql = insertLoss(db, random: &random)
            case 92..<96:
                sql =
                    random.below(2) == 0
                    ? "PRAGMA user_version = \(random.below(4))" : "PRAGMA application_id = \(random.below(3))"
            default: sql = "DROP TRIGGER IF EXISTS \(triggers[random.below(triggers.count)])"
            }
            done.append(run(db, sql, blob: blob))
        }
        return done
    }

    private static func count(_ db: Database, _ sql: String) -> Int {
        guard let s = try? db.prepare(sql), (try? s.step()) == true else { return 0 }
        return Int(s.int64(0))
    }

    private static func dropTriggers(_ table: String) -> String {
        guard ["session", "event", "block", "frame"].contains(table) else { return "" }
        return
            "DROP TRIGGER IF EXISTS \(table)_append_only_update; DROP TRIGGER IF EXISTS \(table)_append_only_delete; "
    }

    /// The WHERE clause choosing row `k` of `table` in key order.
    private static func row(_ table: String, _ k: Int) -> String {
        let key = table == "frame" || table == "frame_facts" ? "(epoch, seq)" : "rowid"
        let keyList = table == "frame" || table == "frame_facts" ? "epoch, seq" : "rowid"
        return "\(key) IN (SELECT \(keyList) FROM \(table) ORDER BY \(keyList) LIMIT 1 OFFSET \(k))"
    }

    private static func numericEdit(_ db: Database, random: inout TestRandom) -> String {
        let (table, names) = columns[random.below(columns.count)]
        var column = names[random.below(names.count)]
        if column == "crc32", count(db, "SELECT count(*) FROM pragma_table_info('block') WHERE name = 'crc32'") == 0 {
            column = "raw_len"
        }
        let rows = max(1, count(db, "SELECT count(*) FROM \(table)"))
        let k = random.below(100) < 30 ? 0 : random.below(rows)
        let value = edgeValues[random.below(edgeValues.count)]
        let unchecked = random.below(2) == 0 ? "PRAGMA ignore_check_constraints = ON; " : ""
        return unchecked + dropTriggers(table) + "UPDATE \(table) SET \(column) = \(value) WHERE \(row(table, k))"
    }

    private static func blobEdit(_ db: Database, random: inout TestRandom) -> (String, [UInt8]) {
        let blocks = max(1, count(db, "SELECT count(*) FROM block"))
        let k = random.below(blocks)
        guard let s = try? db.prepare("SELECT id, data FROM block ORDER BY id LIMIT 1 OFFSET \(k)"),
            (try? s.step()) == true
        else { return ("SELECT 1", []) }
        let id = s.int64(0)
        var data = Array(s.blob(1))
        let how: String
        if data.isEmpty || random.below(4) == 0 {
            data = random.bytes(data.count)
            how = "all \(data.count) bytes replaced"
        } else {
            let flips = 1 + random.below(8)
            for _ in 0..<flips { data[random.below(data.count)] ^= UInt8(1 + random.below(255)) }
            how = "\(flips) bytes flipped"
        }
        return (dropTriggers("block") + "UPDATE block SET data = ?1 WHERE id = \(id) /* \(how) */", data)
    }

    private static func deleteRows(_ db: Database, random: inout TestRandom) -> String {
        let tables = ["session", "event", "block", "frame", "stream", "frame_facts"]
        let table = tables[random.below(tables.count)]
        let rows = max(1, count(db, "SELECT count(*) FROM \(table)"))
        let k = random.below(rows)
        return dropTriggers(table) + "DELETE FROM \(table) WHERE \(row(table, k))"
    }

    /// A loss event at a frame's place with an edge count, sometimes with the frame after it deleted.
    private static func insertLoss(_ db: Database, random: inout TestRandom) -> String {
        let frames = max(1, count(db, "SELECT count(*) FROM frame"))
        let k = random.below(frames)
        let count = ["0", "-1", "1", "2", "9223372036854775807", "4294967296", "NULL"][random.below(7)]
        let hole =
            random.below(2) == 0
            ? dropTriggers("frame") + "DELETE FROM frame WHERE (epoch, seq) IN "
                + "(SELECT epoch, seq + 1 FROM frame ORDER BY epoch, seq LIMIT 1 OFFSET \(k)); " : ""
        return hole + "INSERT INTO event (epoch, after_seq, kind, wall_ns, mono_ns, count) "
            + "SELECT epoch, seq, 'loss', 1730336862000000000, mono_ns, \(count) FROM frame "
            + "ORDER BY epoch, seq LIMIT 1 OFFSET \(k)"
    }

    private static func truncate(_ path: String, fraction: Double) -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let keep = Int(Double(size) * fraction)
        if let handle = FileHandle(forWritingAtPath: path) {
            try? handle.truncate(atOffset: UInt64(keep))
            try? handle.close()
        }
        return "truncated to \(keep) of \(size) bytes"
    }

    /// Runs `sql` (binding `blob` to ?1 in its last statement); the edit's description, marked
    /// when SQLite refused it (a constraint), in which case the tape is left as it was.
    private static func run(_ db: Database, _ sql: String, blob: [UInt8]?) -> String {
        do {
            if let blob, let split = sql.range(of: "UPDATE block SET data") {
                try db.execute(String(sql[..<split.lowerBound]))
                let statement = try db.prepare(String(sql[split.lowerBound...]))
                blob.withUnsafeBytes { statement.bind(1, blob: $0) }
                try statement.step()
            } else {
                try db.execute(sql)
            }
            return sql
        } catch {
            return "\(sql) [refused: \(error)]"
        }
    }
}
