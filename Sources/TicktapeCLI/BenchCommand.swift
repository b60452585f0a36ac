import ArgumentParser
import Foundation
import Simulator
import TapeLog
import Upbit

/// `ticktape bench`: throughput figures, each against a baseline measured in the same run.
/// Benchmarks are never tests: they report, they do not assert. A namespace: one
/// subcommand per benchmark, the measuring itself in the Bench target.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Measure write, check, verify, record or serve throughput against a baseline measured in the same run.",
        discussion: """
            Build in release first for meaningful figures: swift build -c release, then .build/release/ticktape.
            Example: ticktape bench check --frames 20000 --json
            Example: ticktape bench record --seconds 2 --symbols 4 --rate 2000
            """,
        subcommands: [
            BenchWriteCommand.self, BenchCheckCommand.self, BenchVerifyCommand.self, BenchRecordCommand.self,
            BenchServeCommand.self, BenchRelayCommand.self,
        ]
    )
}

/// What every benchmark prints.
struct BenchOutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text.") var json = false

    /// Prints `result` as JSON, or the lines `text` renders.
    func print<Result: Encodable>(_ result: Result, text: (Result) -> Void) throws {
        if json {
            Console.out(try cli { try JSONOutput.encode(result) })
        } else {
            text(result)
        }
        Console.flush()
    }
}

/// The generated feed the write, check, verify and serve benchmarks measure on.
struct GeneratedFeedOptions: ParsableArguments {
    @Option(help: "Frames to generate.") var frames = 300_000
    @Option(help: "Markets in the generated feed.") var markets = 100
    @Option(help: "Seed of the generated feed.") var seed: UInt64 = 1

    func validate() throws {
        guard frames > 0 else { throw ValidationError("--frames must be positive") }
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
                    // Written to the pipe at once: the parent reads it after the kill.
                    Console.out("committed \(committed) appended \(appended)")
                    Console.flush()
                }
                usleep(1000)
            }
        }
    }
}
