import Foundation
import Testing
import TicktapeTestSupport

/// Captures made by other tools (tardis-machine's replay output, raw JSONL), imported and then
/// verified, checked and served like any tape; and the event-time unit switch real Upbit feeds
/// made in August 2023 (some messages' times in microseconds, others of the same streams in
/// milliseconds), checked end to end.
@Suite(.timeLimit(.minutes(3))) struct ForeignCaptureTests {
    static let t0: Int64 = 1_700_000_000_000

    /// A ticker payload; `unit` multiplies the millisecond time (1 or 1,000).
    static func ticker(_ ms: Int64, _ stream: String, price: Int, unit: Int64 = 1) -> String {
        #"{"type":"ticker","code":"KRW-BTC","trade_price":\#(price),"timestamp":\#(ms * unit),"#
            + #""stream_type":"\#(stream)"}"#
    }

    static func trade(_ ms: Int64, _ stream: String, sid: Int64, unit: Int64 = 1) -> String {
        #"{"type":"trade","code":"KRW-BTC","trade_price":1.0E-4,"timestamp":\#(ms * unit),"#
            + #""trade_timestamp":\#(ms * unit),"sequential_id":\#(sid),"stream_type":"\#(stream)"}"#
    }

    static func tardis(_ recvMs: Int64, _ message: String?) -> String {
        let seconds = recvMs / 1000
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let stamp = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            c.year!,
            c.month!,
            c.day!,
            c.hour!,
            c.minute!,
            c.second!,
            Int(recvMs % 1000)
        )
        return #"{"localTimestamp":"\#(stamp)","message":\#(message ?? "null")}"#
    }

    /// ms → µs → ms within one stream, a cut in the µs stretch with the snapshots re-sent, and
    /// one true regression in each unit.
    static var unitSwitchSession: String {
        let t = t0
        let lines = [
            tardis(t + 10, ticker(t, "SNAPSHOT", price: 100)),
            tardis(t + 110, ticker(t + 100, "REALTIME", price: 101)),
            // Upbit switches this stream to microseconds.
            tardis(t + 210, ticker(t + 200, "REALTIME", price: 102, unit: 1000)),
            tardis(t + 310, ticker(t + 300, "REALTIME", price: 103, unit: 1000)),
            tardis(t + 320, ticker(t + 250, "REALTIME", price: 99, unit: 1000)),  // a real regression
            tardis(t + 330, trade(t + 310, "REALTIME", sid: 17_000_000_003_100_000, unit: 1000)),
            tardis(t + 340, nil),  // the connection drops
            // The reconnect re-sends the latest state as SNAPSHOTs, still in microseconds.
            tardis(t + 400, ticker(t + 300, "SNAPSHOT", price: 103, unit: 1000)),
            tardis(t + 401, trade(t + 310, "SNAPSHOT", sid: 17_000_000_003_100_000, unit: 1000)),
            // Back to milliseconds.
            tardis(t + 410, ticker(t + 400, "REALTIME", price: 104)),
            tardis(t + 510, ticker(t + 500, "REALTIME", price: 105)),
            tardis(t + 520, ticker(t + 450, "REALTIME", price: 98)),  // a real regression
            tardis(t + 610, ticker(t + 600, "REALTIME", price: 106)),
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    private func checkJSON(_ tape: String) async throws -> [String: Any] {
        let result = try await runTicktape(["check", tape, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return (report?["tapes"] as? [[String: Any]])?.first ?? [:]
    }

    @Test func aStreamSwitchingMillisecondsToMicrosecondsAndBackKeepsItsStateMoving() async throws {
        let dir = temporaryDirectory()
        try Self.unitSwitchSession.write(toFile: dir + "/switch.ndjson", atomically: true, encoding: .utf8)
        let imported = try await runTicktape(["import", dir + "/switch.ndjson", "--out", dir + "/switch.tape"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 12 frames in 2 connections"), "\(imported.stdout)")

        let tape = try await checkJSON(dir + "/switch.tape")
        #expect(tape["verdict"] as? String == "pass")
        let findings = tape["finding_counts"] as? [String: Int] ?? [:]
        #expect(findings["time_unit"] == 6, "frames 3-6 and the two re-sent SNAPSHOTs: \(findings)")
        #expect(findings["duplicate"] == 2, "the re-sent ticker and trade in the µs stretch: \(findings)")
        #expect(findings["out_of_order"] == 2, "only the two true regressions: \(findings)")
        #expect((tape["violation_counts"] as? [String: Int])?.values.allSatisfy { $0 == 0 } == true)
        let consumer = (tape["consumers"] as? [[String: Any]])?.first ?? [:]
        #expect(consumer["delivered"] as? Int == 8, "12 frames less 2 duplicates and 2 regressions")

        // Every time_unit sample says what it read.
        let samples = (tape["findings"] as? [[String: Any]] ?? []).filter { $0["class"] as? String == "time_unit" }
        #expect(!samples.isEmpty)
        for sample in samples {
            let ms = sample["event_time_ms"] as? Int64 ?? 0
            #expect(ms >= Self.t0 && ms < Self.t0 + 1_000, "read in milliseconds: \(sample)")
            #expect((sample["explanation"] as? String)?.contains("microseconds") == true)
        }
    }

    @Test func tardisAndRawCapturesImportAndVerifyCheckAndServe() async throws {
        let dir = temporaryDirectory()
        let t = Self.t0
        // Raw JSONL: the receive time in a member of its own, in microseconds.
        let raw = [
            Self.ticker(t, "SNAPSHOT", price: 1),
            Self.ticker(t + 100, "REALTIME", price: 2),
            Self.trade(t + 150, "REALTIME", sid: 5),
        ].enumerated().map { index, message in
            String(message.dropLast()) + #","recv_us":\#((t + 200 + Int64(index)) * 1000)}"#
        }
        try (raw.joined(separator: "\n") + "\n").write(toFile: dir + "/raw.jsonl", atomically: true, encoding: .utf8)
        try Self.unitSwitchSession.write(toFile: dir + "/t.ndjson", atomically: true, encoding: .utf8)

        let rawImport = try await runTicktape([
            "import", dir + "/raw.jsonl", "--time-field", "recv_us", "--out", dir + "/raw.tape",
        ])
        #expect(rawImport.status == 0, "\(rawImport.stderr)")
        let tardisImport = try await runTicktape([
            "import", dir + "/t.ndjson", "--from", "tardis", "--out", dir + "/t.tape",
        ])
        #expect(tardisImport.status == 0, "\(tardisImport.stderr)")

        for tape in ["raw.tape", "t.tape"] {
            let verify = try await runTicktape(["verify", dir + "/" + tape])
            #expect(verify.status == 0, "\(tape): \(verify.stdout) \(verify.stderr)")
            let inspect = try await runTicktape(["inspect", dir + "/" + tape])
            #expect(inspect.stdout.contains("import:"), "inspect says where the capture came from: \(inspect.stdout)")
        }
        // The time member is cut out, every other byte kept as it was (1.0E-4 stays 1.0E-4).
        let export = try await runTicktape(["export", dir + "/raw.tape"])
        let frames = export.stdout.split(separator: "\n").filter { $0.contains(#""kind":"frame""#) }
        #expect(frames.count == 3)
        #expect(!export.stdout.contains("recv_us"))
        #expect(export.stdout.contains(#"\"trade_price\":1.0E-4"#), "\(export.stdout)")
        #expect(export.stdout.contains(#""recv_ns":\#((t + 200) * 1_000_000)"#), "receive time from the member")
        #expect((try await checkJSON(dir + "/raw.tape"))["verdict"] as? String == "pass")

        // Served to an Upbit client (ticktape's own recorder).
        let served = try await ServedTape(tape: dir + "/t.tape", ["--speed", "max"])
        defer { served.kill() }
        let recorded = try await runTicktape([
            "record", served.url, "--upbit", "ticker,trade:KRW-BTC", "--out", dir + "/r.tape", "--duration", "3s",
        ])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let back = try await runTicktape(["export", dir + "/r.tape"])
        let received = back.stdout.split(separator: "\n").filter {
            $0.contains(#""dir":"in""#) && $0.contains("KRW-BTC")
        }
        #expect(received.count == 12, "every message of the capture reached the client: \(received.count)")
    }

    @Test func aMalformedCaptureLineExitsTwoNamingTheLine() async throws {
        let dir = temporaryDirectory()
        let good = Self.tardis(Self.t0, Self.ticker(Self.t0, "SNAPSHOT", price: 1))
        let cases: [(String, [String], String)] = [
            (good + "\n{\"localTimestamp\":\"yesterday\",\"message\":{}}\n", ["--from", "tardis"], "line 2"),
            (good + "\n" + good + "\n{\"localTimestamp\":\"2023-08-08T21:40:05Z\",\"mess\n", [], "line 3"),
            (Self.ticker(Self.t0, "SNAPSHOT", price: 1) + "\n[1,2]\n", [], "line 2"),
            (Self.ticker(Self.t0, "SNAPSHOT", price: 1) + "\n", ["--time-field", "recv"], "line 1"),
            ("\n\n", [], "empty"),
        ]
        for (index, (text, flags, line)) in cases.enumerated() {
            let input = dir + "/bad\(index).jsonl"
            try text.write(toFile: input, atomically: true, encoding: .utf8)
            let result = try await runTicktape(["import", input, "--out", dir + "/bad\(index).tape"] + flags)
            #expect(result.status == 2, "case \(index): \(result.stdout) \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(line), "case \(index): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/bad\(index).tape"))
        }
    }

    @Test func anExportWithoutSessionLineOrWriterFieldsImports() async throws {
        let dir = temporaryDirectory()
        let message = Self.ticker(Self.t0, "SNAPSHOT", price: 1).replacingOccurrences(of: "\"", with: "\\\"")
        let lines = [
            #"{"kind":"connect","epoch":1,"seq":0,"recv_ns":5000,"mono_ns":0}"#,
            #"{"kind":"frame","epoch":1,"seq":1,"dir":"in","opcode":"binary","recv_ns":6000,"mono_ns":1000,"text":"\#(message)"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/a.jsonl", atomically: true, encoding: .utf8)
        let imported = try await runTicktape(["import", dir + "/a.jsonl", "--out", dir + "/a.tape"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let export = try await runTicktape(["export", dir + "/a.tape"])
        #expect(export.stdout.contains(#""started_ns":5000"#), "\(export.stdout)")
        #expect(export.stdout.contains(#""fragments":1"#))

        let session = #"{"kind":"session","started_ns":5000}"#
        try ([session] + lines).joined(separator: "\n").write(
            toFile: dir + "/b.jsonl",
            atomically: true,
            encoding: .utf8
        )
        let withSession = try await runTicktape(["import", dir + "/b.jsonl", "--out", dir + "/b.tape"])
        #expect(withSession.status == 0, "\(withSession.stderr)")
        let inspect = try await runTicktape(["inspect", dir + "/b.tape"])
        #expect(inspect.stdout.contains("sync normal, commit 50 ms"), "\(inspect.stdout)")
    }
}
