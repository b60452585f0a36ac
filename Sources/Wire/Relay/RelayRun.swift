import Exchange
import Foundation
import NIOCore
import Primitives
import Rules
import TapeLog
import Upbit

/// `ticktape relay`, in-process: a recording (exactly ``RecordingRun``) whose accepted events also
/// go, live, through the reconcile rules to local consumers: Upbit-protocol WebSocket clients on
/// a local port and in-process ``RelayConsumer`` sequences.
///
/// ```swift
/// let relay = try await RelayRun(configuration)          // creates the tape, binds the port
/// let gui = try relay.consumer(ConsumerSpec(name: "gui", capacity: 64, policy: .coalesce))
/// Task { for await delivery in gui { show(delivery) } }
/// let summary = try await relay.run()                     // until duration or stop()
/// ```
///
/// The tape also holds every input that decided what a consumer received (its opens, requests,
/// closes, and how far it had taken its queue), committed with the frames, so that
/// `ticktape replay --as-recorded` reproduces each consumer's deliveries and `check` proves it.
public final class RelayRun: Sendable {
    /// The recording, where to listen, and the consumers' policy.
    public struct Configuration: Sendable {
        /// The recording, as `record` takes it (its `writer.relayRules` is set by the relay).
        public var recording: RecordingRun.Configuration
        /// Where local WebSocket clients connect (port 0: any free port).
        public var host = "127.0.0.1"
        public var port = 9100
        /// Capacity and policy of each WebSocket client's consumer (default coalesce, 1024).
        public var client = ConsumerSpec(name: "client", policy: .coalesce)
        /// The reconcile rules' options (the replay of the tape runs the same).
        public var rules = ReconcilerOptions()
        /// Where to log what each client was sent (`check --deliveries --sent-log`); nil for none.
        public var sentLog: String?
        /// At the end of the session, how long consumers get to take what is still queued for
        /// them before they are closed (default 2 s).
        public var drainNanos: Int64 = 2_000_000_000
        /// The local server's SO_SNDBUF per client (nil: the system's); small values make a slow
        /// client's backlog wait in its relay queue, where the policy applies, not in the kernel.
        public var socketSendBufferSize: Int?
        /// Told about each batch written to a client (its consumer id, the events, the time it was
        /// written in ns on the tape's monotonic clock): the bench's latency probe.
        public var onWritten: (@Sendable (Int, [MarketEvent], Int64) -> Void)?
        /// Told about every recorded frame after the rules took it in (the bench's baseline).
        public var onFrame: (@Sendable (FrameRecord) -> Void)?

        public init(recording: RecordingRun.Configuration) {
            self.recording = recording
        }
    }

    /// Why the relay stopped and what it did.
    public struct Summary: Sendable {
        public var recording: RecordingRun.Summary
        /// Every consumer, in open order, with its figures at its close.
        public var consumers: [RelayConsumerStatus]
        /// Rule decisions over the session.
        public var rules: RuleCounts
    }

    private let recording: RecordingRun
    public let hub: RelayHub
    private let server: WebSocketServer
    private let sentLog: SentLogWriter?
    private let configuration: Configuration
    private let serverTask = Locked<Task<Void, Never>?>(nil)
    private let handler: RelayClientHandler

