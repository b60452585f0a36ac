import NIOCore
import TapeLog

/// The recorder's boundary to the tape: stamps each message with its epoch and seq in call
/// order and hands it to the `TapeWriter`: the network loop only stamps and enqueues.
///
/// An actor, so the reader and the keepalive timer cannot interleave their stamps. When the
/// writer's queue is full it suspends *before* stamping — reads pause (TCP backpressure) and
/// seqs stay in enqueue order — and never drops.
///
/// Lifecycle details (a refused upgrade's body, a close reason) come from the server and may
/// echo what we sent; with a ``SecretScrubber`` they are scrubbed of credentials before they
/// reach the tape: the Authorization header and the keys never enter it.
public actor TapeRecordingSink: RecordingSink {
    private let writer: TapeWriter
    private let sessionStartMono: Int64
    private let scrubber: SecretScrubber?
    private var stamper = Stamper()
    private var frameLimit: (count: Int64, reached: @Sendable () -> Void)?
    /// Told about every frame right after it is enqueued, in seq order (the relay's rules).
    private let onFrame: (@Sendable (FrameRecord) -> Void)?
    /// Once `session_end` is written nothing else is: later calls are ignored.
    private var ended = false
    /// Frames recorded so far (inbound and outbound), and their payload bytes.
    public private(set) var frames: Int64 = 0
    public private(set) var bytes: Int64 = 0
    /// The epoch currently open (0 before the first connection).
    public var epoch: Int { Int(stamper.epoch) }
    /// Whether that epoch's connection is up (between its handshake and its end).
    public private(set) var connected = false

    /// `sessionStartMono` is the monotonic time (same clock as the messages') the tape's
    /// `mono_ns` counts from.
    public init(
        writer: TapeWriter,
        sessionStartMono: Int64,
        scrubber: SecretScrubber? = nil,
        onFrame: (@Sendable (FrameRecord) -> Void)? = nil
    ) {
        self.writer = writer
        self.sessionStartMono = sessionStartMono
        self.scrubber = scrubber
        self.onFrame = onFrame
    }

    /// Calls `reached` once, as soon as `count` frames have been recorded (`--max-frames`).
    public func notify(afterFrames count: Int64, _ reached: @escaping @Sendable () -> Void) {
        if frames >= count {
            reached()
        } else {
            frameLimit = (count, reached)
        }
    }

    public func beginEpoch(_ epoch: Int, info: EpochInfo) async throws {
        guard !ended else { return }
        guard epoch == Int(stamper.epoch) + 1 else {
            throw TapeError.outOfOrder("epoch \(epoch) began after epoch \(stamper.epoch)")
        }
        connected = true
        try writer.record(
            stamper.connect(
                wallNs: info.wallNanos,
                monoNs: info.monotonicNanos - sessionStartMono,
                detail: "attempt \(info.attempt)"
            )
        )
    }

    public func record(_ message: WebSocketMessage, direction: Direction, epoch: Int) async throws {
        await writer.waitUntilWritable()
        guard !ended else { return }
        guard epoch == Int(stamper.epoch) else {
            throw TapeError.outOfOrder("a message of epoch \(epoch) while epoch \(stamper.epoch) is open")
        }
        let payload = Array(message.payload.readableBytesView)
        let frame = stamper.frame(
            direction,
            opcode: FrameOpcode(rawValue: message.rawOpcode),
            fragments: UInt16(clamping: message.fragmentCount),
            wallNs: message.wallNanos,
            monoNs: message.monotonicNanos - sessionStartMono,
            payload: payload
        )
        try writer.append(frame)
        onFrame?(frame)
        frames += 1
        bytes += Int64(payload.count)
        if let limit = frameLimit, frames >= limit.count {
            frameLimit = nil
            limit.reached()
        }
    }

    public func lifecycle(_ event: RecorderEvent) async throws {
        guard !ended else { return }
        let wall = event.wallNanos
        let mono = event.monotonicNanos - sessionStartMono
        let record: LifecycleRecord
        switch event.kind {
        case .connectFailed(let attempt, let reason, let status):
            record = stamper.event(
                .connectFailed,
                wallNs: wall,
                monoNs: mono,
                closeCode: status.map(Int64.init),
                detail: scrubbed("attempt \(attempt): \(reason)")
            )
        case .subscribed:
            record = stamper.event(.subscribe, wallNs: wall, monoNs: mono)
        case .disconnected(_, let cause, let code, let reason):
            connected = false
            record = stamper.event(
                .disconnect,
                wallNs: wall,
                monoNs: mono,
                closeCode: code.map(Int64.init),
                detail: scrubbed(reason.isEmpty ? "\(cause)" : "\(cause): \(reason)")
            )
        case .stopped:
            record = stamper.event(.sessionEnd, wallNs: wall, monoNs: mono)
            ended = true
        }
        try writer.record(record)
    }

    /// Writes `session_end` unless the recorder already did, and ignores everything after it.
    /// For a stop that cannot wait for the recorder any longer (a connect that hangs).
    public func end(wallNanos: Int64, monotonicNanos: Int64, detail: String? = nil) throws {
        guard !ended else { return }
        ended = true
        try writer.record(
            stamper.event(.sessionEnd, wallNs: wallNanos, monoNs: monotonicNanos - sessionStartMono, detail: detail)
        )
    }

    private func scrubbed(_ text: String) -> String {
        scrubber?.scrub(text) ?? text
    }
}
