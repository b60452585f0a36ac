import Foundation
import Replay
import Rules
import Simulator
import TapeLog

/// `ticktape bench check`: decode + rules + fan-out + oracle, unpaced, against a raw row scan
/// of the same tape, in the same run.
///
/// The generated tape's event clock follows its arrival rate (10k msg/s), as a busy real feed's
/// timestamps follow the wall clock: R3's and C1's 60 s windows then hold as many keys as they
/// would on such a session (with the feed's default 1–4 ms per message they would hold 25×
/// fewer, and the figure would flatter the tables).
///
/// The headline figure is that pipeline: reading the tape in arrival order (the facts were
/// decoded at record time, so reading them is the decode), rules, fan-out and oracle. The
/// recording invariants (I1–I4: a pass over the frame keys and SQLite's integrity_check over the
/// whole file, payload blocks included) are NOT in it; they are measured on their own, and so is
/// what `ticktape check` does (both, overlapped), so that nothing is hidden. Every phase reports
/// wall time and CPU time (user + sys of the whole process, all threads): on a loaded machine
/// the wall figures swing with the load and the CPU figures do not.
struct CheckBench {
    /// One phase: medians over the repetitions.
    struct Phase: Encodable {
        var seconds: Double
        var cpuSeconds: Double
        var framesPerSecond: Double
    }

    struct Result: Encodable {
        var frames: Int
        var repetitions: Int
        /// 1-minute load average when the measurement started (other processes' CPU demand).
        var loadAverage: Double
        /// What `check_frames_per_second` measures.
        var checkIncludes: String
        var checkIncludesVerify: Bool
        var checkFramesPerSecond: Double
        var rawScanFramesPerSecond: Double
        /// check / raw scan, frames per second of wall time: the figure the benchmark is judged by.
        var ratio: Double
        /// raw scan CPU / check CPU: the same ratio in CPU time, steadier under load.
        var cpuRatio: Double
        /// `ticktape check`'s own work (verify overlapped with the above) against the raw scan.
        var ratioWithVerify: Double
        var rawScan: Phase
        /// The reader alone: arrival order, facts, ReplayInputs handed to an empty consumer.
        var read: Phase
        var check: Phase
        var verify: Phase
        var checkWithVerify: Phase
        var verdict: String
    }

    let frames: Int
    let markets: Int
    let seed: UInt64
    let json: Bool
    var repetitions = 3

    func run() throws {
        let dir = FileManager.default.temporaryDirectory.path
        let path = "\(dir)/bench-check-\(getpid()).tape"
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let written = try cli {
            try SyntheticTape.write(
                path: path,
                seconds: Double(frames) / 10_000,
                rate: 10_000,
                symbols: markets,
                seed: seed,
                format: .default,
                eventClockFollowsRate: true
            )
        }
        let result = try measure(path: path, frames: written)
        if json {
            Console.out(try cli { try JSONOutput.encode(result) })
        } else {
            printText(result)
        }
        Console.flush()
    }

    private func measure(path: String, frames written: Int) throws -> Result {
        var load = [0.0]
        _ = getloadavg(&load, 1)
        var runs: [String: [(wall: Double, cpu: Double)]] = [:]
        var verdict = ""
        var scanned = 0
        for _ in 0..<max(1, repetitions) {
            runs["scan", default: []].append(try timed { scanned = try cli { try TapeReader(path: path).scanRows() } })
            runs["read", default: []].append(
                try timed { _ = try cli { try ReadAhead.forEachInput(path: path) { _ in } } }
            )
            runs["check", default: []].append(
                timed { _ = TapeFileCheck.check(path: path, replay: ReplayOptions(speed: .max), verify: false) }
            )
            runs["verify", default: []].append(
                try timed { _ = try cli { try TapeVerifier.verify(TapeReader(path: path)) } }
            )
            runs["full", default: []].append(
                timed { verdict = TapeFileCheck.check(path: path, replay: ReplayOptions(speed: .max)).verdict.rawValue }
            )
        }
        func phase(_ name: String, frames: Int) -> Phase {
            let wall = median(runs[name, default: []].map(\.wall))
            return Phase(
                seconds: wall,
                cpuSeconds: median(runs[name, default: []].map(\.cpu)),
                framesPerSecond: Double(frames) / wall
            )
        }
        let scan = phase("scan", frames: scanned)
        let check = phase("check", frames: written)
        let full = phase("full", frames: written)
        return Result(
            frames: written,
            repetitions: max(1, repetitions),
            loadAverage: load[0],
            checkIncludes: "read + decode + rules + fan-out + oracle; verify (I1-I4) excluded, measured separately; "
                + "event times follow the 10k msg/s arrival rate, so the 60 s dedup windows are as full as a busy real feed's",
            checkIncludesVerify: false,
            checkFramesPerSecond: check.framesPerSecond,
            rawScanFramesPerSecond: scan.framesPerSecond,
            ratio: check.framesPerSecond / scan.framesPerSecond,
            cpuRatio: scan.cpuSeconds / check.cpuSeconds,
            ratioWithVerify: full.framesPerSecond / scan.framesPerSecond,
            rawScan: scan,
            read: phase("read", frames: written),
            check: check,
            verify: phase("verify", frames: written),
            checkWithVerify: full,
            verdict: verdict
        )
    }

    private func printText(_ r: Result) {
        func line(_ label: String, _ p: Phase) -> String {
            let padded = label.padding(toLength: 44, withPad: " ", startingAt: 0)
            return "  \(padded)\(Int(p.framesPerSecond)) frames/s  (\(Format.fixed(p.seconds * 1000, 0)) ms, "
                + "CPU \(Format.fixed(p.cpuSeconds * 1000, 0)) ms)"
        }
        Console.out(
            "check: \(r.frames) generated frames, verdict \(r.verdict), median of \(r.repetitions), "
                + "load average \(Format.fixed(r.loadAverage, 2))"
        )
        Console.out(line("check (read + rules + fan-out + oracle):", r.check))
        Console.out(line("raw scan of the same rows:", r.rawScan))
        Console.out("  ratio \(Format.fixed(r.ratio, 2)) (CPU time: \(Format.fixed(r.cpuRatio, 2)))")
        Console.out("  not in the check figure, measured on their own:")
        Console.out(line("  verify (I1-I4, SQLite integrity_check):", r.verify))
        Console.out(line("  ticktape check (both, overlapped):", r.checkWithVerify))
        Console.out("    ratio \(Format.fixed(r.ratioWithVerify, 2))")
        Console.out(line("  the reader alone:", r.read))
    }
}

/// Wall and CPU seconds (user + sys, all threads of the process) of `body`.
private func timed(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    func cpuNow() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
    let cpu = cpuNow()
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpuNow() - cpu)
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
