import ArgumentParser
import Bench

/// `ticktape bench serve`: a generated tape served over loopback WebSocket to several clients,
/// paced and unpaced, against the same replay drained in-process (``ServeBench``).
struct BenchServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Measure a tape served over loopback WebSocket against the same replay to in-process listeners.",
        discussion: """
            Four clients subscribe to every stream. Paced: a tape recorded at 1000 msg/s served at 10×, the wall \
            time against the recorded span over 10. Max: --frames served unpaced, frames/s per client and in \
            total, against in-process listeners draining the same replay.
            Example: ticktape bench serve --frames 2000 --markets 4
            """
    )

    @OptionGroup var feed: GeneratedFeedOptions
    @OptionGroup var output: BenchOutputOptions

    func run() async throws {
        let bench = ServeBench(
            frames: feed.frames,
            markets: feed.markets,
            seed: feed.seed,
            clients: 4,
            toolVersion: ticktapeVersion
        )
        let result = try await benchmark { try await bench.run() }
        try output.print(result, text: printText)
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
