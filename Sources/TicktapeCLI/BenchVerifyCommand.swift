import ArgumentParser
import Bench

/// `ticktape bench verify`: the payload proof of `ticktape verify` against plain zlib inflate of
/// the same blocks (``VerifyBench``).
struct BenchVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Measure verify's payload proof (inflate + CRC-32 of every block) against plain zlib inflate.",
        discussion: """
            Both phases read the same blocks of the same generated tape the same way; the ratio is proof \
            throughput over inflate throughput (goal: at least 0.5). Figures are frames/s and raw MB/s.
            Example: ticktape bench verify --frames 20000 --repetitions 1 --json
            """
    )

    @OptionGroup var feed: GeneratedFeedOptions
    @Option(help: "Repetitions of every phase; figures are medians.") var repetitions = 5
    @OptionGroup var output: BenchOutputOptions

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() async throws {
        let bench = VerifyBench(
            frames: feed.frames,
            markets: feed.markets,
            seed: feed.seed,
            repetitions: repetitions,
            toolVersion: ticktapeVersion
        )
        let result = try await benchmark { try bench.run() }
        try output.print(result, text: printText)
    }

    private func printText(_ r: VerifyBench.Result) {
        func line(_ label: String, _ p: VerifyBench.Phase) -> String {
            let padded = label.padding(toLength: 34, withPad: " ", startingAt: 0)
            return "  \(padded)\(Int(p.framesPerSecond)) frames/s, \(Format.fixed(p.megabytesPerSecond, 1)) MB/s  "
                + "(\(Format.fixed(p.seconds * 1000, 0)) ms, CPU \(Format.fixed(p.cpuSeconds * 1000, 0)) ms)"
        }
        Console.out(
            "verify: \(r.frames) generated frames in \(r.blocks) blocks (\(r.rawBytes) bytes raw, \(r.storedBytes) "
                + "stored), median of \(r.repetitions), load average \(Format.fixed(r.loadAverage, 2))"
        )
        Console.out(line("proof (inflate + CRC-32):", r.proof))
        Console.out(line("zlib inflate of the same blocks:", r.inflate))
        Console.out(
            "  ratio \(Format.fixed(r.ratio, 2)) (CPU time: \(Format.fixed(r.cpuRatio, 2))), goal ≥ \(Format.fixed(r.goal, 1))"
        )
    }
}
