import Foundation
import NIOCore
import Primitives
import Replay
import Rules
import Simulator
import TapeLog
import Upbit
import Wire

/// `ticktape bench relay`: the simulator in-process at `rate` messages/s, a relay recording it,
/// `clients` local WebSocket clients reading everything (``RawWebSocketReader``: a socket on a
/// thread of its own each, as separate programs would be), and beside them a baseline client
/// that gets the same frames written straight to it (no rules, no queue) as they arrive.
///
/// Two phases of `seconds` each in one run: every client healthy, then the same with one of them
/// stuck (it subscribes and never reads). Each phase reports arrival → client write latency
/// (the frame's arrival stamp to the moment the relay's write of it returned) for the healthy
/// clients and for the baseline. Then the tape against the simulator's truth (zero frames lost),
/// the relay rows' share of the tape, and L1 on the tape.
public struct RelayBench: Sendable {
    /// Latency figures of one group of writes, milliseconds.
    public struct Latency: Sendable, Encodable {
        public var samples: Int
        public var p50Ms: Double
        public var p99Ms: Double
        public var maxMs: Double
    }

    /// One phase: healthy clients (all together and the worst one), the baseline, and the stuck
    /// client's consumer when there is one.
    public struct Phase: Sendable, Encodable {
        public var stuckClient: Bool
        public var healthy: Latency
        /// The highest p99 of a single healthy client.
        public var worstHealthyP99Ms: Double
        public var baseline: Latency
        /// Arrival → the rules took the frame in (the recording path both share: stamp, tape
        /// enqueue); the relay's own part is what the clients' figures add to it.
        public var intake: Latency
        public var stuckDelivered: Int?
        public var stuckDropped: Int?
        public var stuckCoalesced: Int?
    }

    public struct Result: Sendable, Encodable {
        public var rate: Double
        public var seconds: Double
        public var symbols: Int
        public var clients: Int
        /// The simulator's tick: a burst of rate × tick messages each time.
        public var tickMs: Double
        public var phases: [Phase]
        /// Healthy p99 with the stuck client minus without it, milliseconds.
        public var stuckEffectOnHealthyP99Ms: Double
        /// Data frames the simulator wrote, and those the tape lacks or has extra.
        public var sent: Int64
        public var recorded: Int64
        public var lost: Int64
        public var extra: Int64
        public var zeroLoss: Bool
        public var epochs: Int
        /// Pages of the relay tables and of the whole tape (SQLite's dbstat), and their ratio.
        public var relayBytes: Int64
        public var tapeBytes: Int64
        public var relayShare: Double
        /// Every consumer's every checkpoint reproduced from the tape.
        public var l1Holds: Bool
        public var checkpoints: Int
    }

    public var seconds: Double
    public var symbols: Int
    public var rate: Double
    public var clients: Int
    public var seed: UInt64
    /// The simulator's pacing period: what each tick produces is written as one burst.
    public var tickNanos: Int64 = 1_000_000
    public var toolVersion: String

    public init(seconds: Double, symbols: Int, rate: Double, clients: Int, seed: UInt64, toolVersion: String) {
        self.seconds = seconds
        self.symbols = symbols
        self.rate = rate
        self.clients = clients
        self.seed = seed
        self.toolVersion = toolVersion
    }

    /// Per consumer id, the latencies of its writes (ns); the baseline under id 0.
    final class Samples: Sendable {
        private let values = Locked<[Int: [Int64]]>([:])
        func add(_ id: Int, _ value: Int64) { values.withLock { $0[id, default: []].append(value) } }
        func add(_ id: Int, _ list: [Int64]) { values.withLock { $0[id, default: []].append(contentsOf: list) } }
        func take() -> [Int: [Int64]] {
            values.withLock { all in
                let taken = all
                all = [:]
                return taken
            }
        }
    }

