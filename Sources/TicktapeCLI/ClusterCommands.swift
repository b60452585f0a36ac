import ArgumentParser
import Cluster
import Foundation
import TapeLog
import Upbit

/// `--publish`, `--stream`, `--recorder`: shipping a tape to a JetStream stream (record, publish).
struct PublishOptions: ParsableArguments {
    @Option(help: "Publish committed blocks to these NATS servers: nats://H1:4222,H2:4222,H3:4222.")
    var publish: String?
    @Option(help: "The JetStream stream to publish to (created, replicated --replicas ways, when missing).")
    var stream: String?
    @Option(help: "This recorder's name in subjects and message ids (default: the host name).")
    var recorder: String?
    @Option(help: "Copies the stream keeps: 3 for a 3-node cluster, 1 for a single server.") var replicas = 3
    @Option(help: "At the end, wait this long for the stream to ack what remains.")
    var publishDrain = DurationArgument(nanoseconds: 30_000_000_000)

    /// The publisher's configuration, or nil without `--publish`; every problem is exit 2.
    func configuration() throws(CLIError) -> TapePublisher.Configuration? {
        guard let publish else {
            if stream != nil || recorder != nil { throw .badInput("--stream and --recorder go with --publish") }
            return nil
        }
        guard let stream else { throw .badInput("--publish needs --stream NAME") }
        guard (1...5).contains(replicas) else { throw .badInput("--replicas must be 1 … 5") }
        guard publishDrain.nanoseconds >= 0 else { throw .badInput("--publish-drain must not be negative") }
        do {
            let servers = try ClusterNames.servers(publish)
            let name = recorder ?? Self.hostRecorderName()
            try ClusterNames.check(stream, what: "stream")
            try ClusterNames.check(name, what: "recorder")
            var configuration = TapePublisher.Configuration(servers: servers, stream: stream, recorder: name)
            configuration.replicas = replicas
            return configuration
        } catch {
            throw .badInput(error.description)
        }
    }

    /// Starts publishing `tape`'s committed blocks from a thread of their own (the tape exists);
    /// nil without `--publish`. On failure `abort` runs first (it ends the recording cleanly).
    func startPublisher(tape: String, abort: () async -> Void) async throws(CLIError) -> TapePublisher? {
        guard let publishing = try configuration() else { return nil }
        do {
            let publisher = try TapePublisher(tape: tape, configuration: publishing)
            publisher.start()
            return publisher
        } catch {
            await abort()
            throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
        }
    }

    /// After the recording: waits up to `--publish-drain` for the stream's acks and says what
    /// reached it (and, when not all did, how to send the rest).
    func finish(_ publisher: TapePublisher?, tape: String) {
        guard let publisher, let publishing = try? configuration() else { return }
        let stats = publisher.stop(drainNanos: UInt64(publishDrain.nanoseconds))
        Console.out(Self.summary(stats, publishing))
        if stats.unacked > 0 {
            // The tape is complete; the stream catches up with `ticktape publish` later.
            Console.error(
                "the stream did not ack \(stats.unacked) units (\(stats.lastFailure ?? "no ack")); "
                    + "send them with: ticktape publish \(tape) --publish … --stream \(publishing.stream) "
                    + "--recorder \(publishing.recorder)"
            )
        }
    }

    /// The host name as a subject token (other characters become `-`).
    static func hostRecorderName() -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        let name = String(ProcessInfo.processInfo.hostName.prefix(64).map { allowed.contains($0) ? $0 : "-" })
        return name.isEmpty ? "recorder" : name
    }

    /// The line saying what reached the stream.
    static func summary(_ stats: TapePublisher.Stats, _ configuration: TapePublisher.Configuration) -> String {
        "published \(stats.acked) units (\(stats.blocks) blocks, \(stats.events) events, the session) to "
            + "\(configuration.stream) as \(configuration.recorder), \(stats.resent) resent"
            + (stats.unacked > 0 ? "; \(stats.unacked) not acked" : "")
    }
}

