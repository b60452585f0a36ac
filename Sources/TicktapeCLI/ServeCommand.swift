import ArgumentParser
import Dispatch
import Foundation
import TapeLog
import Wire

/// `ticktape serve`: a tape replayed over WebSocket as Upbit would send it.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a tape over WebSocket as Upbit would, on one replay clock, to unmodified clients.",
        discussion: """
            The replay clock starts with the first client and runs at --speed times the recorded pace;
            clients connecting later join at the current position. GET /status on the same port
            returns the position as JSON; GET /v1/market/all, /v1/ticker, /v1/orderbook and /v1/trades/ticks
            answer as Upbit's REST API would, from the state at the replay position (10 requests/s per
            group, then HTTP 429). Runs until SIGINT or SIGTERM.
            Then point a client at ws://127.0.0.1:9001/websocket/v1. --sent-log writes one JSON line per
            message sent to each client (its tape frame and idempotency key), plus connects, requests and
            closes, for check --deliveries --sent-log.
            Example: ticktape serve session.tape --port 9001 --speed 10 --loop --replay-disconnects
                     ticktape serve session.tape --port 9001 --speed max --replay-disconnects --sent-log sent.jsonl
            """
    )

    @Argument(help: "The tape file.") var tape: String
    @Option(help: "Address to bind; loopback unless another is given explicitly.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0 picks a free one).") var port = 9001
    @Option(help: "Pace relative to the recording: a factor (1, 10, 0.5) or max.") var speed = "1"
    @Flag(help: "Restart from the beginning at the end of the tape.") var loop = false
    @Flag(help: "Close every client at each recorded epoch boundary.") var replayDisconnects = false
    @Option(help: "Most simultaneous WebSocket clients; more get HTTP 503.") var maxClients = 256
    @Option(help: "Largest client message: bytes, or with KiB/MiB (larger gets close 1009).")
    var maxMessage = "64KiB"
    @Option(help: "Bytes that may wait for one client (market data, snapshots, replies); past it close 1008.")
    var clientBuffer = "8MiB"
    @Option(help: "Close a client whose socket stays unwritable this long (1008), e.g. 10s; max speed then goes on.")
    var unwritableTimeout = DurationArgument(nanoseconds: 10_000_000_000)
    @Option(help: "Write what each client was sent to FILE (JSONL: tape frame and key per message).")
    var sentLog: String?

    func validate() throws {
        guard ServeSpeed(speed) != nil else {
            throw ValidationError("--speed must be a positive number or max, got '\(speed)'")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
        guard maxClients > 0 else { throw ValidationError("--max-clients must be positive") }
        guard Self.byteCount(maxMessage) != nil else {
            throw ValidationError("--max-message must be 1 byte to 64MiB, e.g. 65536 or 64KiB, got '\(maxMessage)'")
        }
        guard Self.byteCount(clientBuffer) != nil else {
            throw ValidationError("--client-buffer must be 1 byte to 64MiB, e.g. 8MiB, got '\(clientBuffer)'")
        }
        guard unwritableTimeout.nanoseconds > 0 else { throw ValidationError("--unwritable-timeout must be positive") }
    }

    func run() async throws {
        var options = TapeMarketOptions()
        options.startOnFirstSubscription = true
        options.speed = ServeSpeed(speed) ?? .factor(1)
        options.loop = loop
        options.replayDisconnects = replayDisconnects
        // The tape is opened (and refused, exit 2) before anything is bound.
        let market = try cli { try TapeMarket(path: tape, options: options) }
        defer { market.stop() }

        var configuration = WebSocketServerConfiguration()
        configuration.httpResponder = QuotationResponder(source: market)
        configuration.host = host
        configuration.port = port
        configuration.maxClients = maxClients
        configuration.maxMessageSize = Self.byteCount(maxMessage) ?? 1 << 16
        configuration.unwritableTimeout = .nanoseconds(unwritableTimeout.nanoseconds)
        let serverCounters = configuration.counters
        let exchangeCounters = ExchangeCounters()
        var handlerOptions = UpbitExchangeHandler.Options()
        handlerOptions.byteBudget = Self.byteCount(clientBuffer) ?? handlerOptions.byteBudget
        let sent: SentLogWriter?
        do {
            sent = try sentLog.map { (path) throws(SentLogError) in try SentLogWriter(path: path) }
        } catch {
            throw CLIError(.runtime, error.description)
        }
        defer { sent?.close() }
        sent?.attach(to: &handlerOptions)
        let clients = ConnectionCounter()
        let path = self.tape
        let server: WebSocketServer
        do {
            server = try await WebSocketServer.bind(
                configuration: configuration,
                status: {
                    serveStatusReply(
                        market: market,
                        clients: clients,
                        tape: path,
                        exchange: exchangeCounters,
                        server: serverCounters
                    )
                }
            )
        } catch {
            throw CLIError(.runtime, "cannot listen on \(host):\(port): \(error)")
        }
        let signals = SignalTrap()  // before the first line: a signal from then on exits 0
        let shownHost = host.contains(":") ? "[\(host)]" : host
        Console.out("serving \(tape) on ws://\(shownHost):\(server.port)/websocket/v1")
        Console.flush()

        let handler = clients.counting(
            makeServeHandler(source: market, options: handlerOptions, counters: exchangeCounters)
        )
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run(handler: handler) }
                group.addTask { await signals.wait() }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            throw CLIError(.runtime, "serve failed: \(error)")
        }
        let status = market.status
        let signal = signals.caught.map { ", by \(signalName($0))" } ?? ""
        Console.out("stopped: \(status.framesSent) frames sent, pass \(status.pass), epoch \(status.epoch)\(signal)")
        Console.flush()
    }

    /// `65536`, `64KiB`, `1MiB` (also `B`, `KB`/`MB` as powers of 1000) → bytes, within 1…64 MiB.
    static func byteCount(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("KB", 1_000), ("MB", 1_000_000), ("B", 1)]
        var scale = 1
        var digits = Substring(text)
        for (suffix, value) in units where text.hasSuffix(suffix) {
            scale = value
            digits = digits.dropLast(suffix.count)
            break
        }
        guard let count = Int(digits), count > 0, count <= (64 << 20) / scale else { return nil }
        return count * scale
    }
}
