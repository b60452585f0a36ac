import Foundation
import Replay
import Rules
import TapeLog

/// `ticktape bench check`: the check pipeline (reader, rules, fan-out, oracle), unpaced, against
/// a raw scan of the same tape's rows, in the same run (SPEC §13).
struct CheckBench {
    struct Result: Encodable {
        var frames: Int
        var checkFramesPerSecond: Double
        var rawScanFramesPerSecond: Double
        var ratio: Double
        var verdict: String
    }

    let frames: Int
    let markets: Int
    let seed: UInt64
    let json: Bool

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
                format: .default
            )
        }
        let scanStart = DispatchTime.now().uptimeNanoseconds
        let scanned = try cli { try TapeReader(path: path).scanRows() }
        let scanSeconds = Double(DispatchTime.now().uptimeNanoseconds - scanStart) / 1e9
        let checkStart = DispatchTime.now().uptimeNanoseconds
        let check = TapeCheckRun.check(path: path, replay: ReplayOptions(speed: .max))
        let checkSeconds = Double(DispatchTime.now().uptimeNanoseconds - checkStart) / 1e9
        let result = Result(
            frames: written,
            checkFramesPerSecond: Double(written) / checkSeconds,
            rawScanFramesPerSecond: Double(scanned) / scanSeconds,
            ratio: (Double(written) / checkSeconds) / (Double(scanned) / scanSeconds),
            verdict: check.verdict.rawValue
        )
        if json {
            Console.out(try cli { try JSONOutput.encode(result) })
        } else {
            Console.out("check: \(written) generated frames, verdict \(result.verdict)")
            Console.out("  verify + read + rules + fan-out + oracle: \(Int(result.checkFramesPerSecond)) frames/s")
            Console.out("  raw scan of the same rows:                \(Int(result.rawScanFramesPerSecond)) frames/s")
            Console.out("  ratio \(Format.fixed(result.ratio, 2))")
        }
        Console.flush()
    }
}
