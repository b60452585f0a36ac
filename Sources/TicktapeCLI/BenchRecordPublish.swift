import Cluster
import Foundation
import Simulator
import TapeLog
import Upbit
import Wire

/// `bench record --publish`: the recorder's CPU per frame with the publish path against the same
/// recording without it. The simulator runs in a child process, so the process CPU measured here
/// is the recorder's alone (and the publisher's, in the second run).
struct RecordPublishBench {
    var seconds: Double
    var symbols: Int
    var rate: Double
    var publishing: TapePublisher.Configuration
    var drainNanos: UInt64
    /// Pairs of runs, in alternating order (without first, then with first, …): the machine's
    /// load drifts, and the medians of several pairs say more than one.
    var rounds = 3

    /// One recording: its frames and the process CPU it took.
    struct Run: Sendable, Encodable {
        var frames: Int64
        var seconds: Double
        var cpuSeconds: Double
        /// Process CPU (user + system) per recorded frame, nanoseconds.
        var cpuNsPerFrame: Double
        var framesPerSecond: Double
    }

    struct Result: Sendable, Encodable {
        var seconds: Double
        var symbols: Int
        var rate: Double
        var stream: String
        var replicas: Int
        /// Without and with --publish: the run with the median CPU per frame of each.
        var baseline: Run
        var publish: Run
        /// Every run's CPU per frame, in the order run, and the overhead of each pair.
        var baselineNsPerFrame: [Double]
        var publishNsPerFrame: [Double]
        var pairOverheads: [Double]
        /// Median CPU per frame with publishing over the median without, minus 1.
        var overhead: Double
        /// The publisher thread's own CPU per frame published (median over the runs), nanoseconds.
        var publisherThreadNsPerFrame: Double
        /// The goal: the publish path adds at most 10 % of the recorder's CPU per frame.
        var withinGoal: Bool
        var acked: Int
        var resent: Int
        var unacked: Int
        var blocks: Int
    }

    func run() async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.path + "/bench-publish-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (simulator, url) = try startSimulator()
        defer {
            simulator.terminate()
            simulator.waitUntilExit()
        }
        var baselines: [Run] = []
        var publishes: [Run] = []
        var stats = TapePublisher.Stats()
        var threadNsPerFrame: [Double] = []
        for round in 0..<max(1, rounds) {
            for publish in round % 2 == 0 ? [false, true] : [true, false] {
                let path = directory + "/\(round)-\(publish ? "publish" : "baseline").tape"
                let (run, runStats) = try await record(url: url, path: path, publish: publish)
                if publish {
                    publishes.append(run)
                    if let runStats {
                        threadNsPerFrame.append(
                            run.frames > 0 ? Double(runStats.threadCPUNanos) / Double(run.frames) : 0
                        )
                        stats.acked += runStats.acked
                        stats.resent += runStats.resent
                        stats.unacked += runStats.unacked
                        stats.blocks += runStats.blocks
                    }
                } else {
                    baselines.append(run)
                }
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        func median(_ runs: [Run]) -> Run { runs.sorted { $0.cpuNsPerFrame < $1.cpuNsPerFrame }[runs.count / 2] }
        let baseline = median(baselines)
        let published = median(publishes)
        let overhead = baseline.cpuNsPerFrame > 0 ? published.cpuNsPerFrame / baseline.cpuNsPerFrame - 1 : 0
        return Result(
            seconds: seconds,
            symbols: symbols,
            rate: rate,
            stream: publishing.stream,
            replicas: publishing.replicas,
            baseline: baseline,
            publish: published,
            baselineNsPerFrame: baselines.map(\.cpuNsPerFrame),
            publishNsPerFrame: publishes.map(\.cpuNsPerFrame),
            pairOverheads: zip(baselines, publishes).map {
                $0.cpuNsPerFrame > 0 ? $1.cpuNsPerFrame / $0.cpuNsPerFrame - 1 : 0
            },
            overhead: overhead,
            publisherThreadNsPerFrame: threadNsPerFrame.isEmpty
                ? 0 : threadNsPerFrame.sorted()[threadNsPerFrame.count / 2],
            withinGoal: overhead <= 0.10 && stats.unacked == 0,
            acked: stats.acked,
            resent: stats.resent,
            unacked: stats.unacked,
            blocks: stats.blocks
        )
    }

    /// `ticktape simulate` in a child process; its URL from its first line.
    private func startSimulator() throws -> (Process, String) {
        let process = Process()
        process.executableURL = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = [
            "simulate", "--port", "0", "--symbols", String(symbols), "--rate", String(rate),
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw CLIError(.runtime, "cannot start the simulator: \(error)") }
        var line: [UInt8] = []
        while !line.contains(0x0A) {
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { break }
            line += data
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let url = text.split(separator: "\n").first?.split(separator: " ").last.map(String.init),
            url.hasPrefix("ws://")
        else {
            process.terminate()
            throw CLIError(.runtime, "the simulator did not say where it listens: \(text)")
        }
        return (process, url)
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// Records `seconds`; with `publish`, through a publisher whose drain counts in the CPU.
    private func record(
        url: String,
        path: String,
        publish: Bool
    ) async throws -> (
        run: Run, stats: TapePublisher.Stats?
    ) {
        var configuration = RecordingRun.Configuration(
            path: path,
            url: try WebSocketURL(url),
            subscription: try Self.subscription(symbols: symbols),
            toolVersion: ticktapeVersion
        )
        configuration.durationNanos = Int64(seconds * 1e9)
        let start = Self.cpuSeconds()
        let session: RecordingRun
        do { session = try RecordingRun(configuration) } catch { throw CLIError(.runtime, error.description) }
        var publisher: TapePublisher?
        if publish {
            do { publisher = try TapePublisher(tape: path, configuration: publishing) } catch {
                throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
            }
            publisher?.start()
        }
        let summary: RecordingRun.Summary
        do { summary = try await session.run() } catch { throw CLIError(.runtime, "\(error)") }
        let stats = publisher?.stop(drainNanos: drainNanos)
        let cpu = Self.cpuSeconds() - start
        let frames = summary.frames
        return (
            Run(
                frames: frames,
                seconds: Double(summary.durationNanos) / 1e9,
                cpuSeconds: cpu,
                cpuNsPerFrame: frames > 0 ? cpu * 1e9 / Double(frames) : 0,
                framesPerSecond: summary.framesPerSecond
            ),
            stats
        )
    }

    /// The subscription to every market `ticktape simulate --symbols N` lists.
    private static func subscription(symbols: Int) throws -> [UInt8] {
        let markets = SyntheticFeed.markets(count: symbols)
        return UpbitSubscription.publicStreams(of: markets, ticket: "bench").serialized()
    }
}
