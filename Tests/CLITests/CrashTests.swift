import Foundation
import TapeLog
import Testing
import TicktapeTestSupport

/// SIGKILL a writing process at pseudo-random points and prove what survives (issue: the tape).
@Suite(.timeLimit(.minutes(3))) struct CrashTests {
    @Test func aKilledWriterLeavesAConsistentTapeMissingAtMostOneCommitWindow() async throws {
        let dir = temporaryDirectory()
        var seed: UInt64 = 0x5EED
        for round in 0..<10 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let delayMs = 150 + Int(seed >> 33) % 600
            let path = "\(dir)/crash-\(round).tape"
            let child = try ChildProcess(
                ticktape: ["_crash-writer", path, "--seed", "\(round + 1)", "--frames-per-epoch", "2500"]
            )
            // The kill points are measured from the writer's first progress line, not from the
            // spawn: on a loaded machine the process may take longer than the delay to start,
            // and a kill while the tape is still being created is not what this test is about.
            let started = await child.firstLine(seconds: 60)
            try #require(started != nil, "round \(round): the writer never reported progress")
            try await Task.sleep(for: .milliseconds(delayMs))
            child.kill()
            #expect(await child.wait(seconds: 60))
            #expect(child.killedBySignal)
            let lines = child.stdout.split(separator: "\n")
            // The last progress line the child wrote before it died: committed C, appended A.
            let last = lines.last.map { $0.split(separator: " ") } ?? []
            let committed = last.count == 4 ? Int64(last[1]) ?? 0 : 0
            let appended = last.count == 4 ? Int64(last[3]) ?? 0 : 0

            let report = try TapeVerifier.verify(TapeReader(path: path))
            #expect(report.integrityOK, "round \(round): integrity")
            #expect(report.problems.isEmpty, "round \(round): \(report.problems)")
            #expect(report.tornTail, "round \(round): a killed writer leaves no session_end")
            // Everything reported committed survived. What was lost is what had not been committed
            // yet: the open window (at most commitFrames = 8192) plus what still waited in the
            // writer's bounded queue (16384) — more than that cannot be appended without committing.
            #expect(report.frames >= committed, "round \(round): \(report.frames) stored < \(committed) committed")
            #expect(appended - report.frames <= 8192 + 16384 + 200, "round \(round): lost \(appended - report.frames)")

            let verify = try await runTicktape(["verify", path])
            #expect(
                verify.status == 0,
                "round \(round): verify exits 0 on a torn tail: \(verify.stdout)\(verify.stderr)"
            )
            #expect(verify.stdout.contains("warning: torn tail"))
        }
    }
}