    public func run() async throws -> Result {
        let directory = try BenchError.scratchDirectory("bench-relay")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tape = "\(directory)/relay.tape"
        let truth = "\(directory)/truth.jsonl"

        var options = ExchangeSimulator.Options()
        options.market.seed = seed
        options.market.symbols = symbols
        options.market.rate = rate
        options.market.tickNanos = tickNanos
        options.truthPath = truth
        let simulator: ExchangeSimulator
        do { simulator = try await ExchangeSimulator.bind(options: options) } catch {
            throw BenchError("cannot start the simulator: \(error)")
        }
        let serving = Task { try await simulator.run() }
        defer { serving.cancel() }
        let everything = UpbitSubscription.publicStreams(of: simulator.market.markets, ticket: "ticktape-bench")
            .serialized()
        let samples = Samples()
        let hubBox = Locked<RelayHub?>(nil)
        let frames = BaselineQueue()
        var configuration = RelayRun.Configuration(
            recording: RecordingRun.Configuration(
                path: tape,
                url: try BenchError.wrapping { try WebSocketURL(simulator.url) },
                subscription: everything,
                toolVersion: toolVersion
            )
        )
        configuration.port = 0
        configuration.client = ConsumerSpec(name: "client", capacity: 1024, policy: .coalesce)
        configuration.onWritten = { id, events, written in samples.add(id, events.map { written - $0.arrivalNs }) }
        configuration.onFrame = { frame in
            if frame.direction == .inbound, frame.opcode.isData {
                frames.push(frame)
                if let hub = hubBox.withLock({ $0 }) { samples.add(-1, hub.nowNs() - frame.monoNs) }
            }
        }
        let relay: RelayRun
        do { relay = try await RelayRun(configuration) } catch { throw BenchError(error.description) }
        hubBox.withLock { $0 = relay.hub }
        let running = Task { try await relay.run() }

        // The baseline: the same frames, written to a client of its own as they arrive.
        let baseline = try await Self.baselineServer(frames: frames, relay: relay, samples: samples)
        let baselineReader = try RawWebSocketReader(port: baseline.port, request: everything, stuck: false)
        defer { baselineReader.stop() }

        var phases: [Phase] = []
        var readers: [RawWebSocketReader] = []
        defer { for reader in readers { reader.stop() } }
        for _ in 0..<(clients - 1) {
            readers.append(try RawWebSocketReader(port: relay.port, request: everything, stuck: false))
        }
        try? await Task.sleep(nanoseconds: 1_000_000_000)  // connected and subscribed: measure from here
        _ = samples.take()
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        phases.append(Self.phase(samples.take(), stuck: nil, relay: relay))
        readers.append(try RawWebSocketReader(port: relay.port, request: everything, stuck: true))
        try? await Task.sleep(nanoseconds: 1_000_000_000)
        let stuckID = relay.hub.consumers().filter(\.open).map(\.id).max()
        _ = samples.take()
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        phases.append(Self.phase(samples.take(), stuck: stuckID, relay: relay))

        relay.stop()
        frames.finish()
        let summary: RelayRun.Summary
        do { summary = try await running.value } catch { throw BenchError("\(error)") }
        serving.cancel()
        _ = try? await serving.value  // closes the truth file

        let sent = try BenchError.wrapping { try TruthDigests.read(truth) }
        let recorded = try BenchError.wrapping { try TruthDigests.tape(tape) }
        let (lost, extra, digestsMatch) = TruthDigests.compare(sent, recorded)
        let reader = try BenchError.wrapping { try TapeReader(path: tape) }
        let pages = reader.relayPageBytes() ?? (0, 0)
        let reproduction = try BenchError.wrapping { try RelayReproduction.run(reader) }
        return Result(
            rate: rate,
            seconds: seconds,
            symbols: symbols,
            clients: clients,
            tickMs: Double(tickNanos) / 1e6,
            phases: phases,
            stuckEffectOnHealthyP99Ms: phases[1].healthy.p99Ms - phases[0].healthy.p99Ms,
            sent: sent.values.reduce(0) { $0 + $1.count },
            recorded: recorded.values.reduce(0) { $0 + $1.count },
            lost: lost,
            extra: extra,
            zeroLoss: lost == 0 && extra == 0 && digestsMatch,
            epochs: summary.recording.epochs,
            relayBytes: pages.relay,
            tapeBytes: pages.total,
            relayShare: pages.total > 0 ? Double(pages.relay) / Double(pages.total) : 0,
            l1Holds: reproduction?.holds ?? false,
            checkpoints: reproduction?.consumers.reduce(0) { $0 + $1.checkpoints } ?? 0
        )
    }

