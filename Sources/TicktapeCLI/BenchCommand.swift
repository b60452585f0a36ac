import ArgumentParser
import Foundation
import TapeLog
import Upbit

/// `ticktape bench`: throughput figures, each against a baseline measured in the same run
/// (SPEC §13). Benchmarks are never tests: they report, they do not assert.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure write or check throughput against a baseline measured in the same run.",
        discussion: """
            Build in release first for meaningful figures: swift build -c release, then .build/release/ticktape.
            Example: ticktape bench check --frames 20000 --json
            """
    )

    @Argument(help: "What to measure: write or check.") var what: String
    @Option(help: "Frames to generate.") var frames = 300_000
    @Option(help: "Markets in the generated feed.") var markets = 100
    @Option(help: "Seed of the generated feed.") var seed: UInt64 = 1
    @Option(help: "Durability level: normal or full.") var sync = "normal"
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        guard ["write", "check", "serve"].contains(what) else {
            throw ValidationError("unknown benchmark '\(what)' (write, check, serve)")
        }
        guard frames > 0 else { throw ValidationError("--frames must be positive") }
        guard SyncLevel(rawValue: sync) != nil else { throw ValidationError("--sync must be normal or full") }
    }

    func run() async throws {
        if what == "serve" {
            return try await ServeBench(frames: frames, markets: markets, seed: seed, clients: 4, json: json).run()
        }
        if what == "check" { return try CheckBench(frames: frames, markets: markets, seed: seed, json: json).run() }
        var feed = SyntheticFeed(seed: seed, markets: SyntheticFeed.markets(count: markets))
        let payloads = (0..<frames).map { _ in feed.next().bytes }
        var options = WriterOptions()
        options.sync = SyncLevel(rawValue: sync) ?? .normal
        let result = try cli {
            try WriteBench.run(
                payloads: payloads,
                directory: FileManager.default.temporaryDirectory.path,
                options: options
            )
        }
        if json {
            Console.out(try cli { try JSONOutput.encode(result) })
        } else {
            Console.out(
                "write: \(result.frames) generated DEFAULT frames (\(result.rawPayloadBytes / Int64(result.frames)) B avg)"
            )
            Console.out("  full path (stamp, extract, compress, insert): \(Int(result.fullFramesPerSecond)) frames/s")
            Console.out(
                "  plain prepared INSERT of the raw frames:      \(Int(result.baselineFramesPerSecond)) frames/s"
            )
            Console.out(
                "  ratio \(Format.fixed(result.ratio, 2)); stored payload \(Format.fixed(result.storedPayloadFraction * 100, 1)) % of raw, whole file \(Format.fixed(result.fileFraction * 100, 1)) % (baseline file \(Format.fixed(result.baselineFileFraction * 100, 1)) %)"
            )
        }
        Console.flush()
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
