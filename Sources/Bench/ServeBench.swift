import Foundation
import Primitives
import Simulator
import TapeLog
import Upbit
import Wire

/// `ticktape bench serve`: a synthetic tape served over loopback WebSocket, in-process (the
/// `serve` wiring: ``TapeMarket``, ``UpbitExchangeHandler``, ``WebSocketServer`` on 127.0.0.1:0)
/// to several real ``WebSocketClient`` clients subscribed to every stream. It reports figures
/// and never asserts them.
///
/// - paced: a tape recorded at 1000 messages/s (a busy Upbit feed) served at 10×: the wall time
///   until every client has the last frame against the recorded duration / speed (ratio 1.0 is
///   exact pacing; above it, serving fell behind).
/// - max: `--frames` served unpaced: frames/s delivered per client and in total, against the
///   same replay drained by in-process listeners (``TapeMarket/drainBenchmark(path:listeners:listenerCapacity:)``,
///   no network) as the baseline.
///
/// The replay clock starts once every client has subscribed, so each client gets every frame.
public struct ServeBench: Sendable {
    /// The paced run's figures.
    public struct Paced: Sendable, Encodable {
        /// The speed served at (× the recorded pace).
        public var speed: Double
        /// Frames in the paced tape.
        public var frames: Int
        /// The tape's recorded span, and that span over `speed`.
        public var recordedSeconds: Double
        public var expectedSeconds: Double
        /// From the replay's start until the last client had its last frame.
        public var wallSeconds: Double
        /// `wallSeconds / expectedSeconds`.
        public var ratio: Double
        /// Fewest frames a client received (equal to `frames` unless something was lost).
        public var minimumReceived: Int
    }

    /// The unpaced (`max`) run's figures.
    public struct Unpaced: Sendable, Encodable {
        /// Frames in the tape.
        public var frames: Int
        /// From the replay's start until the last client had its last frame.
        public var wallSeconds: Double
        /// Each client's frames over its own time to its last frame.
        public var framesPerSecondPerClient: [Double]
        /// Frames received by all clients over `wallSeconds`.
        public var totalFramesPerSecond: Double
        /// Fewest frames a client received.
        public var minimumReceived: Int
        /// Baseline: the same replay drained by in-process listeners, frames/s per listener.
        public var inProcessFramesPerSecond: Double
        /// Slowest client's frames/s over the baseline.
        public var ratio: Double
    }

    /// Figures of one run.
    public struct Result: Sendable, Encodable {
        /// WebSocket clients (and in-process listeners of the baseline).
        public var clients: Int
        /// Markets in the generated feed.
        public var markets: Int
        /// Served at 10×.
        public var paced: Paced
        /// Served at `max`.
        public var max: Unpaced
    }

    /// Recorded pace of the generated tapes (messages/s).
    static let recordedRate = 1_000.0
    static let pacedSpeed = 10.0
    /// The paced tape is at most this long (20 s recorded, 2 s served at 10×).
    static let pacedFrames = 20_000

    /// Frames of the `max` tape (the paced one has at most 20,000).
    public var frames: Int
    /// Markets in the generated feed.
    public var markets: Int
    /// Seed of the generated feed.
    public var seed: UInt64
    /// WebSocket clients, each subscribed to every stream.
    public var clients: Int
    /// Written into the generated tapes' session rows.
    public var toolVersion: String

    /// A run over tapes of `frames` generated frames of `markets` markets, to `clients` clients.
    public init(frames: Int, markets: Int, seed: UInt64, clients: Int, toolVersion: String) {
        self.frames = frames
        self.markets = markets
        self.seed = seed
        self.clients = clients
        self.toolVersion = toolVersion
    }