    private static func phase(_ samples: [Int: [Int64]], stuck: Int?, relay: RelayRun) -> Phase {
        var healthy: [Int64] = []
        var worst = 0.0
        for (id, values) in samples where id > 0 && id != stuck {
            healthy.append(contentsOf: values)
            worst = max(worst, latency(values).p99Ms)
        }
        let stuckStatus = stuck.flatMap { id in relay.hub.consumers().first { $0.id == id } }
        return Phase(
            stuckClient: stuck != nil,
            healthy: latency(healthy),
            worstHealthyP99Ms: worst,
            baseline: latency(samples[0] ?? []),
            intake: latency(samples[-1] ?? []),
            stuckDelivered: stuckStatus?.metrics.delivered,
            stuckDropped: stuckStatus?.metrics.dropped,
            stuckCoalesced: stuckStatus?.metrics.coalesced
        )
    }

    static func latency(_ values: [Int64]) -> Latency {
        guard !values.isEmpty else { return Latency(samples: 0, p50Ms: 0, p99Ms: 0, maxMs: 0) }
        let sorted = values.sorted()
        func at(_ q: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) / 1e6 }
        return Latency(samples: sorted.count, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: Double(sorted.last!) / 1e6)
    }

    /// A server whose one client gets every recorded frame as it arrives, measured like the
    /// relay's clients (arrival stamp → the write returned), under consumer id 0.
    private static func baselineServer(
        frames: BaselineQueue,
        relay: RelayRun,
        samples: Samples
    ) async throws -> WebSocketServer {
        var configuration = WebSocketServerConfiguration()
        configuration.port = 0
        configuration.onConnectionError = { _ in }
        let server: WebSocketServer
        do { server = try await WebSocketServer.bind(configuration: configuration) } catch {
            throw BenchError("cannot start the baseline server: \(error)")
        }
        let handler = BaselineHandler(frames: frames, relay: relay, samples: samples)
        Task { try? await server.run(handler: handler) }
        return server
    }

    struct BaselineHandler: WebSocketServerHandler {
        let frames: BaselineQueue
        let relay: RelayRun
        let samples: Samples

        /// Written in batches of what has arrived (at most 64), as the relay writes its clients.
        func serve(_ request: UpgradeRequest, inbound: WebSocketInbound, outbound: WebSocketWriter) async throws {
            while let batch = await frames.next(max: 64) {
                try await outbound.send(binaries: batch.map { ByteBuffer(bytes: $0.payload) })
                let written = relay.hub.nowNs()
                samples.add(0, batch.map { written - $0.monoNs })
            }
        }
    }

    /// The baseline client's frames: pushed as they are recorded, taken in batches.
    final class BaselineQueue: Sendable {
        private struct State {
            var frames: [FrameRecord] = []
            var waiter: CheckedContinuation<Void, Never>?
            var finished = false
        }

        private let state = Locked(State())

        func push(_ frame: FrameRecord) {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.frames.append(frame)
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }

        func finish() {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.finished = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }

        func next(max: Int) async -> [FrameRecord]? {
            while true {
                let batch = state.withLock { state -> [FrameRecord]? in
                    if state.frames.isEmpty { return state.finished ? [] : nil }
                    let count = Swift.min(max, state.frames.count)
                    defer { state.frames.removeFirst(count) }
                    return Array(state.frames.prefix(count))
                }
                if let batch { return batch.isEmpty ? nil : batch }
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resume = state.withLock { state -> Bool in
                        if !state.frames.isEmpty || state.finished { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resume { continuation.resume() }
                }
            }
        }
    }
}
