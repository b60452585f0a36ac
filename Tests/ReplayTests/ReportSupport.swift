import Foundation
import Replay
import Rules

/// The repository root, found from this file's path (Tests/ReplayTests/ReportSupport.swift).
let reportRepositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The exit status and output of `python3 args…`, or nil when python3 cannot be started.
func reportPython(_ arguments: [String]) -> (status: Int32, output: String)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// True when a python3 interpreter runs on this machine.
let reportPythonAvailable: Bool = reportPython(["-c", "pass"])?.status == 0

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
    let unreadable = TapeCheck.unreadable(
        tape: "broken <&> \"tape\"",
        reason: "not a ticktape tape",
        run: RunInfo(replay: ReplayOptions())
    )
    return CheckReport(tapes: [failing, try checkReconnect(), unreadable])
}