    /// Writes both tapes in a temporary directory, serves each, runs the baseline, removes the
    /// tapes. Throws ``TapeError`` for the tapes' failures and ``BenchError`` for failures to
    /// write them; the network's own errors as they are.
    public func run() async throws -> Result {
        let dir = FileManager.default.temporaryDirectory.path + "/bench-serve-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pacedTape = dir + "/paced.tape"
        let maxTape = dir + "/max.tape"
        let pacedCount = try self.write(pacedTape, frames: Swift.min(frames, Self.pacedFrames))
        let maxCount = try self.write(maxTape, frames: frames)
        let recordedNs = try Self.recordedSpan(pacedTape)

        let paced = try await ServeBenchRun.run(
            tape: pacedTape,
            speed: .factor(Self.pacedSpeed),
            clients: clients,
            markets: markets,
            expected: pacedCount
        )
        let unpaced = try await ServeBenchRun.run(
            tape: maxTape,
            speed: .max,
            clients: clients,
            markets: markets,
            expected: maxCount
        )
        let baseline = try await TapeMarket.drainBenchmark(path: maxTape, listeners: clients)
        let recordedSeconds = Double(recordedNs) / 1e9
        let expectedSeconds = recordedSeconds / Self.pacedSpeed
        let perClient = zip(unpaced.received, unpaced.clientSeconds).map { $1 > 0 ? Double($0) / $1 : 0 }
        let slowest = perClient.min() ?? 0
        return Result(
            clients: clients,
            markets: markets,
            paced: Paced(
                speed: Self.pacedSpeed,
                frames: pacedCount,
                recordedSeconds: recordedSeconds,
                expectedSeconds: expectedSeconds,
                wallSeconds: paced.wallSeconds,
                ratio: expectedSeconds > 0 ? paced.wallSeconds / expectedSeconds : 0,
                minimumReceived: paced.received.min() ?? 0
            ),
            max: Unpaced(
                frames: maxCount,
                wallSeconds: unpaced.wallSeconds,
                framesPerSecondPerClient: perClient,
                totalFramesPerSecond: unpaced.wallSeconds > 0
                    ? Double(unpaced.received.reduce(0, +)) / unpaced.wallSeconds : 0,
                minimumReceived: unpaced.received.min() ?? 0,
                inProcessFramesPerSecond: baseline.framesPerSecond,
                ratio: baseline.framesPerSecond > 0 ? slowest / baseline.framesPerSecond : 0
            )
        )
    }

    private func write(_ path: String, frames: Int) throws -> Int {
        try BenchError.wrapping {
            try SyntheticTape.write(
                path: path,
                seconds: Double(frames) / Self.recordedRate,
                rate: Self.recordedRate,
                symbols: markets,
                seed: seed,
                format: .default,
                toolVersion: toolVersion
            )
        }
    }

    /// Recorded time from the tape's first entry to its last frame (what a pass paces over).
    private static func recordedSpan(_ path: String) throws(TapeError) -> Int64 {
        let cursor = try TapeReader(path: path).arrivals(payloads: false)
        var first: Int64?
        var last: Int64 = 0
        while let entry = try cursor.next() {
            switch entry {
            case .event(let event): first = first ?? event.monoNs
            case .frame(let frame):
                first = first ?? frame.record.monoNs
                last = frame.record.monoNs
            }
        }
        return last - (first ?? last)
    }
}

/// One served run of ``ServeBench``: the serve wiring on 127.0.0.1:0 and `clients` WebSocket
/// clients subscribed to every stream, each reading until it has `expected` frames (or its
/// connection ends, or `timeout` passes).
enum ServeBenchRun {
    struct Outcome {
        /// From the replay's start until the last client had its last frame.
        var wallSeconds: Double
        /// From the replay's start until each client had its last frame (or gave up).
        var clientSeconds: [Double]
        var received: [Int]
    }

