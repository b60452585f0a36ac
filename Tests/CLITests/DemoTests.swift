import ArgumentParser
import Foundation
import TapeLog
import Testing
import TicktapeCLI
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
        try nextCommandsRunAsPrinted(run.stdout, demo: "\(dir)/demo.tape")

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

    /// After `swift run ticktape demo` ticktape is not on the PATH: every "Next, try" command is
    /// `swift run ticktape …` (or not ticktape at all), its arguments parse, and the tapes it names
    /// exist — the demo's own, or the repository's fixtures for a glob.
    private func nextCommandsRunAsPrinted(_ stdout: String, demo: String) throws {
        let printed = stdout.split(separator: "\n").drop { $0 != "Next, try:" }.dropFirst()
        let commands = printed.map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(commands.count >= 4, "\(stdout)")
        #expect(!commands.contains { $0.hasPrefix("ticktape ") }, "ticktape is not on the PATH: \(commands)")
        let ticktape = commands.filter { $0.hasPrefix("swift run ticktape ") }
        #expect(ticktape.count >= 4)
        #expect(ticktape.contains { $0.contains(demo) }, "the demo's own tape")
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
        for command in ticktape {
            let code = command.components(separatedBy: " #").first ?? command
            let arguments = Array(shellWords(code).dropFirst(3))
            #expect(throws: Never.self, "\(command)") { _ = try Ticktape.parseAsRoot(arguments) }
            for word in arguments where word.hasSuffix(".tape") {
                if word.contains("*") {
                    let directory = package.appendingPathComponent(word).deletingLastPathComponent().path
                    let files = try FileManager.default.contentsOfDirectory(atPath: directory)
                    #expect(files.contains { $0.hasSuffix(".tape") }, "\(word) matches from the package directory")
                } else {
                    #expect(FileManager.default.fileExists(atPath: word), "\(command)")
                }
            }
        }
    }
}
