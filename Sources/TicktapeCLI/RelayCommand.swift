import ArgumentParser
import Foundation
import Rules
import Wire

/// `ticktape relay`: record exactly as `record` does, and serve the rules' output live to local
/// Upbit clients and in-process consumers. Flags, signals and printing live here; the relay is
/// Wire's ``RelayRun``.
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Record a live session and relay the reconcile rules' output to local clients, live.",
        discussion: """
            Upstream is exactly `record` (same flags). Local clients connect to ws://LISTEN/websocket/v1 \
            and speak Upbit's protocol: a request inside the upstream subscription gets one SNAPSHOT per \
            (type, code) from the relay's applied state, then the REALTIME events the rules accept: never a \
            duplicate, never an older epoch's frame, never state going back. Each client is a consumer \
            (--client: capacity and policy, default capacity=1024,policy=coalesce); a slow one drops or \
            coalesces, counted, and never slows the recording or the others. --consumer adds an in-process \
            consumer that takes each event after its service time (a slow GUI callback, say).
            The tape also holds what decided every delivery: `ticktape replay TAPE --as-recorded` \
            reproduces it and `ticktape check TAPE` proves it (L1). GET /status on the port is JSON.
            Example: ticktape relay ws://127.0.0.1:9000/websocket/v1 --out live.tape \\
                       --upbit "ticker,trade,orderbook:KRW-BTC,KRW-ETH" --listen 127.0.0.1:9100 --duration 3s
            """
    )

    @OptionGroup var recording: RecordingFlags
    @Option(help: "Where local clients connect: HOST:PORT (port 0: any free port, printed).")
    var listen = "127.0.0.1:9100"
    @Option(help: "Each client's consumer: capacity=N,policy=drop-oldest|drop-newest|coalesce.")
    var client = "capacity=1024,policy=coalesce"
    @Option(help: "An in-process consumer spec (name=…,types=…,codes=…,capacity=…,policy=…,service=…); repeat.")
    var consumer: [String] = []
    @Option(help: "Log what each client was sent, for check --deliveries --sent-log.") var sentLog: String?
    @OptionGroup var cluster: PublishOptions

    func run() async throws {
        var configuration = RelayRun.Configuration(
            recording: try recording.makeConfiguration(environment: ProcessInfo.processInfo.environment)
        )
        (configuration.host, configuration.port) = try Self.hostPort(listen)
        configuration.client = try Self.clientSpec(client)
        configuration.sentLog = sentLog
        let specs = try consumer.map { (text) throws(CLIError) -> ConsumerSpec in
            do {
                let spec = try ConsumerSpec.parse(text)
                guard spec.policy != .block else {
                    throw CLIError.badInput("--consumer '\(text)': policy block is refused live")
                }
                return spec
            } catch let error as CLIError {
                throw error
            } catch {
                throw .badInput("--consumer '\(text)': \(error)")
            }
        }
        _ = try cluster.configuration()
        let relay: RelayRun
        do {
            relay = try await RelayRun(configuration)
        } catch {
            throw CLIError(error.isBadInput ? .badInput : .runtime, error.description)
        }
        Console.error("relaying on ws://\(configuration.host):\(relay.port)/websocket/v1 (status: /status)")
        let publisher = try await cluster.startPublisher(tape: recording.out) {
            relay.stop()
            _ = try? await relay.run()
        }
        var served: [Task<Void, Never>] = []
        for spec in specs {
            let stream = try cli { try relay.consumer(spec) }
            served.append(
                Task {
                    for await _ in stream where spec.serviceNs > 0 {
                        try? await Task.sleep(nanoseconds: UInt64(spec.serviceNs))
                    }
                }
            )
        }
        let (summary, caught) = try await RecordCommand.runUntilStopped(
            { try await relay.run() },
            flush: { try? relay.flush() },
            statusLine: { Self.statusLine(relay) }
        )
        for task in served { await task.value }
        let signal = summary.recording.stopReason == .stopped ? caught : nil
        Console.out(RecordCommand.summaryLine(summary.recording, path: recording.out, signal: signal))
        for consumer in summary.consumers { Console.out(Self.consumerLine(consumer.metrics)) }
        cluster.finish(publisher, tape: recording.out)
        Console.flush()
    }

    /// `consumer client-1: delivered 5120, dropped 0, coalesced 12, max depth 40, lag p50 0.05 ms, p99 0.41 ms`.
    static func consumerLine(_ m: ConsumerMetrics) -> String {
        "consumer \(m.name): delivered \(m.delivered), dropped \(m.dropped), coalesced \(m.coalesced), "
            + "max depth \(m.maxQueueDepth), lag p50 \(Format.fixed(Double(m.lagP50Ns) / 1e6, 2)) ms, "
            + "p99 \(Format.fixed(Double(m.lagP99Ns) / 1e6, 2)) ms"
    }

    /// `HOST:PORT` → (host, port); exit 2 on anything else.
    static func hostPort(_ text: String) throws(CLIError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port), colon > text.startIndex
        else { throw .badInput("--listen must be HOST:PORT, got '\(text)'") }
        return (String(text[..<colon]), port)
    }

    /// The `--client` spec: a consumer spec without a name (each client is named client-N).
    static func clientSpec(_ text: String) throws(CLIError) -> ConsumerSpec {
        do {
            let spec = try ConsumerSpec.parse("name=client," + text)
            guard spec.policy != .block else { throw CLIError.badInput("--client: policy block is refused live") }
            return spec
        } catch let error as CLIError {
            throw error
        } catch {
            throw .badInput("--client '\(text)': \(error)")
        }
    }

    /// The status line on a terminal: frames/s, epoch, clients, and per consumer delivered/dropped.
    private static func statusLine(_ relay: RelayRun) -> Task<Void, Never>? {
        guard Console.showsStatus else { return nil }
        return Task {
            var last = await relay.status()
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                if Task.isCancelled { break }
                let now = await relay.status()
                let seconds = Double(now.elapsedNanos - last.elapsedNanos) / 1e9
                let rate = seconds > 0 ? Double(now.frames - last.frames) / seconds : 0
                let open = relay.hub.consumers().filter(\.open)
                let lanes = open.prefix(4).map { "\($0.metrics.name) \($0.metrics.delivered)/\($0.metrics.dropped)" }
                Console.status(
                    "relaying: \(Int(rate)) frames/s, epoch \(now.epoch)\(now.connected ? "" : " (reconnecting)"), "
                        + "\(open.count) consumers" + (lanes.isEmpty ? "" : " [" + lanes.joined(separator: ", ") + "]")
                )
                last = now
            }
            Console.clearStatus()
        }
    }
}
