import ArgumentParser
import Foundation
import Upbit
import Wire

/// The flags of a recording, shared by `record` and `relay`: upstream URL, subscription, tape,
/// stop conditions, durability, watchdog and private keys.
struct RecordingFlags: ParsableArguments {
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
    func subscription() throws(CLIError) -> (bytes: [UInt8], parsed: UpbitSubscription) {
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
    static func ticket() -> String {
        "ticktape-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }
}
