import Replay
import Reports
import Rules
import Testing

@Suite("The text report")
struct ReportTextTests {
    @Test func theVerdictIsOnTheFirstLine() throws {
        let fail = try reportSample().text()
        #expect(fail.split(separator: "\n").first == "FAIL: 3 violations (C1 2, I3 1) in 1 of 3 tapes")
        let pass = CheckReport(tapes: [try checkReconnect()]).text()
        #expect(pass.hasPrefix("PASS: 1 tape checked, no violations\n"))
        let unknown = CheckReport(
            tapes: [
                TapeCheckResult.unreadable(
                    tape: "x.tape",
                    reason: "not a ticktape tape",
                    run: RunInfo(replay: ReplayOptions())
                )
            ]
        ).text()
        #expect(unknown.hasPrefix("UNKNOWN: x.tape: not a ticktape tape\n"))
    }

    @Test func violationsShowTheirWitnessFramesSeedAndDigests() throws {
        let text = CheckReport(tapes: [try checkReconnect(disabled: [.r4])]).text()
        #expect(text.contains("  C4 no REALTIME event below the latest delivered SNAPSHOT time of its key: 1\n"))
        #expect(text.contains("      earlier       (2, 3) trade KRW-BTC SNAPSHOT 1500 ms key "))
        #expect(text.contains("      offending     (2, 4) trade KRW-BTC REALTIME 1400 ms key "))
        #expect(text.contains("run: seed 42, speed 1, rules off: R4,"))
        #expect(text.contains("    digest "))
        #expect(text.contains("findings: duplicate 1, reordered 1\n"))
    }
}
