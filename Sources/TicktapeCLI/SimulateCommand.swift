import ArgumentParser
import Dispatch
import Foundation
import Replay
import Simulator
import Wire

/// `ticktape simulate`: an Upbit-like exchange on loopback. Parses, then runs
/// ``ExchangeSimulator`` until SIGINT/SIGTERM or `--duration`.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run an Upbit-like exchange on loopback with deterministic synthetic markets.",
        discussion: """
            Speaks Upbit's WebSocket protocol on /websocket/v1 (and /websocket/v1/private) with Upbit's limits:
            5 connects/s per IP (HTTP 429), 5 messages/s and 100/min per connection, 120 s idle timeout.
            The first stdout line is `listening on ws://HOST:PORT/websocket/v1`. GET /status answers JSON,
            with every 429 sent counted under too_many_requests.
            The same port answers Upbit's REST quotation endpoints (GET /v1/market/all, /v1/ticker,
            /v1/orderbook, /v1/trades/ticks) from the simulated markets, 10 requests/s per group per IP (then
            429), on one budget with the WebSocket upgrades.
            --chaos takes the vocabulary of `ticktape chaos` (cut, blackhole, gap, drop, dup, reorder, delay,
            stale-snapshot) plus two server-only faults: auth-expire every:D (private connections are ended as an
            expired token ends them) and private-outage for:D[,every:T][,at:T] (the private endpoint refuses
            upgrades with 503). --private-keys ACCESS:SECRET verifies each private upgrade's JWT (HS256 or HS512
            signature, the access key, a nonce never used before): a bad one gets HTTP 401 with Upbit's
            INVALID_AUTH error; the markets then also produce myOrder and myAsset.
            --truth writes one JSON line per frame sent (connection, index, SHA-256).
            Example: ticktape simulate --port 9000 --symbols 100 --rate 5000 --seed 7 \\
                       --chaos 'cut every:20s; dup 0.01' --truth truth.jsonl
            """
    )

    @Option(help: "Address to bind (127.0.0.1 unless asked otherwise).") var host = "127.0.0.1"
    @Option(help: "Port to bind; 0 picks a free one.") var port = 0
    @Option(help: "Number of markets (KRW-BTC, KRW-ETH, …).") var symbols = 10
    @Option(help: "Messages per second, all markets and types together.") var rate: Double = 1_000
    @Option(help: "Seed of the synthetic data and of every chaos choice.") var seed: UInt64 = 1
    @Option(help: "Server-side faults, e.g. 'cut every:20s; dup 0.01; reorder 5'.") var chaos: String?
    @Option(help: "Write what was sent to FILE (JSONL).") var truth: String?
    @Option(help: "ACCESS:SECRET: verify the JWT of every private connection against this key pair.")
    var privateKeys: String?
    @Option(help: "Stop after this long, e.g. 30s (default: until SIGINT/SIGTERM).") var duration: DurationArgument?
    @Option(help: "Bytes that may wait for one client (market data, snapshots, replies); past it close 1008.")
    var clientBuffer = "8MiB"
    @Option(help: "Close a client whose socket stays unwritable this long (1008), e.g. 10s.")
    var unwritableTimeout = DurationArgument(nanoseconds: 10_000_000_000)

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
        guard (1...10_000).contains(symbols) else {
            throw ValidationError("--symbols must be 1…10000, got \(symbols)")
        }
        guard rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be > 0 and ≤ 1000000") }
        guard ServeCommand.byteCount(clientBuffer) != nil else {
            throw ValidationError("--client-buffer must be 1 byte to 64MiB, e.g. 8MiB, got '\(clientBuffer)'")
        }
        guard unwritableTimeout.nanoseconds > 0 else { throw ValidationError("--unwritable-timeout must be positive") }
        _ = try self.chaosSpec()
        _ = try self.keyPair()
    }

    /// The `--private-keys` pair, split at the first colon; both halves must be non-empty.
    private func keyPair() throws -> (access: String, secret: String)? {
        guard let privateKeys else { return nil }
        guard let colon = privateKeys.firstIndex(of: ":"), colon != privateKeys.startIndex,
            privateKeys.index(after: colon) != privateKeys.endIndex
        else { throw ValidationError("--private-keys must be ACCESS:SECRET, both non-empty") }
        return (String(privateKeys[..<colon]), String(privateKeys[privateKeys.index(after: colon)...]))
    }

    private func chaosSpec() throws -> ChaosSpec {
        guard let chaos else { return ChaosSpec() }
        do {
            return try ChaosSpec.parse(chaos)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        var options = ExchangeSimulator.Options()
        options.host = host
        options.port = port
        options.market.seed = seed
        options.market.symbols = symbols
        options.market.rate = rate
        options.market.chaos = try self.chaosSpec()
        options.truthPath = truth
        if let keys = try self.keyPair() {
            options.tokens = UpbitTokenVerifier(accessKey: keys.access, secretKey: keys.secret)
            options.market.types += ["myOrder", "myAsset"]
        }
        options.handler.byteBudget = ServeCommand.byteCount(clientBuffer) ?? options.handler.byteBudget
        options.unwritableTimeout = .nanoseconds(unwritableTimeout.nanoseconds)
        let simulator: ExchangeSimulator
        do {
            simulator = try await ExchangeSimulator.bind(options: options)
        } catch let error as ExchangeTruthLogError {
            throw CLIError(.runtime, error.description)
        } catch {
            throw CLIError(.runtime, "cannot listen on \(host):\(port): \(error)")
        }
        let stop = SignalTrap()  // before the first line: a signal from then on ends the run cleanly
        Console.out("listening on \(simulator.url)")
        Console.flush()

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await simulator.run() }
                group.addTask { await stop.wait() }
                if let duration {
                    group.addTask { try await Task.sleep(nanoseconds: UInt64(duration.nanoseconds)) }
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            throw CLIError(.runtime, "simulate: \(error)")
        }
        Console.out(
            "simulate: \(simulator.counters.totalConnections) connections, \(simulator.counters.framesSent) frames sent, "
                + "\(simulator.market.produced) messages produced, epoch \(simulator.market.epoch)"
                + (stop.caught.map { ", stopped by \(signalName($0))" } ?? "")
        )
        Console.flush()
    }
}
