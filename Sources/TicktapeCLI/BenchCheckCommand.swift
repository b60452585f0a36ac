import ArgumentParser
import Bench

/// `ticktape bench check`: the check pipeline against a raw row scan of the same tape
/// (``CheckBench``).
struct BenchCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Measure check (read, rules, fan-out, oracle) against a raw scan of the same generated tape.",
        discussion: """
            The generated tape's event times follow its 10k msg/s arrival rate, so the 60 s dedup windows are \
            as full as a busy real feed's. Verify (I1-I4) is measured apart, and so is what ticktape check \
            does (both, overlapped); every phase reports wall and CPU time.
            Example: ticktape bench check --frames 20000 --repetitions 1 --json
            """
    )

    @OptionGroup var feed: GeneratedFeedOptions
    @Option(help: "Repetitions of every phase; figures are medians.") var repetitions = 3
    @OptionGroup var output: BenchOutputOptions

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() async throws {
        let bench = CheckBench(
            frames: feed.frames,
            markets: feed.markets,
            seed: feed.seed,
            repetitions: repetitions,
            toolVersion: ticktapeVersion
        )
        let result = try await benchmark { try bench.run() }
        try output.print(result, text: printText)
    }

    private func printText(_ r: CheckBench.Result) {
        func line(_ label: String, _ p: CheckBench.Phase) -> String {
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
