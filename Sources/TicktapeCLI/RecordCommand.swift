import ArgumentParser
import Cluster
import Foundation
import TapeLog
import Upbit
import Wire

/// `ticktape record`: record a live WebSocket session into a new tape.
///
/// Only flags, signals and printing live here; the recording itself is Wire's
/// ``RecordingRun``, shared with `demo` and `bench record`.
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record an exchange WebSocket session into a new tape, reconnecting until stopped.",
        discussion: """
            Give the subscription as --upbit "TYPES:CODES[;TYPES:CODES]" or as raw JSON with --subscribe. \
            It is sent first on every connection; each connection is an epoch. Stops on --duration, \
            --max-frames, SIGINT or SIGTERM (close 1000, commit, session_end), then prints one summary line. \
            A second signal exits at once (exit 130 for SIGINT, 143 for SIGTERM) after trying to commit what \
            was received.
            --private reads UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY and sends a fresh JWT per connection to \
            /websocket/v1/private; neither keys nor token are stored.
            From Upbit itself: ticktape record wss://api.upbit.com/websocket/v1 --out krw.tape --upbit ...
            --publish nats://H1:4222,H2:4222,H3:4222 --stream NAME also ships every committed block to a \
            replicated JetStream stream, never slowing the recording (see the README's cluster section).
            Example: ticktape record ws://127.0.0.1:9000/websocket/v1 --out krw.tape \\
                       --upbit "ticker,trade,orderbook:KRW-BTC,KRW-ETH" --duration 3s
            """
    )

    @Argument(help: "The ws:// or wss:// URL, e.g. wss://api.upbit.com/websocket/v1.") var url: String
    @Option(help: "The tape to create (must not exist).") var out: String
    @Option(help: "Subscription shorthand: types:codes, groups separated by ';'.") var upbit: String?
    @Option(help: "The subscription request as raw JSON (validated as Upbit would).") var subscribe: String?
    @Option(help: "Message format for --upbit.") var format: MessageFormat?
    @Option(help: "Stop after this long, e.g. 30s, 10m.") var duration: DurationArgument?
    @Option(help: "Stop after this many frames (inbound and outbound).") var maxFrames: Int64?
    @Option(help: "Durability: normal survives a crash, full survives power loss.") var sync = SyncMode.normal
    @Option(help: "Group commit interval in milliseconds.") var commitMs: Int64 = 50
    @Option(help: "Reconnect when no data arrives for this long.") var staleAfter = DurationArgument(
        nanoseconds: 30_000_000_000
    )
    @Flag(name: .customLong("private"), help: "Authenticate with UPBIT_ACCESS_KEY/UPBIT_SECRET_KEY.")
    var privateChannel = false
    @OptionGroup var cluster: PublishOptions

    func run() async throws {
        let configuration = try makeConfiguration(environment: ProcessInfo.processInfo.environment)
        let publishing = try cluster.configuration()
        let session: RecordingRun
        do {
            session = try RecordingRun(configuration)
        } catch {
            throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
        }
        // The tape exists now: its committed blocks go to the stream from a thread of their own.
        var publisher: TapePublisher?
        if let publishing {
            do {
                publisher = try TapePublisher(tape: out, configuration: publishing)
            } catch {
                session.stop()
                _ = try? await session.run()
                throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
            }
            publisher?.start()
        }
        let task = Task { try await session.run() }
        let trap = SignalTrap([SIGINT, SIGTERM]) { signal, count in
            if count == 1 {
                task.cancel()
            } else {
                Self.exitNow(on: signal, flushing: session)
            }
        }
        let status = RecordStatusLine.start(session)
        let result = await task.result
        status?.cancel()
        await status?.value
        trap.cancel()
        let summary: RecordingRun.Summary
        do {
            summary = try result.get()
        } catch let error as RecordingError {
            throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
        } catch {
            throw CLIError(.runtime, "\(error)")
        }
        let signal = summary.stopReason == .stopped ? trap.caught : nil
        Console.out(Self.summaryLine(summary, path: out, signal: signal))
        if let publisher, let publishing {
            let stats = publisher.stop(drainNanos: UInt64(cluster.publishDrain.nanoseconds))
            Console.out(PublishOptions.summary(stats, publishing))
            if stats.unacked > 0 {
                // The tape is complete; the stream catches up with `ticktape publish` later.
                Console.error(
                    "the stream did not ack \(stats.unacked) units (\(stats.lastFailure ?? "no ack")); "
                        + "send them with: ticktape publish \(out) --publish … --stream \(publishing.stream) "
                        + "--recorder \(publishing.recorder)"
                )
            }
        }
        Console.flush()
    }

    /// The one summary line (frames, epochs, bytes, duration, frames/s), naming the
    /// `signal` that stopped the recording, if one did.
    static func summaryLine(_ summary: RecordingRun.Summary, path: String, signal: Int32? = nil) -> String {
        "recorded \(summary.frames) frames, \(summary.epochs) epochs, \(summary.bytes) bytes in "
            + "\(Format.fixed(Double(summary.durationNanos) / 1e9, 3)) s, "
            + "\(Format.fixed(summary.framesPerSecond, 1)) frames/s → \(path) (stopped: \(summary.stopReason.rawValue))"
            + (signal.map { " by \(signalName($0))" } ?? "")
    }

    /// A second signal: try to commit what was received (for at most a second), then exit as the
    /// shell reports a death by that signal (128 + its number: 130 for SIGINT, 143 for SIGTERM).
    private static func exitNow(on signal: Int32, flushing session: RecordingRun) -> Never {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? session.flush()
            done.signal()
        }
        _ = done.wait(timeout: .now() + 1)
        let again = signal == SIGTERM ? "terminated again" : "interrupted again"
        Console.error("\(again) (\(signalName(signal))): exiting without session_end")
        Foundation.exit(128 + signal)
    }

    /// Validates the flags and builds the session's configuration; every problem is exit 2.
    func makeConfiguration(environment: [String: String]) throws(CLIError) -> RecordingRun.Configuration {
        let websocketURL: WebSocketURL
        do {
            websocketURL = try WebSocketURL(url)
        } catch {
            throw .badInput(error.description)
        }
        let request = try subscription()
        guard commitMs > 0 else { throw .badInput("--commit-ms must be positive") }
        guard staleAfter.nanoseconds > 0 else { throw .badInput("--stale-after must be positive") }
        if let duration, duration.nanoseconds <= 0 { throw .badInput("--duration must be positive") }
        if let maxFrames, maxFrames <= 0 { throw .badInput("--max-frames must be positive") }
        var credentials: UpbitCredentials?
        if privateChannel {
            do {
                // Before the keys are read and before any network I/O: no token in clear.
                try UpbitCredentials.checkTransport(websocketURL)
                credentials = try UpbitCredentials.fromEnvironment(environment)
            } catch {
                throw .badInput(error.description)
            }
        } else if request.parsed.needsPrivateEndpoint {
            throw .badInput("myOrder and myAsset need --private (and UPBIT_ACCESS_KEY/UPBIT_SECRET_KEY)")
        }
        var configuration = RecordingRun.Configuration(
            path: out,
            url: websocketURL,
            subscription: request.bytes,
            toolVersion: ticktapeVersion
        )
        configuration.writer.sync = sync.level
        configuration.writer.commitMs = commitMs
        configuration.recorder.policy.staleAfterNanos = staleAfter.nanoseconds
        configuration.durationNanos = duration?.nanoseconds
        configuration.maxFrames = maxFrames
        configuration.credentials = credentials
        return configuration
    }

    /// The request to send: `--upbit` through the shorthand, or `--subscribe` as given (after
    /// checking it as Upbit would).
    private func subscription() throws(CLIError) -> (bytes: [UInt8], parsed: UpbitSubscription) {
        switch (upbit, subscribe) {
        case (let shorthand?, nil):
            do {
                let request = try UpbitSubscription.shorthand(
                    shorthand,
                    ticket: Self.ticket(),
                    format: format?.subscription
                )
                return (request.serialized(), request)
            } catch {
                throw .badInput("bad --upbit: \(error.description)")
            }
        case (nil, let json?):
            guard format == nil else {
                throw .badInput("--format goes with --upbit; put the format in the --subscribe JSON")
            }
            do {
                let bytes = Array(json.utf8)
                return (bytes, try UpbitSubscription.parse(bytes))
            } catch {
                throw .badInput("bad --subscribe: \(error.description)")
            }
        default:
            throw .badInput("give exactly one of --upbit and --subscribe")
        }
    }

    /// A ticket naming this recorder (Upbit: any string identifying the requester).
    private static func ticket() -> String {
        "ticktape-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }
}
