import ArgumentParser
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
    @Option(help: "DEFAULT or SIMPLE.") var format = "DEFAULT"
    @Flag(help: "Event times follow --rate (a busy real feed) instead of 1-4 ms per message.")
    var eventClockFollowsRate = false

    func validate() throws {
        guard seconds > 0, rate > 0, symbols > 0 else {
            throw ValidationError("--seconds, --rate and --symbols must be positive")
        }
        guard ["DEFAULT", "SIMPLE"].contains(format) else {
            throw ValidationError("--format must be DEFAULT or SIMPLE")
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
                format: format == "SIMPLE" ? .simple : .default,
                eventClockFollowsRate: eventClockFollowsRate
            )
        }
        Console.out("wrote \(frames) frames to \(out)")
        Console.flush()
    }
}

/// A clean recording made from the synthetic feed: connect, the subscription, one SNAPSHOT per
/// stream key, then REALTIME messages at a steady rate, and a clean session end.
enum SyntheticTape {
    static func write(
        path: String,
        seconds: Double,
        rate: Double,
        symbols: Int,
        seed: UInt64,
        format: UpbitFormat.Format,
        eventClockFollowsRate: Bool = false
    ) throws -> Int {
        let markets = SyntheticFeed.markets(count: symbols)
        var feed = SyntheticFeed(seed: seed, markets: markets, format: format)
        if eventClockFollowsRate { feed.messagesPerSecond = rate }
        let request = try UpbitSubscription.shorthand(
            "ticker,trade,orderbook:" + markets.joined(separator: ","),
            ticket: "ticktape-synth",
            format: format == .simple ? .simple : .default
        )
        let subscription = String(decoding: request.serialized(), as: UTF8.self)
        let started: Int64 = 1_730_336_862_000_000_000
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(
                toolVersion: ticktapeVersion,
                url: "synthetic://feed?seed=\(seed)",
                subscription: subscription,
                startedNs: started
            ),
            profile: UpbitProfile()
        )
        var stamper = Stamper()
        try writer.record(stamper.connect(wallNs: started, monoNs: 0))
        try writer.append(
            stamper.frame(
                .outbound,
                opcode: FrameOpcode.text,
                wallNs: started,
                monoNs: 0,
                payload: request.serialized()
            )
        )
        var frames = 0
        for type in ["ticker", "trade", "orderbook"] {
            for code in markets {
                guard let snapshot = feed.snapshot(type: type, code: code) else { continue }
                frames += 1
                let mono = Int64(frames) * 100_000
                try writer.append(
                    stamper.frame(
                        .inbound,
                        opcode: FrameOpcode.binary,
                        wallNs: started + mono,
                        monoNs: mono,
                        payload: snapshot
                    )
                )
            }
        }
        let step = 1e9 / rate
        let total = Int(seconds * rate)
        let offset = Int64(frames) * 100_000
        for i in 1...max(total, 1) {
            let mono = offset + Int64(Double(i) * step)
            try writer.append(
                stamper.frame(
                    .inbound,
                    opcode: FrameOpcode.binary,
                    wallNs: started + mono,
                    monoNs: mono,
                    payload: feed.next().bytes
                )
            )
            frames += 1
        }
        let end = offset + Int64(Double(total + 1) * step)
        try writer.record(stamper.event(.sessionEnd, wallNs: started + end, monoNs: end))
        try writer.close()
        return frames
    }
}
