import Primitives

/// Records an upstream WebSocket feed into a ``RecordingSink``, reconnecting until stopped.
///
/// A thin async shell over ``RecorderStateMachine``: it connects (at most 5/s, with
/// backoff), opens an epoch per handshake, sends the subscription first, records every inbound
/// message and every outbound one (subscription, keepalives, pongs, closes), pings every 60 s,
/// drops a connection silent for `staleAfter`, and takes fresh headers for every connection.
///
/// Cancel the task running ``run()`` to stop: the recorder then sends close 1000, waits for the
/// server's close at most `closeTimeoutNanos`, reports `.stopped` and returns normally. It
/// throws only when the sink throws (or the TLS context cannot be built).
public struct Recorder: Sendable {
    private let configuration: RecorderConfiguration
    private let sink: any RecordingSink

    public init(configuration: RecorderConfiguration, sink: any RecordingSink) {
        self.configuration = configuration
        self.sink = sink
    }

    public func run() async throws {
        var configuration = self.configuration
        if configuration.url.isSecure, configuration.tls == nil {
            configuration.tls = try WebSocketTLS.systemTrustRoots()  // expensive: once per recorder
        }
        configuration.clientOptions.clock = configuration.clock
        let stop = StopSignal()
        let loop = RecorderLoop(configuration: configuration, sink: self.sink, stop: stop)
        // Unstructured on purpose: cancellation must not reach the loop's own awaits, or it
        // could not send close 1000 and wait for the reply. It fires the stop signal instead.
        let task = Task(executorPreference: configuration.executor) { try await loop.run() }
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            stop.fire()
        }
    }
}

/// The loop behind ``Recorder/run()``.
struct RecorderLoop: Sendable {
    let configuration: RecorderConfiguration
    let sink: any RecordingSink
    let stop: StopSignal
    let machine: Locked<RecorderStateMachine>

    init(configuration: RecorderConfiguration, sink: any RecordingSink, stop: StopSignal) {
        self.configuration = configuration
        self.sink = sink
        self.stop = stop
        self.machine = Locked(RecorderStateMachine(configuration: configuration.policy))
    }

    private var clock: WireClock { self.configuration.clock }

    func run() async throws {
        var action = self.machine.withLock { $0.start(now: self.clock.monotonicNanos()) }
        while true {
            switch action {
            case .connect(let attempt):
                action = try await self.connect(attempt: attempt)
            case .reconnectAfter(let nanos):
                let stopped = await self.stop.sleep(nanos: nanos)
                action = self.machine.withLock {
                    stopped ? $0.requestStop() : $0.delayElapsed(now: self.clock.monotonicNanos())
                }
            case .stop:
                let epochs = self.machine.withLock { $0.epoch }
                try await self.sink.lifecycle(self.event(.stopped(epochs: epochs)))
                return
            case .sendSubscription, .sendPing, .closeStalled, .closeForStop, .none:
                preconditionFailure("recorder loop got a connection action outside a connection: \(action)")
            }
        }
    }

    private func connect(attempt: Int) async throws -> RecorderStateMachine.Action {
        let connection: WebSocketClientConnection
        do {
            connection = try await WebSocketClient.connect(
                url: self.configuration.url,
                headers: try self.configuration.headers(),
                tls: self.configuration.tls,
                maxFrameSize: self.configuration.maxFrameSize,
                options: self.configuration.clientOptions
            )
        } catch {
            let status = (error as? WebSocketClientError)?.httpStatus
            let failed = RecorderEvent.Kind.connectFailed(
                attempt: attempt,
                reason: String(describing: error),
                httpStatus: status
            )
            try await self.sink.lifecycle(self.event(failed))
            return self.machine.withLock { $0.connectFailed(now: self.clock.monotonicNanos()) }
        }
        let first = self.machine.withLock { machine in
            if self.stop.isFired { _ = machine.requestStop() }
            return machine.connectSucceeded(now: connection.openedMonotonicNanos)
        }
        let epoch = self.machine.withLock { $0.epoch }
        let info = EpochInfo(
            url: self.configuration.url,
            attempt: attempt,
            wallNanos: connection.openedWallNanos,
            monotonicNanos: connection.openedMonotonicNanos
        )
        try await self.sink.beginEpoch(epoch, info: info)
        let session = RecorderConnection(loop: self, epoch: epoch)
        let end = try await session.run(connection, first: first)
        let disconnected = RecorderEvent.Kind.disconnected(
            epoch: epoch,
            cause: end.cause,
            closeCode: end.closeCode,
            reason: end.reason
        )
        try await self.sink.lifecycle(self.event(disconnected))
        return self.machine.withLock { $0.connectionClosed(now: self.clock.monotonicNanos()) }
    }

    func event(_ kind: RecorderEvent.Kind) -> RecorderEvent {
        RecorderEvent(kind: kind, wallNanos: self.clock.wallNanos(), monotonicNanos: self.clock.monotonicNanos())
    }
}
