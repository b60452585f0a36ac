import ArgumentParser
import Foundation
import Replay
import Reports
import Rules
import Simulator
import TapeLog
import Upbit
import Wire

/// `ticktape demo`: the whole loop on loopback in a few seconds — a simulated exchange with
/// chaos, a recording, a stale-epoch tail, a check, a report — and what to try next.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate an exchange with chaos on loopback, record it, check it, and write a report.",
        discussion: """
            Starts the simulator in-process on a free loopback port (cuts, duplicates, stale snapshots), records \
            about --seconds of it, adds a stale-epoch tail at the recorded disconnects, checks the result with a \
            slow GUI consumer and a lossless algo consumer, and writes DIR/demo.tape and DIR/report.html.
            Example: ticktape demo --seconds 15 --out demo-out
            """
    )

    @Option(help: "How long to record.") var seconds: Double = 15
    @Option(help: "Directory for demo.tape, recorded.tape and report.html (created; earlier demo files replaced).")
    var out = "demo-out"
    @Option(help: "Seed of the market data and of every chaos choice.") var seed: UInt64 = 7

    func validate() throws {
        guard seconds >= 1, seconds <= 3600 else { throw ValidationError("--seconds must be 1…3600") }
    }

    static let consumers = [
        "name=gui,types=ticker|orderbook,codes=*,capacity=32,policy=coalesce,service=20ms",
        "name=algo,types=trade,codes=*,capacity=10000,policy=block",
    ]

    func run() async throws {
        let recorded = "\(out)/recorded.tape"
        let demo = "\(out)/demo.tape"
        let report = "\(out)/report.html"
        try prepare([recorded, demo, report])
        let cutEvery = max(1.0, (seconds / 4).rounded(.down))
        let chaos = "cut every:\(Int(cutEvery))s; gap 300ms; dup 0.01; stale-snapshot 0.2"

        // 1. The exchange.
        var options = ExchangeSimulator.Options()
        options.market.seed = seed
        options.market.symbols = 4
        options.market.rate = 200
        options.market.chaos = try ChaosSpec.parse(chaos)
        let simulator = try await ExchangeSimulator.bind(options: options)
        let server = Task { try await simulator.run() }
        defer { server.cancel() }
        Console.out("1. simulated Upbit exchange on \(simulator.url) (4 markets, 200 msgs/s, seed \(seed))")
        Console.out("   server-side chaos: \(chaos)")
        Console.flush()

        // 2. The recording.
        let markets = SyntheticFeed.markets(count: 4)
        let request = UpbitSubscription.publicStreams(of: markets, ticket: "ticktape-demo")
        var configuration = RecordingRun.Configuration(
            path: recorded,
            url: try WebSocketURL(simulator.url),
            subscription: request.serialized(),
            toolVersion: ticktapeVersion
        )
        configuration.durationNanos = Int64(seconds * 1e9)
        configuration.recorder.policy.staleAfterNanos = 3_000_000_000
        let session: RecordingRun
        do { session = try RecordingRun(configuration) } catch { throw CLIError(.runtime, error.description) }
        Console.out("2. recording \(Int(seconds)) s into \(recorded) …")
        Console.flush()
        let summary: RecordingRun.Summary
        do { summary = try await session.run() } catch { throw CLIError(.runtime, error.description) }
        server.cancel()
        Console.out(
            "   \(summary.frames) frames in \(summary.epochs) epochs (\(summary.epochs - 1) reconnects), "
                + "\(summary.bytes) bytes, \(Int(summary.framesPerSecond)) frames/s"
        )

        // 3. A stale-epoch tail at the recorded disconnects (the recorder never overlaps connections).
        let tail = try cli {
            try ChaosRun.run(
                input: recorded,
                output: demo,
                spec: try ChaosSpec.parse("stale-epoch 3"),
                seed: seed,
                toolVersion: ticktapeVersion,
                profile: UpbitProfile()
            )
        }
        Console.out("3. \(demo): the same session with the old connection's last 3 frames arriving late at each cut")
        _ = tail

        // 4. The check.
        let specs = try Self.consumers.map { try ConsumerSpec.parse($0) }
        let check = TapeFileCheck.check(path: demo, replay: ReplayOptions(speed: .factor(1), consumers: specs))
        let result = CheckReport(tapes: [check])
        do { try result.html().write(toFile: report, atomically: true, encoding: .utf8) } catch {
            throw CLIError(.runtime, "cannot write \(report): \(error.localizedDescription)")
        }
        Console.out("4. checked with a slow GUI consumer (coalesce, 20 ms per event) and a lossless algo consumer:")
        Console.out("")
        for line in Self.summary(check) { Console.out("   " + line) }
        Console.out("")
        Console.out("   report: \(report) (open it in a browser)")
        Console.out("")
        Console.out("Next, try:")
        for line in Self.nextCommands(demo: demo) { Console.out("  " + line) }
        Console.flush()
        if result.verdict != .pass { throw ExitCode(CLIExit.checkFailed.rawValue) }
    }

    /// What to try next, as commands that run as printed from the package directory right after
    /// `swift run ticktape demo`: ticktape is not on the PATH then, so they go through `swift run`
    /// too, and name the demo's own tape (`demo`, quoted for the shell when it needs to be).
    static func nextCommands(demo: String) -> [String] {
        let tape = shellQuoted(demo)
        return [
            "swift run ticktape inspect \(tape)",
            "swift run ticktape replay \(tape) --speed 10 --consumer '\(consumers[0])'",
            "swift run ticktape serve \(tape) --port 9001 --speed 10 --replay-disconnects   # point your Upbit client here",
            "swift run ticktape check Fixtures/*.tape       # the recorded chaos sessions CI checks",
            "sqlite3 \(tape) \"SELECT type, code, count(*) FROM frames WHERE dir = 'in' GROUP BY 1, 2\"",
        ]
    }

    /// `text` as one shell word: as it is when it has only characters no shell treats
    /// specially, in single quotes otherwise.
    static func shellQuoted(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "/._-+=:,@%".unicodeScalars.contains($0)
        }
        if plain && !text.isEmpty { return text }
        return "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// The verdict and the counts worth seeing first.
    static func summary(_ check: TapeCheckResult) -> [String] {
        var lines = ["verdict: \(check.verdict.rawValue.uppercased())"]
        let violations = check.violations.filter { $0.count > 0 }
        lines.append(
            violations.isEmpty
                ? "violations: none (C1–C6 and I1–I4 hold)"
                : "violations: " + violations.map { "\($0.kind.rawValue) \($0.count)" }.joined(separator: ", ")
        )
        let findings = check.findings.filter { $0.count > 0 }
        lines.append(
            "findings (anomalies the rules handled): "
                + (findings.isEmpty
                    ? "none" : findings.map { "\($0.kind.rawValue) \($0.count)" }.joined(separator: ", "))
        )
        for metrics in check.replay?.consumers ?? [] {
            lines.append(
                "consumer \(metrics.name): delivered \(metrics.delivered), dropped \(metrics.dropped), "
                    + "coalesced \(metrics.coalesced), lag p99 \(metrics.lagP99Ns / 1_000_000) ms"
            )
        }
        return lines
    }

    /// Creates the directory and removes the demo's own earlier files (and nothing else).
    private func prepare(_ files: [String]) throws {
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw CLIError.badInput("cannot create \(out): \(error.localizedDescription)")
        }
        for file in files {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        }
    }
}
