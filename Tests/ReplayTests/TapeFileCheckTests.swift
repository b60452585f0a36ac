import Replay
import TapeLog
import Testing
import TicktapeTestSupport

@Suite("Tape check run")
struct TapeFileCheckTests {
    @Test("verify: false judges the same deliveries and reports I1–I4 as not checked")
    func withoutVerify() throws {
        let path = temporaryDirectory() + "/run.tape"
        _ = try writeSampleTape(at: path, epochs: 3, framesPerEpoch: 400, seed: 4)
        let options = ReplayOptions(speed: .max)
        let full = TapeFileCheck.check(path: path, name: "t", replay: options)
        let bare = TapeFileCheck.check(path: path, name: "t", replay: options, verify: false)
        #expect(full.integrity.checked)
        #expect(!bare.integrity.checked)
        #expect(full.verdict == .pass)
        #expect(bare.verdict == full.verdict)
        #expect(
            bare.violations.filter { $0.count > 0 }.map(\.kind) == full.violations.filter { $0.count > 0 }.map(\.kind)
        )
        #expect(bare.findings.map(\.count) == full.findings.map(\.count))
        #expect(bare.replay?.consumers.map(\.digest) == full.replay?.consumers.map(\.digest))
        #expect((bare.replay?.totals.frames ?? 0) > 1_000)
        // The note says why I1–I4 are missing: switched off, not "not a tape file".
        #expect(bare.notes.contains { $0.contains("I1–I4 were not checked") && $0.contains("switched off") })
        #expect(!full.notes.contains { $0.contains("I1–I4 were not checked") })
    }

    @Test("a file that is not a tape is unknown with or without verify")
    func unreadable() {
        let path = temporaryDirectory() + "/missing.tape"
        for verify in [true, false] {
            let check = TapeFileCheck.check(path: path, replay: ReplayOptions(speed: .max), verify: verify)
            #expect(check.verdict == .unknown)
            #expect(check.reason?.contains("no such file") == true)
        }
    }
}
