import ArgumentParser
import Foundation
import Simulator
import TapeLog
import Upbit

/// `ticktape bench`: throughput figures, each against a baseline measured in the same run.
/// Benchmarks are never tests: they report, they do not assert.
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
    @Option(help: "Durability level: normal or full.") var sync = "normal"
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
        guard SyncLevel(rawValue: sync) != nil else { throw ValidationError("--sync must be normal or full") }
    }

    func run() async throws {
        if what == "record" {
            let sync = SyncLevel(rawValue: sync) ?? .normal
            let bench = RecordBench(seconds: seconds, symbols: symbols, rate: rate, seed: seed, sync: sync, json: json)
            return try await bench.run()
        }
        if what == "serve" {
            return try await ServeBench(frames: frames, markets: markets, seed: seed, clients: 4, json: json).run()
        }
        if what == "check" {
            let bench = CheckBench(frames: frames, markets: markets, seed: seed, json: json, repetitions: repetitions)
            return try bench.run()
        }
        var feed = SyntheticFeed(seed: seed, markets: SyntheticFeed.markets(count: markets))
        let payloads = (0..<frames).map { _ in feed.next().bytes }
        var options = WriterOptions()
        options.sync = SyncLevel(rawValue: sync) ?? .normal
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
                profile: UpbitProfile(),
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
                        opcode: FrameOpcode.binary,
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
