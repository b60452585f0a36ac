import ArgumentParser
import Bench
import Foundation
import TapeLog
import Upbit

/// `ticktape bench`: throughput figures, each against a baseline measured in the same run
/// (SPEC §13). Benchmarks are never tests: they report, they do not assert.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure write, check, record or serve throughput against a baseline measured in the same run.",
        discussion: """
            Build in release first for meaningful figures: swift build -c release, then .build/release/ticktape.
            Example: ticktape bench check --frames 20000 --json
            Example: ticktape bench record --seconds 2 --symbols 4 --rate 2000
            """
    )

    @Argument(help: "What to measure: write, check, record or serve.") var what: String
    @Option(help: "Frames to generate.") var frames = 300_000
    @Option(help: "Markets in the generated feed.") var markets = 100
    @Option(help: "Seed of the generated feed.") var seed: UInt64 = 1
    @Option(help: "Durability level.") var sync = SyncMode.normal
    @Option(help: "Repetitions (full path, then baseline, each time); figures are medians.") var repetitions = 3
    @Flag(help: "Keep the tape and the baseline file (their paths are printed).") var keep = false
    @Flag(help: "Print JSON instead of text.") var json = false
    @Option(help: "record: how long to record.") var seconds: Double = 120
    @Option(help: "record: simulated markets, each with ticker, trade and orderbook.") var symbols = 100
    @Option(help: "record: messages/s the simulator produces.") var rate: Double = 20_000

    func validate() throws {
        guard ["write", "check", "record", "serve"].contains(what) else {
            throw ValidationError("unknown benchmark '\(what)' (write, check, record, serve)")
        }
        guard seconds > 0, symbols > 0, rate > 0 else { throw ValidationError("--seconds, --symbols, --rate > 0") }
        guard frames > 0 else { throw ValidationError("--frames must be positive") }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() async throws {
        if what == "record" {
            let bench = RecordBench(
                seconds: seconds,
                symbols: symbols,
                rate: rate,
                seed: seed,
                sync: sync.level,
                toolVersion: ticktapeVersion
            )
            let result = try await benchmark { try await bench.run() }
            if json {
                Console.out((try? JSONOutput.encode(result)) ?? "{}")
            } else {
                printText(result)
            }
            return Console.flush()
        }
        if what == "serve" {
            let bench = ServeBench(
                frames: frames,
                markets: markets,
                seed: seed,
                clients: 4,
                toolVersion: ticktapeVersion
            )
            let result = try await benchmark { try await bench.run() }
            if json {
                Console.out(try cli { try JSONOutput.encode(result) })
            } else {
                printText(result)
            }
            return Console.flush()
        }
        if what == "check" {
            let bench = CheckBench(
                frames: frames,
                markets: markets,
                seed: seed,
                repetitions: repetitions,
                toolVersion: ticktapeVersion
            )
            let result = try await benchmark { try bench.run() }
            if json {
                Console.out(try cli { try JSONOutput.encode(result) })
            } else {
                printText(result)
            }
            return Console.flush()
        }
        var feed = SyntheticFeed(seed: seed, markets: SyntheticFeed.markets(count: markets))
        let payloads = (0..<frames).map { _ in feed.next().bytes }
        var options = WriterOptions()
        options.sync = sync.level
        let result = try cli {
            try WriteBench.run(
                payloads: payloads,
                directory: FileManager.default.temporaryDirectory.path,
                options: options,
                repetitions: repetitions,
                keep: keep
            )
        }
        if json {
            Console.out(try cli { try JSONOutput.encode(result) })
        } else {
            printText(result)
        }
        Console.flush()
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

    private func printText(_ r: ServeBench.Result) {
        let p = r.paced
        let m = r.max
        Console.out("serve: \(r.clients) WebSocket clients on loopback, \(r.markets) markets × ticker/trade/orderbook")
        Console.out(
            "  paced \(Format.fixed(p.speed, 0))×: \(p.frames) frames recorded over \(Format.fixed(p.recordedSeconds, 2)) s "
                + "→ expected \(Format.fixed(p.expectedSeconds, 3)) s, took \(Format.fixed(p.wallSeconds, 3)) s "
                + "(ratio \(Format.fixed(p.ratio, 3))); fewest received \(p.minimumReceived)"
        )
        let rates = m.framesPerSecondPerClient.map { String(Int($0)) }.joined(separator: ", ")
        Console.out(
            "  max: \(m.frames) frames in \(Format.fixed(m.wallSeconds, 3)) s; per client \(rates) frames/s; "
                + "total \(Int(m.totalFramesPerSecond)) frames/s; fewest received \(m.minimumReceived)"
        )
        Console.out(
            "  baseline, the same replay to in-process listeners: \(Int(m.inProcessFramesPerSecond)) frames/s "
                + "(slowest client / baseline \(Format.fixed(m.ratio, 2)))"
        )
    }
}

/// Hidden: writes generated frames to a tape until killed, reporting what is committed, so a
/// test can SIGKILL it at random points and check what survives.
struct CrashWriterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_crash-writer",
        abstract: "Test helper: write until killed.",
        shouldDisplay: false
    )

    @Argument var tape: String
    @Option var seed: UInt64 = 1
    @Option var commitMs: Int64 = 50
    @Option var framesPerEpoch = 3000

    func run() throws {
        var options = WriterOptions()
        options.commitMs = commitMs
        let writer = try cli {
            try TapeWriter(
                path: tape,
                session: SessionInfo(toolVersion: ticktapeVersion, url: "test://crash", startedNs: 0),
                options: options
            )
        }
        var feed = SyntheticFeed(seed: seed, markets: SyntheticFeed.markets(count: 10))
        var stamper = Stamper()
        var appended = 0
        var reported: Int64 = -1
        let start = DispatchTime.now().uptimeNanoseconds
        while true {
            let mono = Int64(DispatchTime.now().uptimeNanoseconds - start)
            if stamper.epoch == 0 || stamper.seq >= UInt64(framesPerEpoch) {
                if stamper.epoch > 0 {
                    try cli {
                        try writer.record(stamper.event(.disconnect, wallNs: mono, monoNs: mono, closeCode: 1006))
                    }
                }
                try cli { try writer.record(stamper.connect(wallNs: mono, monoNs: mono)) }
            }
            try cli {
                try writer.append(
                    stamper.frame(
                        .inbound,
                        opcode: Opcode.binary,
                        wallNs: mono,
                        monoNs: mono,
                        payload: feed.next().bytes
                    )
                )
            }
            appended += 1
            if appended % 200 == 0 {
                let committed = writer.stats.framesCommitted
                if committed != reported {
                    reported = committed
                    // Written straight to the pipe: the parent reads it after the kill.
                    let line = "committed \(committed) appended \(appended)\n"
                    _ = line.withCString { write(1, $0, strlen($0)) }
                }
                usleep(1000)
            }
        }
    }
}
