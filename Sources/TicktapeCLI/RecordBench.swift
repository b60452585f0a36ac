import Foundation
import Replay
import Simulator
import TapeLog
import Upbit
import Wire

/// `ticktape bench record`: the simulated exchange and a recording over loopback, in one process:
/// every market × ticker, trade, orderbook at `rate` messages/s for `seconds`, then the tape
/// compared with the simulator's truth log, connection by connection (counts and a digest over
/// the SHA-256 of every data frame, in order). Reports frames/s
/// recorded, the loss (which must be zero), arrival → commit latency and the process's RSS.
///
/// The simulator is paced (it has no unpaced mode: its market never waits for a client, so a
/// rate above what the loopback path sustains ends in a "slow consumer" close and a new epoch).
/// After `seconds` the market falls silent and the recording drains what is in flight before it
/// stops; frames/s counts the drain. `sustained` says whether this run kept up: one epoch, zero
/// loss, and frames/s within 5 % of the rate asked for.
struct RecordBench {
    struct Result: Encodable {
        var seconds: Double
        var symbols: Int
        var types: [String]
        /// Messages/s asked of the simulator.
        var rate: Double
        /// Messages the market produced, data frames the simulator wrote (truth lines), inbound
        /// data frames in the tape.
        var produced: Int64
        var sent: Int64
        var recorded: Int64
        /// `recorded` over the recording's duration.
        var framesPerSecond: Double
        /// Per connection: truth frames the tape lacks, and tape frames the truth lacks.
        var lost: Int64
        var extra: Int64
        var digestsMatch: Bool
        var zeroLoss: Bool
        var sustained: Bool
        var epochs: Int
        var connections: Int
        var durationSeconds: Double
        var commitLatencyP50Ms: Double
        var commitLatencyP99Ms: Double
        var commitLatencyMaxMs: Double
        var commits: Int64
        var rawBytes: Int64
        var tapeBytes: Int64
        var rssStartKb: Int64
        var rssEndKb: Int64
        var rssPeakKb: Int64
        var compareSeconds: Double
    }

    let seconds: Double
    let symbols: Int
    let rate: Double
    let seed: UInt64
    let sync: SyncLevel
    let json: Bool

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-record-\(getpid())").path
        try cli { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
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
            throw CLIError(.runtime, "cannot start the simulator: \(error)")
        }
        let serving = Task { try await simulator.run() }
        defer { serving.cancel() }
        let types = simulator.market.types
        let request = try cli {
            try UpbitSubscription.shorthand(
                types.joined(separator: ",") + ":" + simulator.market.markets.joined(separator: ","),
                ticket: "ticktape-bench"
            )
        }
        var configuration = RecordingRun.Configuration(
            path: tape,
            url: try cli { try WebSocketURL(simulator.url) },
            subscription: request.serialized(),
            toolVersion: ticktapeVersion
        )
        configuration.writer.sync = sync
        let session: RecordingRun
        do { session = try RecordingRun(configuration) } catch { throw CLIError(.runtime, error.description) }
        let recording = Task { try await session.run() }
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        await Self.drain(session, simulator, limitNanos: Int64(max(30, seconds) * 1e9))
        session.stop()
        let summary: RecordingRun.Summary
        do { summary = try await recording.value } catch { throw CLIError(.runtime, "\(error)") }
        let rssEnd = Self.memory("VmRSS")
        let produced = simulator.market.produced
        serving.cancel()
        _ = try? await serving.value  // closes the truth file

        let compareStart = DispatchTime.now().uptimeNanoseconds
        let sent = try cli { try TruthDigests.read(truth) }
        let recorded = try cli { try TruthDigests.tape(tape) }
        let compareSeconds = Double(DispatchTime.now().uptimeNanoseconds - compareStart) / 1e9
        var lost: Int64 = 0
        var extra: Int64 = 0
        var digestsMatch = true
        for key in Set(sent.keys).union(recorded.keys) {
            let s = sent[key] ?? FrameDigest()
            let r = recorded[key] ?? FrameDigest()
            lost += max(0, s.count - r.count)
            extra += max(0, r.count - s.count)
            if s.digest != r.digest { digestsMatch = false }
        }
        let duration = Double(summary.durationNanos) / 1e9
        let recordedFrames = recorded.values.reduce(0) { $0 + $1.count }
        let latency = summary.writerStats.commitLatency
        let zeroLoss = lost == 0 && extra == 0 && digestsMatch
        let framesPerSecond = duration > 0 ? Double(recordedFrames) / duration : 0
        let result = Result(
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
        self.print(result)
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

    private func print(_ r: Result) {
        if json {
            Console.out((try? JSONOutput.encode(r)) ?? "{}")
            Console.flush()
            return
        }
        let ms = { (value: Double) in Format.fixed(value, 1) + " ms" }
        Console.out(
            "record: simulate → record over loopback, \(r.symbols) markets × \(r.types.joined(separator: "/")), "
                + "\(Int(r.rate)) msgs/s for \(Format.fixed(r.durationSeconds, 1)) s"
        )
        Console.out(
            "  recorded \(r.recorded) data frames in \(r.epochs) epoch(s): \(Int(r.framesPerSecond)) frames/s"
                + (r.sustained ? " (sustained)" : " (NOT sustained at this rate)")
        )
        Console.out(
            "  truth: \(r.sent) frames sent on \(r.connections) connection(s), \(r.lost) lost, \(r.extra) extra, "
                + (r.digestsMatch ? "digests match" : "DIGESTS DIFFER") + (r.zeroLoss ? " — zero loss" : "")
        )
        Console.out(
            "  arrival → commit latency: p50 \(ms(r.commitLatencyP50Ms)), p99 \(ms(r.commitLatencyP99Ms)), "
                + "max \(ms(r.commitLatencyMaxMs)) over \(r.commits) commits"
        )
        Console.out(
            "  tape \(r.tapeBytes / 1_048_576) MiB for \(r.rawBytes / 1_048_576) MiB of payload; "
                + "RSS \(r.rssStartKb / 1024) MiB at start, \(r.rssEndKb / 1024) MiB at end, "
                + "peak \(r.rssPeakKb / 1024) MiB"
        )
        Console.flush()
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