/// `ticktape publish`: a finished tape to a stream (what a recorder could not send during a
/// longer outage, or a tape recorded without --publish).
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a tape to a JetStream stream, sending only what the stream lacks.",
        discussion: """
            Units already in the stream (same recorder, same session, inside the stream's one-hour \
            duplicate window) are acked as duplicates and not stored again. Exit 0 when every unit is \
            acked, 3 when some are not within --publish-drain.
            Example: ticktape publish session.tape --publish nats://127.0.0.1:4222 --stream UPBIT \\
                       --recorder host-a --replicas 1
            """
    )

    @Argument(help: "The tape to publish.") var tape: String
    @OptionGroup var options: PublishOptions

    func run() throws {
        guard let configuration = try options.configuration() else {
            throw CLIError.badInput("give --publish nats://HOST:PORT,… and --stream NAME")
        }
        _ = try cli { try TapeReader(path: tape) }
        let publisher: TapePublisher
        do {
            publisher = try TapePublisher(tape: tape, configuration: configuration)
        } catch {
            throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
        }
        publisher.start()
        let stats = publisher.stop(drainNanos: UInt64(options.publishDrain.nanoseconds))
        Console.out(PublishOptions.summary(stats, configuration))
        Console.flush()
        if stats.unacked > 0 {
            throw CLIError(.runtime, "the stream did not ack \(stats.unacked) units: \(stats.lastFailure ?? "no ack")")
        }
    }
}

/// `ticktape pull`: a stream's recordings back into a tape.
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Materialise a recorder's session from a JetStream stream as a tape, or all recorders merged.",
        discussion: """
            With --recorder: that recorder's session (its latest, or --session), frame for frame equal to \
            its local tape; every block is proven against its CRC-32, and a unit the stream lacks is an \
            error naming it. Without --recorder: every session in the stream merged as `ticktape merge` \
            does (provenance names recorder:session).
            Example: ticktape publish session.tape --publish nats://127.0.0.1:4222 --stream UPBIT \\
                       --recorder host-a --replicas 1 \\
                       && ticktape pull nats://127.0.0.1:4222 --stream UPBIT --recorder host-a --out pulled.tape
            """
    )

    @Argument(help: "The NATS servers: nats://H1:4222,H2:4222,H3:4222.") var servers: String
    @Option(help: "The stream to read.") var stream: String
    @Option(help: "Only this recorder's session.") var recorder: String?
    @Option(help: "The session (its start in Unix ns, as `pull` lists it); default: the latest.") var session: String?
    @Option(help: "The tape to create (must not exist).") var out: String
    @Option(help: "Give up when the servers or the stream do not answer within this long.")
    var timeout = DurationArgument(nanoseconds: 10_000_000_000)

    func run() throws {
        guard !FileManager.default.fileExists(atPath: out) else {
            throw CLIError.tape(.exists(path: out))
        }
        var recordings: [StreamPull.Recording]
        do {
            let list = try ClusterNames.servers(servers)
            recordings = try StreamPull.fetch(
                servers: list,
                stream: stream,
                recorder: recorder,
                timeoutMs: max(1, timeout.nanoseconds / 1_000_000)
            )
        } catch {
            throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
        }
        if let session { recordings = recordings.filter { $0.session == session } }
        guard !recordings.isEmpty else {
            let what = [recorder.map { "recorder \($0)" }, session.map { "session \($0)" }].compactMap { $0 }
            throw CLIError.badInput(
                "stream \(stream) holds no recording" + (what.isEmpty ? "" : " of " + what.joined(separator: ", "))
            )
        }
        if recorder != nil {
            // The latest session of that recorder (sessions are named by their start time).
            let chosen = recordings.max { (Int64($0.session) ?? 0) < (Int64($1.session) ?? 0) }!
            let frames = try write(chosen, to: out)
            Console.out("pulled \(frames) frames of \(chosen.name) from \(stream) into \(out)")
            if recordings.count > 1 {
                Console.out(
                    "(\(recordings.count) sessions of this recorder: \(recordings.map(\.session).joined(separator: ", ")))"
                )
            }
        } else {
            let dir = FileManager.default.temporaryDirectory.path + "/ticktape-pull-\(UUID().uuidString)"
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var paths: [String] = []
            for (i, recording) in recordings.enumerated() {
                let path = "\(dir)/\(i).tape"
                _ = try write(recording, to: path)
                paths.append(path)
            }
            let report: MergeReport
            do {
                report = try TapeMerger.merge(
                    paths,
                    labels: recordings.map(\.name),
                    out: out,
                    toolVersion: ticktapeVersion,
                    profile: UpbitProfile()
                )
            } catch {
                try? FileManager.default.removeItem(atPath: out)
                throw CLIError.tape(error)
            }
            Console.out(
                "pulled \(recordings.count) sessions from \(stream), merged into \(out): \(report.frames) frames"
            )
            MergeText.print(report)
            if !report.conflicts.isEmpty {
                Console.flush()
                throw CLIError(
                    .checkFailed,
                    "\(report.conflicts.count) conflicts: the same key with different payloads"
                )
            }
        }
        Console.flush()
    }

    private func write(_ recording: StreamPull.Recording, to path: String) throws(CLIError) -> Int {
        do {
            return try StreamPull.write(recording, to: path, profile: UpbitProfile())
        } catch {
            throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
        }
    }
}
