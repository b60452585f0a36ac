import NIOCore
import Primitives
import TapeLog
import Upbit

/// One `ticktape record` run, in-process: the tape writer, the sink, the recorder, the stop
/// conditions and the summary numbers. The CLI, `demo` and `bench record` share it.
///
/// ```swift
/// let session = try RecordingRun(configuration)  // creates the tape (0600; never overwrites)
/// let summary = try await session.run()              // until duration, max frames or stop()
/// ```
///
/// Stopping (a duration, `maxFrames`, ``stop()`` or cancelling the task in ``run()``) is always
/// clean: close 1000, wait at most the recorder's close timeout (2 s) for the reply, write
/// `session_end`, commit, close the tape.
public final class RecordingRun: Sendable {
    /// What to record, where, and when to stop.
    public struct Configuration: Sendable {
        /// The tape to create.
        public var path: String
        /// URL, subscription (the bytes sent first on every connection), policy, headers, TLS.
        public var recorder: RecorderConfiguration
        /// Group commit interval, sync level, queue size.
        public var writer = WriterOptions()
        /// Stored in the session row.
        public var toolVersion: String
        /// Stop after this long (nanoseconds since the session started); nil: until stopped.
        public var durationNanos: Int64?
        /// Stop once this many frames (inbound and outbound) are recorded; the close handshake
        /// that follows adds its own few frames.
        public var maxFrames: Int64?
        /// Keys for the private endpoint: a fresh JWT per connection, the URL's `/websocket/v1`
        /// becomes `/websocket/v1/private`, and lifecycle details are scrubbed of them.
        public var credentials: UpbitCredentials?
        /// Told about every frame right after it is enqueued, in seq order (``RelayRun`` feeds its
        /// rules from here).
        public var onFrame: (@Sendable (FrameRecord) -> Void)?
        /// Runs when the session stops, after `session_end` (nothing more is recorded from then
        /// on) and before the tape is closed: the last rows of the session can still be enqueued
        /// (the relay's consumer closes).
        public var beforeEnd: (@Sendable () async -> Void)?

        public init(path: String, url: WebSocketURL, subscription: [UInt8], toolVersion: String) {
            self.path = path
            self.recorder = RecorderConfiguration(url: url, subscription: ByteBuffer(bytes: subscription))
            self.toolVersion = toolVersion
        }
    }

    private let configuration: Configuration
    private let recorderConfiguration: RecorderConfiguration
    private let writer: TapeWriter
    private let sink: TapeRecordingSink
    private let startMono: Int64
    private let stopSignal = StopSignal()
    private let stopReason = Locked<StopReason?>(nil)

    /// Prepares TLS (wss: system trust roots unless given) and creates the tape with its session
    /// row (tool version, URL without secrets, subscription, sync, commit interval). Nothing is
    /// connected yet.
    public init(_ configuration: Configuration) throws(RecordingError) {
        var recorder = configuration.recorder
        var scrubber: SecretScrubber?
        if let credentials = configuration.credentials {
            try UpbitCredentials.checkTransport(recorder.url)
            let secrets = SecretScrubber(secrets: [credentials.secretKey, credentials.accessKey])
            recorder.url = UpbitCredentials.privateEndpoint(for: recorder.url)
            recorder.headers = {
                let header = credentials.authorizationHeader()
                secrets.addToken(header.token)
                return [(header.name, header.value)]
            }
            scrubber = secrets
        }
        if recorder.url.isSecure, recorder.tls == nil {
            do {
                recorder.tls = try WebSocketTLS.systemTrustRoots()
            } catch {
                throw .tls(String(describing: error))
            }
        }
        let clock = recorder.clock
        let session = SessionInfo(
            toolVersion: configuration.toolVersion,
            url: recorder.url.description,
            subscription: String(decoding: recorder.subscription.readableBytesView, as: UTF8.self),
            startedNs: clock.wallNanos(),
            sync: configuration.writer.sync,
            commitMs: configuration.writer.commitMs
        )
        self.startMono = clock.monotonicNanos()
        do {
            self.writer = try TapeWriter(
                path: configuration.path,
                session: session,
                profile: UpbitProfile(),
                options: configuration.writer
            )
        } catch {
            throw .tape(error)
        }
        self.configuration = configuration
        self.recorderConfiguration = recorder
        self.sink = TapeRecordingSink(
            writer: self.writer,
            sessionStartMono: self.startMono,
            scrubber: scrubber,
            onFrame: configuration.onFrame
        )
    }

