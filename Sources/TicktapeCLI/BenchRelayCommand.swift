import ArgumentParser
import Bench

/// `ticktape bench relay`: the simulator, a relay and its local clients in one process
/// (``RelayBench``): arrival → client write latency against a baseline, with and without a
/// stuck client; the tape against the truth; the relay rows' share; L1.
struct BenchRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Relay a simulated exchange to local clients and measure arrival-to-write latency.",
        discussion: """
            The simulator at --rate messages/s, a relay recording it, --clients local WebSocket clients reading \
            every stream, and a baseline client that gets the same frames written straight to it as they arrive. \
            Two phases of --seconds: every client healthy, then one of them stuck (it subscribes and never reads). \
            Reports the healthy clients' and the baseline's arrival → write latency in each phase (goal: healthy \
            p99 ≤ 2 ms and unchanged by the stuck client), the stuck client's drops and coalesces, the tape \
            against the simulator's truth (zero loss), the relay rows' share of the tape (goal ≤ 10 %) and L1.
            Example: ticktape bench relay --seconds 1 --symbols 2 --rate 500 --clients 2 --json
            """
    )

    @Option(help: "Length of each phase.") var seconds: Double = 10
    @Option(help: "Simulated markets, each with ticker, trade and orderbook.") var symbols = 20
    @Option(help: "Messages/s the simulator produces.") var rate: Double = 10_000
    @Option(help: "Local WebSocket clients (the last one is stuck in the second phase).") var clients = 8
    @Option(help: "Seed of the simulated market.") var seed: UInt64 = 1
    @Option(help: "The simulator's tick in ms: each tick's messages leave as one burst.") var tickMs: Double = 1
    @OptionGroup var output: BenchOutputOptions

    func validate() throws {
        guard seconds > 0, symbols > 0, rate > 0 else { throw ValidationError("--seconds, --symbols, --rate > 0") }
        guard tickMs >= 1 else { throw ValidationError("--tick-ms must be at least 1") }
        guard clients >= 2 else { throw ValidationError("--clients must be at least 2 (one of them gets stuck)") }
    }

    func run() async throws {
        var bench = RelayBench(
            seconds: seconds,
            symbols: symbols,
            rate: rate,
            clients: clients,
            seed: seed,
            toolVersion: ticktapeVersion
        )
        bench.tickNanos = Int64(tickMs * 1e6)
        let r = try await benchmark { try await bench.run() }
        if output.json {
            Console.out((try? JSONOutput.encode(r)) ?? "{}")
            Console.flush()
            return
        }
        let ms = { (value: Double) in Format.fixed(value, 3) + " ms" }
        Console.out(
            "relay: \(Int(r.rate)) msgs/s in \(Format.fixed(r.tickMs, 0)) ms ticks, \(r.symbols) markets, \(r.clients) clients, "
                + "\(Format.fixed(r.seconds, 1)) s per phase"
        )
        for phase in r.phases {
            Console.out(
                "  \(phase.stuckClient ? "one client stuck" : "all clients healthy"): healthy p50 \(ms(phase.healthy.p50Ms)), "
                    + "p99 \(ms(phase.healthy.p99Ms)) (worst client \(ms(phase.worstHealthyP99Ms))), "
                    + "max \(ms(phase.healthy.maxMs)); baseline p50 \(ms(phase.baseline.p50Ms)), p99 \(ms(phase.baseline.p99Ms)); "
                    + "arrival → rules (shared recording path) p50 \(ms(phase.intake.p50Ms)), p99 \(ms(phase.intake.p99Ms))"
            )
            if let dropped = phase.stuckDropped, let coalesced = phase.stuckCoalesced {
                Console.out(
                    "    stuck client: \(phase.stuckDelivered ?? 0) delivered, \(dropped) dropped, \(coalesced) coalesced"
                )
            }
        }
        Console.out(
            "  tape: \(r.recorded) of \(r.sent) frames sent, \(r.lost) lost, \(r.extra) extra"
                + (r.zeroLoss ? " — zero loss" : "") + "; relay rows \(r.relayBytes) of \(r.tapeBytes) bytes "
                + "(\(Format.fixed(r.relayShare * 100, 2)) %); L1 \(r.l1Holds ? "holds" : "FAILS") over \(r.checkpoints) checkpoints"
        )
        Console.flush()
    }
}
