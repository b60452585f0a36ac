import Simulator
import TapeLog
import Upbit

/// A clean recording made from the synthetic feed: connect, the subscription, one SNAPSHOT per
/// stream key, then REALTIME messages at a steady rate, and a clean session end. The input of
/// the check and serve benchmarks (and of `ticktape _synth`, for fixtures).
public enum SyntheticTape {
    /// Writes `seconds` × `rate` generated messages of `symbols` markets (after one SNAPSHOT per
    /// stream key) to a new tape at `path`; returns the inbound frames written. The event clock
    /// advances 1–4 ms per message unless `eventClockFollowsRate`, then it follows `rate` as a
    /// busy real feed's does.
    public static func write(
        path: String,
        seconds: Double,
        rate: Double,
        symbols: Int,
        seed: UInt64,
        format: UpbitFormat.Format,
        eventClockFollowsRate: Bool = false,
        toolVersion: String
    ) throws -> Int {
        let markets = SyntheticFeed.markets(count: symbols)
        var feed = SyntheticFeed(seed: seed, markets: markets, format: format)
        if eventClockFollowsRate { feed.messagesPerSecond = rate }
        let request = UpbitSubscription.publicStreams(
            of: markets,
            ticket: "ticktape-synth",
            format: format == .simple ? .simple : .default
        )
        let subscription = String(decoding: request.serialized(), as: UTF8.self)
        let started: Int64 = 1_730_336_862_000_000_000
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(
                toolVersion: toolVersion,
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