    /// Binds the local port and creates the tape (with the relay tables); nothing is connected
    /// upstream until ``run()``. When it throws, nothing is left behind: no tape, no sent log.
    public init(_ configuration: Configuration) async throws(RelayRunError) {
        guard configuration.client.policy != .block, configuration.client.capacity > 0 else {
            throw .badInput("--client: policy block is refused live and the capacity must be > 0")
        }
        let upstream: UpbitSubscription
        do {
            upstream = try UpbitSubscription.parse(
                Array(configuration.recording.recorder.subscription.readableBytesView)
            )
        } catch {
            throw .badInput("the upstream subscription is not an Upbit request: \(error.description)")
        }
        let hub = RelayHub(rules: configuration.rules, clock: configuration.recording.recorder.clock)
        var recordingConfiguration = configuration.recording
        recordingConfiguration.writer.relayRules = configuration.rules.relayText
        let tap = configuration.onFrame
        recordingConfiguration.onFrame = { frame in
            hub.ingest(frame)
            tap?(frame)
        }
        let drain = configuration.drainNanos
        recordingConfiguration.beforeEnd = {
            await hub.drain(timeoutNanos: drain)
            _ = hub.stop(detail: "the relay stopped")
        }
        var allowed: Set<StreamKey> = []
        for type in upstream.types {
            if type.codes.isEmpty {
                allowed.insert(StreamKey(type: type.type, code: type.type == "myAsset" ? "" : "*"))
            }
            for code in type.codes {
                allowed.insert(StreamKey(type: type.type, code: UpbitScanner.stripDepthSuffix(code)))
            }
        }
        // The port first, then the sent log, then the tape: a relay that cannot start leaves no
        // tape behind.
        let recordingBox = Locked<RecordingRun?>(nil)
        var serverConfiguration = WebSocketServerConfiguration()
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        serverConfiguration.onConnectionError = { _ in }
        serverConfiguration.socketSendBufferSize = configuration.socketSendBufferSize
        let url = configuration.recording.recorder.url.description
        let clock = configuration.recording.recorder.clock
        let server: WebSocketServer
        do {
            server = try await WebSocketServer.bind(configuration: serverConfiguration, gate: nil) {
                guard let recording = recordingBox.withLock({ $0 }) else {
                    return HTTPReply(status: .serviceUnavailable, body: "starting")
                }
                return HTTPReply(
                    status: .ok,
                    contentType: "application/json",
                    body: RelayStatus.json(
                        hub: hub,
                        upstream: url,
                        recording: await recording.status(),
                        elapsedNanos: clock.monotonicNanos() - recording.sessionStartMono
                    )
                )
            }
        } catch {
            throw .listen("cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
        var sentLog: SentLogWriter?
        if let path = configuration.sentLog {
            do {
                sentLog = try SentLogWriter(path: path)
            } catch {
                await Self.close(server)
                throw .badInput(error.description)
            }
        }
        let recording: RecordingRun
        do {
            recording = try RecordingRun(recordingConfiguration)
        } catch {
            sentLog?.close()
            if let path = configuration.sentLog { try? FileManager.default.removeItem(atPath: path) }
            await Self.close(server)
            throw .recording(error)
        }
        recordingBox.withLock { $0 = recording }
        hub.attach(startMono: recording.sessionStartMono) { row in try recording.record(relay: row) }
        let handler = RelayClientHandler(
            hub: hub,
            allowed: allowed,
            upstreamKeys: upstream.format?.keys ?? .default,
            clientSpec: configuration.client,
            sentLog: sentLog,
            onWritten: configuration.onWritten,
            closeTimeoutNanos: configuration.drainNanos
        )
        self.handler = handler
        self.server = server
        self.recording = recording
        self.hub = hub
        self.sentLog = sentLog
        self.configuration = configuration
        let executor = configuration.recording.recorder.executor
        self.serverTask.withLock {
            $0 = Task(executorPreference: executor) { try? await server.run(handler: handler) }
        }
    }

    /// Closes a bound server that never served.
    private static func close(_ server: WebSocketServer) async {
        let task = Task { try? await server.run(handler: RefusingHandler()) }
        task.cancel()
        await task.value
    }

    /// The local port clients connect to (the real one when configured with port 0).
    public var port: Int { self.server.port }

    /// The tape's path.
    public var path: String { self.recording.path }

    /// An in-process consumer with `spec` (policy `block` refused): SNAPSHOTs of every stream the
    /// spec passes that has state, then the events the rules accept, at the pace it iterates.
    public func consumer(_ spec: ConsumerSpec) throws(RelayError) -> RelayConsumer {
        let id = try self.hub.open(spec, request: .everything, detail: "in-process")
        return RelayConsumer(hub: self.hub, id: id)
    }

    /// Frames, bytes and epoch of the recording so far.
    public func status() async -> RecordingRun.Status { await self.recording.status() }

    /// Asks the relay to stop (idempotent): the recording ends cleanly, every consumer is closed.
    public func stop() { self.recording.stop() }

    /// Commits whatever is enqueued now (a second signal's last act).
    public func flush() throws(TapeError) { try self.recording.flush() }

    /// Records and relays until a stop condition; then closes every consumer (their last
    /// checkpoints on the tape), ends the session and stops listening.
    public func run() async throws(RecordingError) -> Summary {
        let executor = self.configuration.recording.recorder.executor
        let checkpoints = Task(executorPreference: executor) {
            let interval = UInt64(max(1, self.configuration.recording.writer.commitMs)) * 1_000_000
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: interval)
                self.hub.checkpoint()
            }
        }
        defer {
            checkpoints.cancel()
            self.serverTask.withLock { $0?.cancel() }
            self.sentLog?.close()
        }
        let summary = try await self.recording.run()
        // Every consumer is closed: clients read what they were written and answer the close.
        // Unstructured, as a stop by cancellation (a signal) must still wait here, not spin.
        let handler = self.handler
        let deadline = ContinuousClock.now + .nanoseconds(self.configuration.drainNanos)
        await Task(executorPreference: executor) {
            while handler.active.withLock({ $0 }) > 0, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }.value
        if let failure = self.hub.failure { throw .tape(.io(path: self.path, reason: "relay rows: \(failure)")) }
        return Summary(recording: summary, consumers: self.hub.consumers(), rules: self.hub.rules().counts)
    }
}

