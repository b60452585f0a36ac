import ArgumentParser
import Bench

/// `ticktape bench record`: the simulator and a recording over loopback in one process, the
/// tape compared with the simulator's truth (``RecordBench``).
struct BenchRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a simulated exchange over loopback and compare the tape with what the simulator sent.",
        discussion: """
            Every market with ticker, trade and orderbook at --rate messages/s for --seconds, recorded in the same \
            process; then the tape against the simulator's truth, connection by connection (counts and digests). \
            Reports frames/s, the loss (which must be zero), arrival-to-commit latency and memory.
            With --publish and --stream: the simulator in a child process and --rounds pairs of recordings of \
            --seconds each, without and with publishing to the stream, in alternating order; reports the \
            process CPU per recorded frame (the publisher's drain included), the medians of both and their \
            overhead, whose goal is at most 10 % at 10,000 msgs/s.
            Example: ticktape bench record --seconds 2 --symbols 4 --rate 2000 --json
            """
    )

    @Option(help: "How long to record.") var seconds: Double = 120
    @Option(help: "Simulated markets, each with ticker, trade and orderbook.") var symbols = 100
    @Option(help: "Messages/s the simulator produces.") var rate: Double = 20_000
    @Option(help: "Seed of the simulated market.") var seed: UInt64 = 1
    @Option(help: "Durability level.") var sync = SyncMode.normal
    @OptionGroup var output: BenchOutputOptions
    @OptionGroup var cluster: PublishOptions
    @Option(help: "With --publish: pairs of runs (without and with publishing, alternating order).") var rounds = 3

    func validate() throws {
        guard seconds > 0, symbols > 0, rate > 0 else { throw ValidationError("--seconds, --symbols, --rate > 0") }
    }

    func run() async throws {
        if let publishing = try cluster.configuration() {
            let bench = RecordPublishBench(
                seconds: seconds,
                symbols: symbols,
                rate: rate,
                publishing: publishing,
                drainNanos: UInt64(cluster.publishDrain.nanoseconds),
                rounds: rounds
            )
            let result = try await bench.run()
            if output.json {
                Console.out((try? JSONOutput.encode(result)) ?? "{}")
            } else {
                let run = { (r: RecordPublishBench.Run) in
                    "\(r.frames) frames in \(Format.fixed(r.seconds, 1)) s, CPU \(Format.fixed(r.cpuSeconds, 2)) s, "
                        + "\(Int(r.cpuNsPerFrame)) ns/frame"
                }
                Console.out(
                    "record --publish: \(Int(rate)) msgs/s, \(symbols) markets, \(Format.fixed(seconds, 1)) s each"
                )
                Console.out("  without publish (median of \(result.baselineNsPerFrame.count)): \(run(result.baseline))")
                Console.out("  with publish (median of \(result.publishNsPerFrame.count)):    \(run(result.publish))")
                Console.out(
                    "  overhead \(Format.fixed(result.overhead * 100, 1)) % of the recorder's CPU per frame "
                        + (result.withinGoal ? "(goal ≤ 10 % met)" : "(goal ≤ 10 % NOT met)")
                        + "; \(result.acked) units acked, \(result.resent) resent, \(result.unacked) not acked"
                )
                Console.out("  the publisher thread itself: \(Int(result.publisherThreadNsPerFrame)) ns/frame")
            }
            Console.flush()
            return
        }
        let bench = RecordBench(
            seconds: seconds,
            symbols: symbols,
            rate: rate,
            seed: seed,
            sync: sync.level,
            toolVersion: ticktapeVersion
        )
        let result = try await benchmark { try await bench.run() }
        if output.json {
            Console.out((try? JSONOutput.encode(result)) ?? "{}")
        } else {
            printText(result)
        }
        Console.flush()
    }

    private func printText(_ r: RecordBench.Result) {
        let ms = { (value: Double) in Format.fixed(value, 1) + " ms" }
        Console.out(
            "record: simulate → record over loopback, \(r.symbols) markets × \(r.types.joined(separator: "/")), "
                + "\(Int(r.rate)) msgs/s for \(Format.fixed(r.durationSeconds, 1)) s"
        )
        Console.out(
            "  recorded \(r.recorded) data frames in \(r.epochs) epoch(s): \(Int(r.framesPerSecond)) frames/s"
                + (r.sustained ? " (sustained)" : " (NOT sustained at this rate)")
        )
        Console.out(
            "  truth: \(r.sent) frames sent on \(r.connections) connection(s), \(r.lost) lost, \(r.extra) extra, "
                + (r.digestsMatch ? "digests match" : "DIGESTS DIFFER") + (r.zeroLoss ? " — zero loss" : "")
        )
        Console.out(
            "  arrival → commit latency: p50 \(ms(r.commitLatencyP50Ms)), p99 \(ms(r.commitLatencyP99Ms)), "
                + "max \(ms(r.commitLatencyMaxMs)) over \(r.commits) commits"
        )
        Console.out(
            "  tape \(r.tapeBytes / 1_048_576) MiB for \(r.rawBytes / 1_048_576) MiB of payload; "
                + "RSS \(r.rssStartKb / 1024) MiB at start, \(r.rssEndKb / 1024) MiB at end, "
                + "peak \(r.rssPeakKb / 1024) MiB"
        )
    }
}
