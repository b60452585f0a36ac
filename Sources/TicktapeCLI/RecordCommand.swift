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

    @OptionGroup var recording: RecordingFlags
    @OptionGroup var cluster: PublishOptions

    func run() async throws {
        let configuration = try recording.makeConfiguration(environment: ProcessInfo.processInfo.environment)
        _ = try cluster.configuration()  // every flag problem before the tape is created
        let session: RecordingRun
        do {
            session = try RecordingRun(configuration)
        } catch {
            throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
        }
        let publisher = try await cluster.startPublisher(tape: recording.out) {
            session.stop()
            _ = try? await session.run()
        }
        let (summary, caught) = try await Self.runUntilStopped(
            { try await session.run() },
            flush: { try? session.flush() },
            statusLine: { RecordStatusLine.start(session) }
        )
        let signal = summary.stopReason == .stopped ? caught : nil
        Console.out(Self.summaryLine(summary, path: recording.out, signal: signal))
        cluster.finish(publisher, tape: recording.out)
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

    /// Runs a recording (`record`'s or `relay`'s) until it ends by itself or on a signal: a first
    /// SIGINT or SIGTERM cancels it (a clean stop), a second exits at once after `flush`. The
    /// status line runs meanwhile. Returns its summary and the signal caught, if any; a
    /// ``RecordingError`` becomes exit 2 or 3.
    static func runUntilStopped<Summary: Sendable>(
        _ body: @escaping @Sendable () async throws -> Summary,
        flush: @escaping @Sendable () -> Void,
        statusLine: () -> Task<Void, Never>?
    ) async throws(CLIError) -> (Summary, Int32?) {
        let task = Task { try await body() }
        let trap = SignalTrap([SIGINT, SIGTERM]) { signal, count in
            if count == 1 {
                task.cancel()
            } else {
                Self.exitNow(on: signal, flushing: flush)
            }
        }
        let status = statusLine()
        let result = await task.result
        status?.cancel()
        await status?.value
        trap.cancel()
        do {
            return (try result.get(), trap.caught)
        } catch let error as RecordingError {
            throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
        } catch {
            throw CLIError(.runtime, "\(error)")
        }
    }

    /// A second signal: try to commit what was received (`flush`, for at most a second), then
    /// exit as the shell reports a death by that signal (128 + its number: 130 for SIGINT, 143
    /// for SIGTERM). `relay` shares it.
    static func exitNow(on signal: Int32, flushing flush: @escaping @Sendable () -> Void) -> Never {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            flush()
            done.signal()
        }
        _ = done.wait(timeout: .now() + 1)
        let again = signal == SIGTERM ? "terminated again" : "interrupted again"
        Console.error("\(again) (\(signalName(signal))): exiting without session_end")
        Foundation.exit(128 + signal)
    }
}
