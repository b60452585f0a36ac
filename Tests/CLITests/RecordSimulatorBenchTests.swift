import Foundation
import Testing
import TicktapeTestSupport

/// `ticktape bench record` end to end, tiny: it must report zero loss against the simulator's
/// truth and every figure the issue asks for. Speed is never asserted.
@Suite struct RecordSimulatorBenchTests {
    @Test func aShortRunReportsZeroLossLatencyAndMemoryAsJSON() async throws {
        let run = try await runTicktape([
            "bench", "record", "--seconds", "2", "--symbols", "4", "--rate", "2000", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let json = try #require(object, "stdout is one JSON object: \(run.stdout)")
        func int(_ key: String) -> Int64 { (json[key] as? NSNumber)?.int64Value ?? -1 }
        func double(_ key: String) -> Double { (json[key] as? NSNumber)?.doubleValue ?? -1 }

        #expect(int("symbols") == 4)
        #expect(json["types"] as? [String] == ["ticker", "trade", "orderbook"])
        #expect(double("rate") == 2000)
        #expect(double("seconds") == 2)
        #expect(double("duration_seconds") >= 2)

        // Zero loss against the truth: the same frames, counted and digested.
        #expect(int("sent") > 0)
        #expect(int("recorded") == int("sent"))
        #expect(int("lost") == 0)
        #expect(int("extra") == 0)
        #expect(json["digests_match"] as? Bool == true)
        #expect(json["zero_loss"] as? Bool == true)
        #expect(int("epochs") == 1)
        #expect(int("connections") == 1)
        #expect(int("sent") <= int("produced") + 4 * 3, "what was sent was produced, or is one of 12 snapshots")
        #expect(double("frames_per_second") > 0)
        #expect(json["sustained"] is Bool)

        // Latency and memory are reported (their values are the benchmark's business).
        #expect(double("commit_latency_p50_ms") >= 0)
        #expect(double("commit_latency_p99_ms") >= double("commit_latency_p50_ms"))
        #expect(double("commit_latency_max_ms") >= double("commit_latency_p99_ms"))
        #expect(int("commits") > 0)
        #expect(int("raw_bytes") > 0 && int("tape_bytes") > 0)
        #expect(int("rss_start_kb") > 0)
        #expect(int("rss_end_kb") > 0)
        #expect(int("rss_peak_kb") >= int("rss_end_kb"))
    }

    @Test func textOutputNamesTheFiguresAndBadNumbersAreUsageErrors() async throws {
        let run = try await runTicktape(["bench", "record", "--seconds", "1", "--symbols", "2", "--rate", "500"])
        #expect(run.status == 0, "\(run.stderr)")
        for phrase in ["frames/s", "0 lost", "zero loss", "p99", "RSS"] {
            #expect(run.stdout.contains(phrase), "\(phrase) in: \(run.stdout)")
        }
        for bad in [["--seconds", "0"], ["--symbols", "-1"], ["--rate", "0"]] {
            let refused = try await runTicktape(["bench", "record"] + bad)
            #expect(refused.status == 2, "\(bad): \(refused.stderr)")
        }
    }
}
