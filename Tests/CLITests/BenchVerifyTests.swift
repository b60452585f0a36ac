import Foundation
import Testing
import TicktapeTestSupport

/// `bench verify` reports; it asserts nothing about speed. These tests pin what it says it measured.
@Suite struct BenchVerifyTests {
    @Test func jsonReportsProofAndInflateInFramesAndMegabytesWithTheirRatio() async throws {
        let run = try await runTicktape([
            "bench", "verify", "--frames", "3000", "--markets", "5", "--repetitions", "1", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let json = try #require(object)
        #expect((json["frames"] as? Int ?? 0) >= 3000)
        #expect((json["blocks"] as? Int ?? 0) >= 1)
        #expect((json["proof_includes"] as? String)?.contains("CRC-32") == true)
        for phase in ["proof", "inflate"] {
            let figures = json[phase] as? [String: Double]
            #expect(figures?["frames_per_second"].map { $0 > 0 } == true, "\(phase)")
            #expect(figures?["megabytes_per_second"].map { $0 > 0 } == true, "\(phase)")
        }
        let proof = try #require((json["proof"] as? [String: Double])?["seconds"])
        let inflate = try #require((json["inflate"] as? [String: Double])?["seconds"])
        let ratio = try #require(json["ratio"] as? Double)
        #expect(abs(ratio - inflate / proof) <= 1e-9 * ratio, "the ratio is proof throughput over inflate throughput")
        #expect(json["goal"] as? Double == 0.5)
    }
}
