import ArgumentParser
import Bench
import Foundation
import Simulator
import TapeLog
import Upbit

/// Hidden: writes a clean one-epoch tape of generated Upbit frames, as a recording of the
/// simulator would be, without a network. Used to make fixtures and benchmark inputs.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_synth",
        abstract: "Write a clean tape of generated Upbit frames (fixtures, benchmarks).",
        shouldDisplay: false
    )

    @Option(help: "The tape to create.") var out: String
    @Option(help: "Session length.") var seconds: Double = 60
    @Option(help: "Messages per second.") var rate: Double = 100
    @Option(help: "Markets.") var symbols = 4
    @Option(help: "Seed of the feed.") var seed: UInt64 = 1
    @Option(help: "Message format.") var format = MessageFormat.default
    @Flag(help: "Event times follow --rate (a busy real feed) instead of 1-4 ms per message.")
    var eventClockFollowsRate = false

    func validate() throws {
        guard seconds > 0, rate > 0, symbols > 0 else {
            throw ValidationError("--seconds, --rate and --symbols must be positive")
        }
    }

    func run() throws {
        let frames = try cli {
            try SyntheticTape.write(
                path: out,
                seconds: seconds,
                rate: rate,
                symbols: symbols,
                seed: seed,
                format: format.payloads,
                eventClockFollowsRate: eventClockFollowsRate,
                toolVersion: ticktapeVersion
            )
        }
        Console.out("wrote \(frames) frames to \(out)")
        Console.flush()
    }
}
