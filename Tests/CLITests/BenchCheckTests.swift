import Foundation
import Testing
import TicktapeTestSupport

/// `bench check` reports; it asserts nothing about speed. These tests pin what it says it measured.
@Suite struct BenchCheckTests {
    @Test func jsonSaysWhatTheCheckFigureIncludesAndMeasuresVerifyApart() async throws {
        let run = try await runTicktape(["bench", "check", "--frames", "3000", "--markets", "5", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let json = try #require(object)
        #expect(json["check_includes_verify"] as? Bool == false)
        #expect((json["check_includes"] as? String)?.contains("verify (I1-I4) excluded") == true)
        #expect(json["verdict"] as? String == "pass")
        #expect((json["frames"] as? Int ?? 0) >= 3000)
        for phase in ["raw_scan", "read", "check", "verify", "check_with_verify"] {
            let figures = json[phase] as? [String: Double]
            #expect(figures?["frames_per_second"].map { $0 > 0 } == true, "\(phase)")
            #expect(figures?["cpu_seconds"].map { $0 >= 0 } == true, "\(phase)")
        }
        let check = (json["check"] as? [String: Double])?["frames_per_second"]
        #expect(json["check_frames_per_second"] as? Double == check)
        let scan = (json["raw_scan"] as? [String: Double])?["frames_per_second"] ?? 1
        let ratio = try #require(json["ratio"] as? Double)
        #expect(abs(ratio - (check ?? 0) / scan) <= 1e-9 * ratio, "the ratio is check over raw scan")
    }

    @Test func textNamesTheVerifyFigureSeparately() async throws {
        let run = try await runTicktape(["bench", "check", "--frames", "2000", "--markets", "3"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("check (read + rules + fan-out + oracle):"))
        #expect(run.stdout.contains("not in the check figure"))
        #expect(run.stdout.contains("verify (I1-I4, SQLite integrity_check):"))
        #expect(run.stdout.contains("CPU"))
    }
}
