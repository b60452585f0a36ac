import Foundation
import Testing
import TicktapeTestSupport

/// `check --deliveries`: a user's own client judged from the log of what it applied. Two Python
/// clients (`peers/applying_client.py`, the `websockets` library) meet `serve --speed max
/// --replay-disconnects` of the fixtures: a naive one that applies everything, and a careful one
/// that dedups by idempotency key, never lets a state go back and drops REALTIME below its
/// snapshot. The counts are exact: at max speed the replay waits for the client, so what it
/// receives is the same on every run.
@Suite(.timeLimit(.minutes(4))) struct ClientCheckTests {
    static let peer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("peers/applying_client.py").path
    static let fixtures = FixtureTests.fixtures
    static let peerAvailable: Bool = ServePythonTests.peerAvailable

    /// What one client run left: its applied log and the server's sent log.
    struct ClientRun {
        var tape: String
        var applied: String
        var sent: String
    }

    /// Serves `fixture` at max speed with replayed disconnects, runs the peer in `mode` until the
    /// replay finished, and stops the server (which writes the rest of the sent log).
    private func run(
        _ fixture: String,
        _ mode: String,
        format: String = "DEFAULT",
        _ extra: [String] = []
    ) async throws -> ClientRun {
        let dir = temporaryDirectory()
        let tape = "\(Self.fixtures)/\(fixture).tape"
        let applied = dir + "/applied.jsonl"
        let sent = dir + "/sent.jsonl"
        let server = try await ServedTape(tape: tape, ["--speed", "max", "--replay-disconnects", "--sent-log", sent])
        defer { server.kill() }
        let client = try await runProcess(
            "python3",
            [Self.peer, server.url, "--mode", mode, "--log", applied, "--format", format] + extra,
            seconds: 150
        )
        guard client.status == 0 else { throw ServeTestError("peer failed (\(client.status)): \(client.stderr)") }
        let (status, _) = await server.stop(signal: SIGINT)
        guard status == 0 else { throw ServeTestError("serve exited \(status)") }
        return ClientRun(tape: tape, applied: applied, sent: sent)
    }

    /// `check --deliveries … --format json` → (exit status, the tape's report object).
    private func check(
        _ run: ClientRun,
        sent: Bool = true,
        _ extra: [String] = []
    ) async throws -> (
        Int32, [String: Any]
    ) {
        var arguments = ["check", run.tape, "--deliveries", run.applied, "--format", "json"]
        if sent { arguments += ["--sent-log", run.sent] }
        let result = try await runTicktape(arguments + extra)
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let tapes = try #require(report["tapes"] as? [[String: Any]])
        return (result.status, try #require(tapes.first))
    }

    private static func counts(_ tape: [String: Any]) -> [String: Int] {
        (tape["violation_counts"] as? [String: Int] ?? [:]).filter { $0.value != 0 }
    }

    private static func witnesses(_ tape: [String: Any], _ kind: String) -> [[[String: Any]]] {
        let violations = tape["violations"] as? [[String: Any]] ?? []
        return violations.filter { $0["class"] as? String == kind }.map { $0["deliveries"] as? [[String: Any]] ?? [] }
    }

    @Test(.enabled(if: peerAvailable, "python3 with the websockets package is missing: no foreign client"))
    func theNaiveClientFailsOnTheResentSnapshotsAndTheStaleFrames() async throws {
        // Reconnects with stale snapshots: every reconnect's snapshot repeats a value the client
        // applied (C1), and a stale snapshot takes the state back (C2).
        let storm = try await run("reconnect-storm", "naive")
        let (stormStatus, stormReport) = try await check(storm)
        #expect(stormStatus == 1)
        #expect(Self.counts(stormReport) == ["C1": 270, "C2": 32])
        for pair in Self.witnesses(stormReport, "C1") {
            let offending = try #require(pair.last)
            #expect(offending["stream_type"] as? String == "SNAPSHOT", "a re-sent snapshot: \(offending)")
            #expect((offending["line"] as? Int ?? 0) > (pair.first?["line"] as? Int ?? .max))
        }
        for pair in Self.witnesses(stormReport, "C2") {
            #expect(pair.last?["stream_type"] as? String == "SNAPSHOT", "a stale snapshot")
        }

        // A stale-epoch tail: frames of the old connection after the new one's snapshots.
        let tail = try await run("stale-epoch-tail", "naive")
        let (tailStatus, tailReport) = try await check(tail)
        #expect(tailStatus == 1)
        #expect(Self.counts(tailReport) == ["C1": 52, "C2": 7, "C3": 15, "C4": 13, "C5": 8])
        let c4 = Self.witnesses(tailReport, "C4")
        #expect(!c4.isEmpty)
        for pair in c4 {
            let (snapshot, stale) = (try #require(pair.first), try #require(pair.last))
            #expect(snapshot["stream_type"] as? String == "SNAPSHOT")
            #expect(stale["stream_type"] as? String == "REALTIME")
            #expect((stale["epoch"] as? Int ?? .max) < (snapshot["epoch"] as? Int ?? 0), "the old epoch's frame")
            #expect((stale["event_time_ms"] as? Int ?? .max) < (snapshot["event_time_ms"] as? Int ?? 0))
        }
        for pair in Self.witnesses(tailReport, "C3") {
            #expect((pair.last?["epoch"] as? Int ?? .max) < (pair.first?["epoch"] as? Int ?? 0))
        }
        // The report with line witnesses validates against the published schema.
        let json = temporaryDirectory() + "/report.json"
        _ = try await runTicktape([
            "check", tail.tape, "--deliveries", tail.applied, "--sent-log", tail.sent, "--format", "json", "--out",
            json,
        ])
        let schema = URL(fileURLWithPath: Self.fixtures).deletingLastPathComponent()
            .appendingPathComponent("Schemas/check-report.schema.json").path
        let validation = try await runProcess(
            "python3",
            [
                "-c",
                "import json, sys, jsonschema; jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))"
                    + ".validate(json.load(open(sys.argv[2]))); print('valid')",
                schema, json,
            ],
            seconds: 60
        )
        #expect(validation.stdout.contains("valid"), "\(validation.stderr)")

        // Without the sent log, C3 cannot be judged and says so; the rest is the same.
        let (_, unsent) = try await check(tail, sent: false)
        #expect(Self.counts(unsent) == ["C1": 52, "C2": 7, "C4": 13, "C5": 8])
        let notes = unsent["notes"] as? [String] ?? []
        #expect(notes.contains { $0.hasPrefix("C3 was not checked") })
    }

    @Test(.enabled(if: peerAvailable, "python3 with the websockets package is missing: no foreign client"))
    func theCarefulClientPasses() async throws {
        for fixture in ["reconnect-storm", "stale-epoch-tail", "dup-reorder"] {
            let careful = try await run(fixture, "careful")
            let (status, report) = try await check(careful, ["--lossless"])
            #expect(status == 0, "\(fixture): \(Self.counts(report))")
            #expect(report["verdict"] as? String == "pass")
            let consumers = report["consumers"] as? [[String: Any]] ?? []
            #expect((consumers.first?["delivered"] as? Int ?? 0) > 1_000, "\(fixture): \(consumers)")
        }
        // SIMPLE keys on a DEFAULT tape, without a sent log: lines are found in the other spelling.
        let simple = try await run("stale-epoch-tail", "careful", format: "SIMPLE")
        let applied = try String(contentsOfFile: simple.applied, encoding: .utf8)
        #expect(applied.hasPrefix("{\"ty\":"), "the client logged SIMPLE keys")
        let (status, report) = try await check(simple, sent: false)
        #expect(status == 0 && Self.counts(report).isEmpty, "\(Self.counts(report))")
    }

    @Test(.enabled(if: peerAvailable, "python3 with the websockets package is missing: no foreign client"))
    func foreignFabricatedAndBrokenLines() async throws {
        let careful = try await run("stale-epoch-tail", "careful")
        let lines = try String(contentsOfFile: careful.applied, encoding: .utf8).split(separator: "\n").map(String.init)
        let dir = temporaryDirectory()

        // A fabricated trade and a message of another tape: `unknown`, each naming its line.
        let other = dir + "/other.tape"
        try await ticktapeOK([
            "_synth", "--out", other, "--seconds", "2", "--rate", "20", "--symbols", "2", "--seed", "99",
        ])
        let foreign = try #require(
            try await runTicktape(["export", other]).stdout.split(separator: "\n").compactMap { line -> String? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    object["dir"] as? String == "in"
                else { return nil }
                return object["text"] as? String
            }.last
        )
        let fabricated =
            #"{"type":"trade","code":"KRW-BTC","timestamp":1730336862000,"trade_price":1,"trade_volume":1,"#
            + #""ask_bid":"BID","sequential_id":17303368620000001,"stream_type":"REALTIME"}"#
        var tampered = lines
        tampered.insert(fabricated, at: 10)
        tampered.insert(#"{"message":\#(foreign),"t_ns":5}"#, at: 20)
        let log = dir + "/tampered.jsonl"
        try (tampered.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let result = try await runTicktape([
            "check", careful.tape, "--deliveries", log, "--sent-log", careful.sent,
        ])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("FAIL: 2 violations (unknown 2)"), "\(result.stdout.prefix(300))")
        #expect(result.stdout.contains("applied line 11, which trade KRW-BTC at 1730336862000 ms"))
        #expect(result.stdout.contains("applied line 21, which"))

        // A line cut in the middle of the log: bad input, exit 2, the line named.
        var cut = lines
        cut[30] = String(cut[30].prefix(40))
        try (cut.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let broken = try await runTicktape(["check", careful.tape, "--deliveries", log])
        #expect(broken.status == 2)
        #expect(broken.stderr.hasPrefix("ticktape: \(log):31: not a JSON line"), "\(broken.stderr)")
        #expect(broken.stdout.isEmpty)

        // A torn final line (a client killed while appending): ignored, said, the rest judged.
        try (lines.joined(separator: "\n") + "\n" + String(lines[5].prefix(25))).write(
            toFile: log,
            atomically: true,
            encoding: .utf8
        )
        let torn = try await runTicktape(["check", careful.tape, "--deliveries", log])
        #expect(torn.status == 0, "\(torn.stdout.prefix(300))\(torn.stderr)")
        #expect(torn.stdout.contains("note: line \(lines.count + 1) of \(log) is a torn final line"))

        // Not a tape's frame at all: a status reply is not market data.
        try (lines.prefix(5).joined(separator: "\n") + "\n{\"status\":\"UP\"}\n").write(
            toFile: log,
            atomically: true,
            encoding: .utf8
        )
        let status = try await runTicktape(["check", careful.tape, "--deliveries", log])
        #expect(status.status == 1)
        #expect(status.stdout.contains("applied line 6, which is a status message, not market data"))
    }

    @Test(.enabled(if: peerAvailable, "python3 with the websockets package is missing: no foreign client"))
    func theClientsBehaviourBecomesAFixture() async throws {
        let naive = try await run("reconnect-storm", "naive")
        let expect = temporaryDirectory() + "/naive.expect"
        let base = ["check", naive.tape, "--deliveries", naive.applied, "--sent-log", naive.sent, "--expect", expect]
        let written = try await runTicktape(base + ["--update-expect"])
        #expect(written.stdout.contains("expectations written to"))
        let text = try String(contentsOfFile: expect, encoding: .utf8)
        #expect(text.contains("violations.C1 = 270"))
        #expect(text.contains("violations.unknown = 0"))
        let again = try await runTicktape(base)
        // The naive client fails its checks, as recorded: the counts match the fixture.
        #expect(again.status == 1)
        #expect(again.stdout.contains("expectations: all counts match"))

        // The HTML report names the client's lines.
        let html = temporaryDirectory() + "/report.html"
        _ = try await runTicktape(Array(base.dropLast(2)) + ["--format", "html", "--out", html])
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<th>line</th>"))
    }

    @Test(.enabled(if: peerAvailable, "python3 with the websockets package is missing: no foreign client"))
    func aClientThatResubscribesToHalfItsCodesLosesThoseStreams() async throws {
        // From its third connection on, the careful client asks for KRW-BTC and KRW-ETH only.
        let halved = try await run("reconnect-storm", "careful", ["--halve-after", "2"])
        let (status, report) = try await check(halved)
        #expect(status == 1)
        let counts = Self.counts(report)
        #expect(counts["lost_subscription"] == 1, "\(counts)")
        let violations = report["violations"] as? [[String: Any]] ?? []
        let lost = try #require(violations.first { $0["class"] as? String == "lost_subscription" })
        let sentence = try #require(lost["explanation"] as? String)
        // (Connection numbers are the server's: a connection attempt that timed out on a loaded
        // machine takes one without subscribing.)
        #expect(sentence.hasPrefix("client connection "), "\(sentence)")
        #expect(
            sentence.hasSuffix(
                "before it had; lost: orderbook KRW-SOL, orderbook KRW-XRP, ticker KRW-SOL, ticker KRW-XRP, "
                    + "trade KRW-SOL, trade KRW-XRP"
            ),
            "\(sentence)"
        )
        #expect(sentence.contains("subscribed to 6 of the 12 (type, code) pairs connection "), "\(sentence)")
        // Its last XRP and SOL states are stale: C5 says so for each state stream it lost.
        #expect(counts["C5"] == 4, "\(counts)")
        // The same client resubscribing to everything loses nothing.
        let whole = try await run("reconnect-storm", "careful")
        let (_, fine) = try await check(whole)
        #expect(Self.counts(fine)["lost_subscription"] == nil)
    }

    @Test func flagsThatNeedDeliveriesAreRefused() async throws {
        let tape = "\(Self.fixtures)/reconnect-storm.tape"
        for (flags, message) in [
            (["--sent-log", "x.jsonl"], "--sent-log needs --deliveries FILE"),
            (["--lossless"], "--lossless needs --deliveries FILE"),
            (["--deliveries", "a.jsonl", "--consumer", "name=x"], "--deliveries judges the client"),
            (["--deliveries", "a.jsonl", tape], "--deliveries checks one tape, got 2"),
        ] {
            let result = try await runTicktape(["check", tape] + flags)
            #expect(result.status == 2, "\(flags)")
            #expect(result.stderr.contains(message), "\(flags): \(result.stderr)")
        }
        let missing = try await runTicktape(["check", tape, "--deliveries", "/nonexistent/applied.jsonl"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("ticktape: /nonexistent/applied.jsonl: cannot read it"), "\(missing.stderr)")
    }
}
