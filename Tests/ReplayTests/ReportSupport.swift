import Foundation
import Replay
import Rules
import TicktapeTestSupport

/// The repository root, found from this file's path (Tests/ReplayTests/ReportSupport.swift).
let reportRepositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The exit status and output (stdout then stderr) of `python3 args…`, or nil when python3
/// cannot be started. Bounded (killed after `seconds`) and async: see ``ChildProcess`` for why.
func reportPython(_ arguments: [String], seconds: Double = 120) async -> (status: Int32, output: String)? {
    guard let child = try? ChildProcess(executable: "/usr/bin/env", ["python3"] + arguments) else { return nil }
    await child.wait(seconds: seconds)
    return (child.status, child.stdout + child.stderr)
}

/// True when a python3 interpreter runs on this machine (asked once).
let reportPythonCheck = Task { await reportPython(["-c", "pass"])?.status == 0 }

/// Writes `text` to a fresh temporary file and returns its path.
func reportTemporaryFile(_ text: String, suffix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("ticktape-report-\(UUID().uuidString)\(suffix)").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// A report with a failing tape (R3 and R4 off, two consumers, integrity verified with a
/// problem), a passing one and an unreadable one: every section of the format is populated.
func reportSample() throws -> CheckReport {
    let consumers = [
        ConsumerSpec(name: "gui", filter: ConsumerFilter(types: ["ticker"]), capacity: 1, policy: .coalesce),
        ConsumerSpec(name: "slow", capacity: 1, policy: .dropOldest, serviceNs: 500_000_000),
    ]
    let failing = try checkReconnect(
        disabled: [.r3, .r4],
        consumers: consumers,
        integrity: IntegrityResults(problems: ["I3 epoch 3 has frames but no connect event"])
    )
    let unreadable = TapeCheckResult.unreadable(
        tape: "broken <&> \"tape\"",
        reason: "not a ticktape tape",
        run: RunInfo(replay: ReplayOptions())
    )
    return CheckReport(tapes: [failing, try checkReconnect(), unreadable])
}
