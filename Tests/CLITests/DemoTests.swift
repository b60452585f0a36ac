import Foundation
import TapeLog
import Testing
import TicktapeTestSupport

/// The newcomer's first command: `ticktape demo` runs the whole loop on loopback.
@Suite struct DemoTests {
    @Test func theDemoRecordsChecksAndReportsConsistentlyWithItsChaos() async throws {
        let dir = temporaryDirectory()
        let run = try await runTicktape(["demo", "--seconds", "3", "--out", dir])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("verdict: PASS"))
        #expect(run.stdout.contains("Next, try:"))
        for file in ["demo.tape", "recorded.tape", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: "\(dir)/\(file)"), "\(file) missing")
        }
        let verify = try await runTicktape(["verify", "\(dir)/demo.tape"])
        #expect(verify.status == 0 && verify.stdout.hasPrefix("consistent"), "\(verify.stdout)")

        // Count, independently of the rules, the inbound data frames that arrived from an older
        // connection after a newer one had opened: the check must report exactly that many
        // stale-epoch findings, and the chaos schedule must have produced some.
        let reader = try TapeReader(path: "\(dir)/demo.tape")
        let cursor = try reader.arrivals(payloads: false)
        var newest: UInt32 = 0
        var late = 0
        var epochs: Set<UInt32> = []
        while let entry = try cursor.next() {
            guard case .frame(let frame) = entry else { continue }
            epochs.insert(frame.record.epoch)
            if frame.record.direction == .inbound && frame.record.opcode.isData && frame.record.epoch < newest {
                late += 1
            }
            newest = max(newest, frame.record.epoch)
        }
        #expect(epochs.count >= 2, "the schedule cuts every second: at least one reconnect in 3 s")
        #expect(late > 0 && late <= 3 * (epochs.count - 1))

        let json = try await runTicktape(["check", "\(dir)/demo.tape", "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let tape = (report?["tapes"] as? [[String: Any]])?.first
        let findings = tape?["finding_counts"] as? [String: Any]
        #expect(findings?["stale_epoch"] as? Int == late)
        #expect(report?["verdict"] as? String == "pass")
    }
}
