import Foundation
import Testing
import TicktapeTestSupport

/// `ticktape simulate` as a foreign client sees it: the built binary on loopback, driven by a
/// Python client written the way pyupbit writes one (`peers/upbit_client.py`, `websockets`).
@Suite(.timeLimit(.minutes(3))) struct SimulateCommandTests {
    static let peer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("peers/upbit_client.py").path
    /// Whether python3 with the websockets package runs here (asked once).
    static let peerCheck = Task {
        (try? await runProcess("python3", ["-c", "import websockets"], seconds: 60))?.status == 0
    }

    @Test func badFlagsExitWith2AndOneLine() async throws {
        for flags in [
            ["--rate", "0"], ["--symbols", "0"], ["--chaos", "nonsense 1"], ["--port", "70000"],
            ["--client-buffer", "0"], ["--client-buffer", "lots"], ["--unwritable-timeout", "0s"],
            ["--private-keys", "nocolon"], ["--private-keys", ":secret"], ["--private-keys", "access:"],
            ["--chaos", "auth-expire every:0s"],
        ] {
            let result = try await runTicktape(["simulate"] + flags)
            #expect(result.status == 2, "\(flags)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(flags): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test(.enabled("python3 with the websockets package is missing: no foreign client") { await peerCheck.value })
    func aPyupbitStyleClientGetsOnlyItsCodesAndTypesAsSimpleBinaryRealtimeFrames() async throws {
        let truth = FileManager.default.temporaryDirectory.appendingPathComponent("truth-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: truth) }
        let simulator = try await SimulatorProcess([
            "--symbols", "5", "--rate", "3000", "--seed", "3", "--truth", truth,
        ])
        let run = try await runProcess(
            "python3",
            [
                Self.peer, simulator.url, "stream", "--types", "trade,ticker", "--codes", "KRW-BTC,KRW-ETH", "--count",
                "40",
            ],
            seconds: 60
        )
        try #require(run.status == 0, "peer failed: \(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(report["received"] as? Int == 40)
        #expect(report["non_binary"] as? Int == 0)
        #expect(Set(report["types"] as? [String] ?? ["?"]).isSubset(of: ["trade", "ticker"]))
        #expect(Set(report["codes"] as? [String] ?? ["?"]).isSubset(of: ["KRW-BTC", "KRW-ETH"]))
        #expect((report["stream_types"] as? [String])?.allSatisfy { $0 == "REALTIME" } == true)
        for keys in report["key_sets"] as? [[String]] ?? [] {
            #expect(Set(["ty", "cd", "st", "tms"]).isSubset(of: keys))
            #expect(!keys.contains("type") && !keys.contains("code") && !keys.contains("stream_type"))
        }
        let status = try #require(report["status"] as? [String: Any])
        #expect(status["connections"] as? Int == 1)
        #expect(status["clients_closed_budget"] as? Int == 0 && status["clients_closed_unwritable"] as? Int == 0)

        let (code, stdout) = await simulator.stop(signal: SIGINT)
        #expect(code == 0)
        #expect(stdout.split(separator: "\n").dropFirst().first?.hasPrefix("simulate: 1 connections") == true)
        // The truth holds what the client received, byte for byte, in order.
        let lines = try String(contentsOfFile: truth, encoding: .utf8).split(separator: "\n")
        let sent = lines.compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["conn"] as? Int == 1
            else { return nil }
            return object["sha256"] as? String
        }
        #expect(Array(sent.prefix(40)) == report["sha256"] as? [String])
    }

    @Test(.enabled("python3 with the websockets package is missing: no foreign client") { await peerCheck.value })
    func aBurstOfTenRequestsInOneSecondGetsTheLimitErrorAndTheSixthConnectA429() async throws {
        let simulator = try await SimulatorProcess(["--symbols", "2", "--rate", "200"])
        let burst = try await runProcess(
            "python3",
            [Self.peer, simulator.url, "burst", "--requests", "10"],
            seconds: 60
        )
        try #require(burst.status == 0, "peer failed: \(burst.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(burst.stdout.utf8)) as? [String: Any])
        let errors = report["errors"] as? [String] ?? []
        #expect(!errors.isEmpty && errors.count <= 5, "\(errors)")  // the first 5 requests are within the limit
        #expect(errors.allSatisfy { $0 == "TOO_MANY_REQUESTS" })

        // The connect bucket (5/s) refills after the burst's connection (longer on a slow machine).
        try await Task.sleep(for: .milliseconds(1_100))
        let connects = try await runProcess(
            "python3",
            [Self.peer, simulator.url, "connects", "--requests", "8"],
            seconds: 60
        )
        try #require(connects.status == 0, "peer failed: \(connects.stderr)")
        let outcomes = try #require(
            (try JSONSerialization.jsonObject(with: Data(connects.stdout.utf8)) as? [String: Any])?["outcomes"]
                as? [Any]
        )
        // Eight connects at once against 5 per second: the first five of the second get in (a
        // refill during a slow burst may let one more in), the rest are refused with HTTP 429.
        #expect(outcomes.filter { $0 as? String == "ok" }.count >= 5, "\(outcomes)")
        #expect(outcomes.contains { $0 as? Int == 429 }, "\(outcomes)")
        #expect(outcomes.allSatisfy { $0 as? String == "ok" || $0 as? Int == 429 }, "\(outcomes)")
        let (code, _) = await simulator.stop(signal: SIGTERM)
        #expect(code == 0)
    }
}