/// Why a relay could not start.
public enum RelayRunError: Error, CustomStringConvertible, Sendable {
    case badInput(String)
    case recording(RecordingError)
    case listen(String)

    public var description: String {
        switch self {
        case .badInput(let why), .listen(let why): why
        case .recording(let error): error.description
        }
    }

    /// Caused by what the user gave (exit 2) rather than by the run (exit 3).
    public var isBadInput: Bool {
        switch self {
        case .badInput: true
        case .recording(let error): error.isBadInput
        case .listen: false
        }
    }
}

/// One event an in-process relay consumer receives: the accepted event (epoch, seq, stream key,
/// event time, SNAPSHOT or REALTIME) and, typed, what Upbit sent.
public struct RelayDelivery: Sendable {
    public var event: MarketEvent
    /// The message as received upstream (a SNAPSHOT from the applied state keeps the payload of
    /// the event it came from; ``event`` says SNAPSHOT).
    public var payload: [UInt8] { self.event.payload ?? [] }
    /// The payload decoded as Upbit's typed event.
    public var decoded: UpbitEvent { UpbitEvent.decode(self.payload) }
}

/// An in-process relay consumer: an `AsyncSequence` of ``RelayDelivery`` taken from its bounded
/// queue at the pace it is iterated. Ends when the relay stops or ``close()`` is called.
public struct RelayConsumer: AsyncSequence, Sendable {
    public typealias Element = RelayDelivery
    let hub: RelayHub
    /// The consumer's id on the tape (`relay_event.consumer`).
    public let id: Int

    /// Closes the consumer: nothing more is delivered.
    public func close() { self.hub.close(self.id, detail: "closed by the application") }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let hub: RelayHub
        let id: Int
        var buffer: [MarketEvent] = []
        var index = 0

        public mutating func next() async -> RelayDelivery? {
            if index == buffer.count {
                // One at a time: what the consumer has taken is what it has been handed.
                guard let batch = await self.hub.next(self.id, max: 1) else { return nil }
                buffer = batch
                index = 0
            }
            defer { index += 1 }
            return RelayDelivery(event: buffer[index])
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(hub: self.hub, id: self.id) }
}

/// The handler of a server closed before it served anyone.
private struct RefusingHandler: WebSocketServerHandler {
    func serve(_ request: UpgradeRequest, inbound: WebSocketInbound, outbound: WebSocketWriter) async throws {}
}