    /// The tape's path.
    public var path: String { self.configuration.path }

    /// Asks a running session to stop (idempotent; before ``run()`` it makes `run` stop at once).
    public func stop() { self.requestStop(.stopped) }

    /// Frames, bytes and epoch so far.
    public func status() async -> Status {
        Status(
            frames: await self.sink.frames,
            bytes: await self.sink.bytes,
            epoch: await self.sink.epoch,
            elapsedNanos: self.recorderConfiguration.clock.monotonicNanos() - self.startMono,
            connected: await self.sink.connected
        )
    }

    /// The monotonic time the tape's `mono_ns` counts from.
    public var sessionStartMono: Int64 { self.startMono }

    /// Enqueues a relay row (a tape created with `writer.relayRules`), in order with the frames.
    public func record(relay row: RelayRow) throws(TapeError) {
        try self.writer.record(relay: row)
    }

    /// Commits whatever is enqueued now, without ending the session: the last thing a process
    /// does before it exits abruptly (a second SIGINT). Blocks the calling thread.
    public func flush() throws(TapeError) {
        try self.writer.flush()
    }

    /// Records until a stop condition, then ends the session cleanly and returns its summary.
    /// Call once. Cancelling the calling task is a ``stop()``: the clean end still happens.
    public func run() async throws(RecordingError) -> Summary {
        // Unstructured on purpose (as in ``Recorder/run()``): after a cancellation the session
        // must still wait for the close handshake and commit.
        let task = Task(executorPreference: self.recorderConfiguration.executor) { try await self.record() }
        do {
            return try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                self.requestStop(.stopped)
            }
        } catch let error as RecordingError {
            throw error
        } catch {
            throw .recorder(String(describing: error))
        }
    }

    private func requestStop(_ reason: StopReason) {
        let first = self.stopReason.withLock { current in
            if current == nil { current = reason }
            return current == reason
        }
        if first { self.stopSignal.fire() }
    }

    private func record() async throws(RecordingError) -> Summary {
        let clock = self.recorderConfiguration.clock
        if let maxFrames = self.configuration.maxFrames {
            await self.sink.notify(afterFrames: maxFrames) { [weak self] in self?.requestStop(.maxFrames) }
        }
        let recorderDone = StopSignal()
        let recorder = Recorder(configuration: self.recorderConfiguration, sink: self.sink)
        let recorderTask = Task(executorPreference: self.recorderConfiguration.executor) {
            defer { recorderDone.fire() }
            try await recorder.run()
        }
        // Wait for a stop condition, or for the recorder to end by itself (only a sink failure).
        let untilDuration = self.configuration.durationNanos.map { $0 - (clock.monotonicNanos() - self.startMono) }
        let fired = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.stopSignal.sleep(nanos: untilDuration ?? Int64.max) }
            group.addTask {
                await recorderDone.wait()
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !fired && !recorderDone.isFired { self.requestStop(.duration) }
        recorderTask.cancel()
        let bound = self.recorderConfiguration.closeTimeoutNanos + 1_000_000_000
        let finished = await recorderDone.sleep(nanos: bound)
        var failure: RecordingError?
        if finished {
            do {
                try await recorderTask.value
            } catch let error as TapeError {
                failure = .tape(error)
            } catch {
                failure = .recorder(String(describing: error))
            }
        }
        if failure == nil {
            do {
                try await self.sink.end(
                    wallNanos: clock.wallNanos(),
                    monotonicNanos: clock.monotonicNanos(),
                    detail: "the recorder did not stop within \(bound / 1_000_000) ms"
                )
            } catch let error as TapeError {
                failure = .tape(error)
            } catch {
                failure = .recorder(String(describing: error))
            }
        }
        // After `session_end`: a recorder that did not stop in time records nothing more, so the
        // last rows (the relay's consumer closes) follow every frame the session will hold.
        await self.configuration.beforeEnd?()
        let stats: WriterStats
        do {
            stats = try self.writer.close()
        } catch {
            throw failure ?? .tape(error)
        }
        if let failure { throw failure }
        return Summary(
            frames: stats.framesCommitted,
            bytes: stats.rawBytes,
            epochs: await self.sink.epoch,
            durationNanos: clock.monotonicNanos() - self.startMono,
            stopReason: self.stopReason.withLock { $0 } ?? .stopped,
            recorderFinished: finished,
            writerStats: stats
        )
    }
}
