import Foundation
import Testing
import TicktapeTestSupport

/// `ticktape bench serve` runs end to end with tiny sizes and reports every figure. A benchmark
/// is never a timed test: only the shape of the report and the frame counts are checked.
@Suite(.timeLimit(.minutes(3))) struct ServeRoundTripBenchTests {
    @Test func benchServeReportsPacedAndMaxFiguresAsJSON() async throws {
        let result = try await runTicktape(["bench", "serve", "--frames", "600", "--markets", "3", "--json"])
        try #require(result.status == 0, "exit \(result.status): \(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["clients"] as? Int == 4)
        let paced = try #require(report["paced"] as? [String: Any])
        for key in ["speed", "recorded_seconds", "expected_seconds", "wall_seconds", "ratio"] {
            #expect(paced[key] is Double || paced[key] is Int, "paced.\(key) in \(paced)")
        }
        let frames = paced["frames"] as? Int ?? -1
        #expect(frames > 600, "600 generated frames plus the opening SNAPSHOTs")
        #expect(paced["minimum_received"] as? Int == frames, "every client got every frame")
        let max = try #require(report["max"] as? [String: Any])
        #expect((max["frames_per_second_per_client"] as? [Any])?.count == 4)
        for key in ["wall_seconds", "total_frames_per_second", "in_process_frames_per_second", "ratio"] {
            #expect(max[key] is Double || max[key] is Int, "max.\(key) in \(max)")
        }
        #expect(max["minimum_received"] as? Int == max["frames"] as? Int)
    }

    @Test func benchServeInTextHasOneLinePerFigure() async throws {
        let result = try await runTicktape(["bench", "serve", "--frames", "300", "--markets", "2"])
        try #require(result.status == 0, "exit \(result.status): \(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4, "\(result.stdout)")
        #expect(lines.first?.hasPrefix("serve: 4 WebSocket clients") == true)
        #expect(lines.contains { $0.contains("paced 10×") && $0.contains("ratio") })
        #expect(lines.contains { $0.contains("max: ") && $0.contains("frames/s") })
    }
}
