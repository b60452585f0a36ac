import Foundation
import Replay
import Simulator
import TapeLog
import Upbit
import Wire

/// `ticktape bench record`: the simulated exchange and a recording over loopback, in one process:
/// every market × ticker, trade, orderbook at `rate` messages/s for `seconds`, then the tape compared with the simulator's truth log, connection by connection
/// (counts and a digest over the SHA-256 of every data frame, in order). Reports frames/s
/// recorded, the loss (which must be zero), arrival → commit latency and the process's RSS.
///
/// The simulator is paced (it has no unpaced mode: its market never waits for a client, so a
/// rate above what the loopback path sustains ends in a "slow consumer" close and a new epoch).
/// After `seconds` the market falls silent and the recording drains what is in flight before it
/// stops; frames/s counts the drain. `sustained` says whether this run kept up: one epoch, zero
/// loss, and frames/s within 5 % of the rate asked for.
public struct RecordBench: Sendable {
    /// Figures of one run.
    public struct Result: Sendable, Encodable {
        /// Seconds the market produced for.
        public var seconds: Double
        /// Markets, each with every type of `types`.
        public var symbols: Int
        /// Message types subscribed to.
        public var types: [String]
        /// Messages/s asked of the simulator.
        public var rate: Double
        /// Messages the market produced, data frames the simulator wrote (truth lines), inbound
        /// data frames in the tape.
        public var produced: Int64
        public var sent: Int64
        public var recorded: Int64
        /// `recorded` over the recording's duration.
        public var framesPerSecond: Double
        /// Per connection: truth frames the tape lacks, and tape frames the truth lacks.
        public var lost: Int64
        public var extra: Int64
        /// Per connection, the digests of the truth and of the tape agree.
        public var digestsMatch: Bool
        /// Nothing lost, nothing extra, digests match.
        public var zeroLoss: Bool
        /// Zero loss in one epoch at ≥ 95 % of `rate`: this run kept up.
        public var sustained: Bool
        /// Epochs in the tape, connections in the truth log.
        public var epochs: Int
        public var connections: Int
        /// The recording's duration, drain included.
        public var durationSeconds: Double
        /// Arrival → commit latency of the frames, milliseconds.
        public var commitLatencyP50Ms: Double
        public var commitLatencyP99Ms: Double
        public var commitLatencyMaxMs: Double
        /// Group commits, payload bytes received, the tape file's size.
        public var commits: Int64
        public var rawBytes: Int64
        public var tapeBytes: Int64
        /// Resident set size (kB) before, after, and at its peak (`VmHWM`).
        public var rssStartKb: Int64
        public var rssEndKb: Int64
        public var rssPeakKb: Int64
        /// Time the comparison with the truth took (not in `framesPerSecond`).
        public var compareSeconds: Double
    }

    /// How long the market produces.
    public var seconds: Double
    /// Simulated markets, each with ticker, trade and orderbook.
    public var symbols: Int
    /// Messages/s the simulator produces.
    public var rate: Double
    /// Seed of the simulated market.
    public var seed: UInt64
    /// The recording's durability level.
    public var sync: SyncLevel
    /// Written into the tape's session row.
    public var toolVersion: String

    /// A run of `seconds` at `rate` messages/s over `symbols` markets.
    public init(seconds: Double, symbols: Int, rate: Double, seed: UInt64, sync: SyncLevel, toolVersion: String) {
        self.seconds = seconds
        self.symbols = symbols
        self.rate = rate
        self.seed = seed
        self.sync = sync
        self.toolVersion = toolVersion
    }