    static func run(
        tape: String,
        speed: ServeSpeed,
        clients: Int,
        markets: Int,
        expected: Int
    ) async throws -> Outcome {
        var options = TapeMarketOptions()
        options.speed = speed
        options.startOnFirstSubscription = true
        let market = try TapeMarket(path: tape, options: options)
        defer { market.stop() }
        let gate = StartGate(market: market, subscriptions: clients)
        let server = try await WebSocketServer.bind(configuration: WebSocketServerConfiguration())
        let url = try WebSocketURL("ws://127.0.0.1:\(server.port)/websocket/v1")
        let codes = SyntheticFeed.markets(count: markets).map { "\"\($0)\"" }.joined(separator: ",")
        let types = ["ticker", "trade", "orderbook"].map {
            #"{"type":"\#($0)","codes":[\#(codes)],"isOnlyRealtime":true}"#
        }
        let request = #"[{"ticket":"bench"},\#(types.joined(separator: ","))]"#
        let timeout: Duration = .seconds(120)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run(handler: UpbitExchangeHandler(source: gate)) }
            defer { group.cancelAll() }
            let results = try await withThrowingTaskGroup(of: (Int, ContinuousClock.Instant).self) { readers in
                for _ in 0..<Swift.max(1, clients) {
                    readers.addTask { try await read(url, request, expected: expected, timeout: timeout) }
                }
                var results: [(Int, ContinuousClock.Instant)] = []
                for try await result in readers { results.append(result) }
                return results
            }
            let start = gate.startedAt ?? .now
            let seconds = results.map { Swift.max(0, Self.seconds($0.1 - start)) }
            return Outcome(wallSeconds: seconds.max() ?? 0, clientSeconds: seconds, received: results.map(\.0))
        }
    }

    /// Subscribes, then counts binary frames until `expected`, the end of the connection or the
    /// timeout; returns the count and when the last one arrived.
    private static func read(
        _ url: WebSocketURL,
        _ request: String,
        expected: Int,
        timeout: Duration
    ) async throws -> (Int, ContinuousClock.Instant) {
        let progress = ReadProgress()
        let connection = try await WebSocketClient.connect(url: url)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await connection.executeThenClose { inbound, writer in
                    try await writer.send(text: request)
                    for try await message in inbound where message.opcode == .binary {
                        if progress.count() == expected { break }
                    }
                }
            }
            group.addTask { try await Task.sleep(for: timeout) }
            try await group.next()
            group.cancelAll()
        }
        return progress.value
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The market behind ``ServeBenchRun``: starts the replay clock once `subscriptions` clients
/// have subscribed (instead of on the first), so that every client gets every frame.
private final class StartGate: MarketSource, Sendable {
    let market: TapeMarket
    let subscriptions: Int
    /// Subscriptions seen so far, and when the replay clock started.
    private let state = Locked<(count: Int, started: ContinuousClock.Instant?)>((0, nil))

    init(market: TapeMarket, subscriptions: Int) {
        self.market = market
        self.subscriptions = Swift.max(1, subscriptions)
    }

    var startedAt: ContinuousClock.Instant? { self.state.withLock { $0.started } }

    func snapshot(type: String, code: String?) async -> ExchangeMessage? {
        await self.market.snapshot(type: type, code: code)
    }

    func events() async -> AsyncStream<ExchangeEvent> { await self.market.events() }

    var waitsForSlowClients: Bool { self.market.waitsForSlowClients }

    func subscribed() async {
        let start = self.state.withLock {
            $0.count += 1
            guard $0.count == self.subscriptions else { return false }
            $0.started = .now
            return true
        }
        if start { self.market.start() }
    }
}

/// Frames one bench client received and when the last arrived (read after a timeout too).
private final class ReadProgress: Sendable {
    private let state = Locked<(received: Int, last: ContinuousClock.Instant)>((0, .now))

    /// Counts one frame; returns the count.
    func count() -> Int {
        self.state.withLock {
            $0.received += 1
            $0.last = .now
            return $0.received
        }
    }

    var value: (Int, ContinuousClock.Instant) { self.state.withLock { ($0.received, $0.last) } }
}
