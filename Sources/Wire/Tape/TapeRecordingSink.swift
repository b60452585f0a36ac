import NIOCore
import TapeLog

/// The recorder's boundary to the tape: stamps each message with its epoch and seq in call
/// order and hands it to the ``TapeWriter`` (SPEC §3: "the network loop only stamps and
/// enqueues").
///
/// An actor, so the reader and the keepalive timer cannot interleave their stamps. When the
/// writer's queue is full it suspends *before* stamping — reads pause (TCP backpressure) and
/// seqs stay in enqueue order — and never drops.
public actor TapeRecordingSink: RecordingSink {
    private let writer: TapeWriter
    private let sessionStartMono: Int64
    private var stamper = Stamper()
    /// Frames recorded so far, and their payload bytes.
    public private(set) var frames: Int64 = 0
    public private(set) var bytes: Int64 = 0

    /// `sessionStartMono` is the monotonic time (same clock as the messages') the tape's
    /// `mono_ns` counts from.
    public init(writer: TapeWriter, sessionStartMono: Int64) {
        self.writer = writer
        self.sessionStartMono = sessionStartMono
    }

    public func beginEpoch(_ epoch: Int, info: EpochInfo) async throws {
        guard epoch == Int(stamper.epoch) + 1 else {
            throw TapeError.outOfOrder("epoch \(epoch) began after epoch \(stamper.epoch)")
        }
        try writer.record(
            stamper.connect(
                wallNs: info.wallNanos,
                monoNs: info.monotonicNanos - sessionStartMono,
                detail: "attempt \(info.attempt)"
            )
        )
    }

    public func record(_ message: WebSocketMessage, direction: FrameDirection, epoch: Int) async throws {
        await writer.waitUntilWritable()
        guard epoch == Int(stamper.epoch) else {
            throw TapeError.outOfOrder("a message of epoch \(epoch) while epoch \(stamper.epoch) is open")
        }
        let payload = Array(message.payload.readableBytesView)
        frames += 1
        bytes += Int64(payload.count)
        try writer.append(
            stamper.frame(
                direction == .inbound ? .inbound : .outbound,
                opcode: message.rawOpcode,
                fragments: UInt16(clamping: message.fragmentCount),
                wallNs: message.wallNanos,
                monoNs: message.monotonicNanos - sessionStartMono,
                payload: payload
            )
        )
    }

    public func lifecycle(_ event: RecorderEvent) async throws {
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
                detail: "attempt \(attempt): \(reason)"
            )
        case .subscribed:
            record = stamper.event(.subscribe, wallNs: wall, monoNs: mono)
        case .disconnected(_, let cause, let code, let reason):
            record = stamper.event(
                .disconnect,
                wallNs: wall,
                monoNs: mono,
                closeCode: code.map(Int64.init),
                detail: reason.isEmpty ? "\(cause)" : "\(cause): \(reason)"
            )
        case .stopped:
            record = stamper.event(.sessionEnd, wallNs: wall, monoNs: mono)
        }
        try writer.record(record)
    }
}