    /// Simulates, records, compares with the truth and measures; the files live in a temporary
    /// directory removed afterwards. Throws ``TapeError`` for the tape's failures and
    /// ``BenchError`` for anything else.
    public func run() async throws -> Result {
        let directory = try BenchError.scratchDirectory("bench-record")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tape = "\(directory)/record.tape"
        let truth = "\(directory)/truth.jsonl"
        let rssStart = Self.memory("VmRSS")

        var options = ExchangeSimulator.Options()
        options.market.seed = seed
        options.market.symbols = symbols
        options.market.rate = rate
        // After `seconds` the market goes silent (a blackhole that outlasts the run, so it never
        // cuts): what is in flight then is drained into the tape before the recorder stops, so
        // the comparison with the truth is complete and the drain time counts in frames/s.
        options.market.chaos.blackholeEveryNs = Int64(seconds * 1e9)
        options.market.chaos.blackholeForNs = 86_400_000_000_000
        options.truthPath = truth
        let simulator: ExchangeSimulator
        do { simulator = try await ExchangeSimulator.bind(options: options) } catch {
            throw BenchError("cannot start the simulator: \(error)")
        }
        let serving = Task { try await simulator.run() }
        defer { serving.cancel() }
        let types = simulator.market.types
        let request = try BenchError.wrapping {
            try UpbitSubscription.shorthand(
                types.joined(separator: ",") + ":" + simulator.market.markets.joined(separator: ","),
                ticket: "ticktape-bench"
            )
        }
        var configuration = RecordingRun.Configuration(
            path: tape,
            url: try BenchError.wrapping { try WebSocketURL(simulator.url) },
            subscription: request.serialized(),
            toolVersion: toolVersion
        )
        configuration.writer.sync = sync
        let session: RecordingRun
        do { session = try RecordingRun(configuration) } catch { throw BenchError(error.description) }
        let recording = Task { try await session.run() }
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        await Self.drain(session, simulator, limitNanos: Int64(max(30, seconds) * 1e9))
        session.stop()
        let summary: RecordingRun.Summary
        do { summary = try await recording.value } catch { throw BenchError("\(error)") }
        let rssEnd = Self.memory("VmRSS")
        let produced = simulator.market.produced
        serving.cancel()
        _ = try? await serving.value  // closes the truth file

        let compareStart = DispatchTime.now().uptimeNanoseconds
        let sent = try BenchError.wrapping { try TruthDigests.read(truth) }
        let recorded = try BenchError.wrapping { try TruthDigests.tape(tape) }
        let compareSeconds = Double(DispatchTime.now().uptimeNanoseconds - compareStart) / 1e9
        let (lost, extra, digestsMatch) = TruthDigests.compare(sent, recorded)
        let duration = Double(summary.durationNanos) / 1e9
        let recordedFrames = recorded.values.reduce(0) { $0 + $1.count }
        let latency = summary.writerStats.commitLatency
        let zeroLoss = lost == 0 && extra == 0 && digestsMatch
        let framesPerSecond = duration > 0 ? Double(recordedFrames) / duration : 0
        return Result(
            seconds: seconds,
            symbols: symbols,
            types: types,
            rate: rate,
            produced: produced,
            sent: sent.values.reduce(0) { $0 + $1.count },
            recorded: recordedFrames,
            framesPerSecond: framesPerSecond,
            lost: lost,
            extra: extra,
            digestsMatch: digestsMatch,
            zeroLoss: zeroLoss,
            sustained: zeroLoss && summary.epochs == 1 && framesPerSecond >= 0.95 * rate,
            epochs: summary.epochs,
            connections: sent.count,
            durationSeconds: duration,
            commitLatencyP50Ms: Double(latency.quantile(0.5)) / 1e6,
            commitLatencyP99Ms: Double(latency.quantile(0.99)) / 1e6,
            commitLatencyMaxMs: Double(latency.max) / 1e6,
            commits: summary.writerStats.commits,
            rawBytes: summary.writerStats.rawBytes,
            tapeBytes: Self.fileSize(tape),
            rssStartKb: rssStart,
            rssEndKb: rssEnd,
            rssPeakKb: Self.memory("VmHWM"),
            compareSeconds: compareSeconds
        )
    }

    /// Waits until the recording has everything the simulator wrote (the subscription plus one
    /// frame per data frame sent, and nothing moving for 100 ms), at most `limitNanos`.
    private static func drain(_ session: RecordingRun, _ simulator: ExchangeSimulator, limitNanos: Int64) async {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(limitNanos)
        var last: (Int64, Int64) = (-1, -1)
        var quiet = 0
        while DispatchTime.now().uptimeNanoseconds < deadline {
            let now = (simulator.counters.framesSent, await session.status().frames)
            quiet = now == last && now.1 > now.0 ? quiet + 1 : 0
            if quiet >= 2 { return }
            last = now
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// A `/proc/self/status` field in kB (`VmRSS`, `VmHWM`); 0 where there is no /proc.
    static func memory(_ field: String) -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let value = line.dropFirst(field.count + 1).split { $0 == " " || $0 == "\t" }.first ?? ""
            return Int64(value) ?? 0
        }
        return 0
    }

    private static func fileSize(_ path: String) -> Int64 {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        return size ?? 0
    }
}
