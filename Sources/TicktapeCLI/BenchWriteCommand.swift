import ArgumentParser
import Bench
import Foundation
import Simulator
import TapeLog
import Upbit

/// `ticktape bench write`: the full record path against a plain prepared INSERT of the same raw
/// frames (``WriteBench``).
struct BenchWriteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Measure the full record path against a plain prepared INSERT of the same generated frames.",
        discussion: """
            Each repetition writes the generated DEFAULT frames twice: through the record path (stamp, extract, \
            compress, insert, group commit) and as one prepared INSERT per frame on a connection set up like a \
            tape's, committing as often. Figures are medians; the ratio prices what the record path adds.
            Example: ticktape bench write --frames 20000 --repetitions 1 --json
            """
    )

    @OptionGroup var feed: GeneratedFeedOptions
    @Option(help: "Durability level.") var sync = SyncMode.normal
    @Option(help: "Repetitions (full path, then baseline, each time); figures are medians.") var repetitions = 3
    @Flag(help: "Keep the tape and the baseline file (their paths are printed).") var keep = false
    @OptionGroup var output: BenchOutputOptions

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() async throws {
        var generator = SyntheticFeed(seed: feed.seed, markets: SyntheticFeed.markets(count: feed.markets))
        let payloads = (0..<feed.frames).map { _ in generator.next().bytes }
        var options = WriterOptions()
        options.sync = sync.level
        let result = try cli {
            try WriteBench.run(
                payloads: payloads,
                directory: FileManager.default.temporaryDirectory.path,
                profile: UpbitProfile(),
                options: options,
                repetitions: repetitions,
                keep: keep
            )
        }
        try output.print(result, text: printText)
    }

    private func printText(_ r: WriteBench.Result) {
        func rates(_ runs: [Double]) -> String { runs.map { String(Int($0)) }.joined(separator: ", ") }
        func percent(_ fraction: Double) -> String { Format.fixed(fraction * 100, 1) + " %" }
        Console.out(
            "write: \(r.frames) generated DEFAULT frames (\(r.rawPayloadBytes / Int64(max(r.frames, 1))) B avg), "
                + "medians of \(r.repetitions) repetitions"
        )
        Console.out(
            "  full path (stamp, extract, compress, insert, commit): \(Int(r.fullFramesPerSecond)) frames/s "
                + "(\(rates(r.fullRuns)))"
        )
        Console.out(
            "  baseline, plain prepared INSERT of the raw frames:    \(Int(r.baselineFramesPerSecond)) frames/s "
                + "(\(rates(r.baselineRuns)))"
        )
        Console.out("  ratio \(Format.fixed(r.ratio, 2)) (median of each repetition's full / baseline)")
        Console.out(
            "  tape file \(percent(r.fileFraction)) of raw (payload \(percent(r.storedPayloadFraction)), rows and pages "
                + "\(Format.fixed(r.overheadBytesPerFrame, 1)) B/frame); baseline file \(percent(r.baselineFileFraction))"
        )
        Console.out("  baseline: \(r.baseline)")
        if let tape = r.tapePath, let base = r.baselinePath { Console.out("  kept: \(tape) \(base)") }
    }
}
