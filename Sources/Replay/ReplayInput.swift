import Exchange
import TapeLog

/// One recorded frame as the engine reads it.
public struct ReplayFrame: Sendable {
    public var epoch: UInt32
    public var seq: UInt64
    public var direction: Direction
    public var opcode: FrameOpcode
    /// Monotonic ns since the session start (the recorded arrival).
    public var monoNs: Int64
    public var facts: FrameFacts
    public var payload: [UInt8]?

    public init(
        epoch: UInt32,
        seq: UInt64,
        direction: Direction = .inbound,
        opcode: FrameOpcode = .binary,
        monoNs: Int64,
        facts: FrameFacts,
        payload: [UInt8]? = nil
    ) {
        self.epoch = epoch
        self.seq = seq
        self.direction = direction
        self.opcode = opcode
        self.monoNs = monoNs
        self.facts = facts
        self.payload = payload
    }
}

/// One lifecycle event. `lostFrames` is the count a `loss` event declares (0 otherwise).
public struct LifecycleEvent: Sendable, Hashable {
    public var kind: LifecycleKind
    public var epoch: UInt32
    public var monoNs: Int64
    public var lostFrames: Int

    public init(kind: LifecycleKind, epoch: UInt32, monoNs: Int64, lostFrames: Int = 0) {
        self.kind = kind
        self.epoch = epoch
        self.monoNs = monoNs
        self.lostFrames = lostFrames
    }
}

/// What the replay engine consumes: the tape's rows in order, adapted by the caller.
public enum ReplayInput: Sendable {
    case frame(ReplayFrame)
    case lifecycle(LifecycleEvent)

    /// An inbound binary data frame: the common case.
    public static func frame(epoch: UInt32, seq: UInt64, monoNs: Int64, facts: FrameFacts) -> ReplayInput {
        .frame(ReplayFrame(epoch: epoch, seq: seq, monoNs: monoNs, facts: facts))
    }

    /// The idempotency key of an inbound frame (what the prefetch hints need), read without
    /// copying the frame out of the enum.
    public var inboundIdempotencyKey: UInt64? {
        switch self {
        case .frame(let frame) where frame.direction == .inbound: frame.facts.idempotencyKey
        default: nil
        }
    }

    public static func lifecycle(_ kind: LifecycleKind, epoch: UInt32, monoNs: Int64) -> ReplayInput {
        .lifecycle(LifecycleEvent(kind: kind, epoch: epoch, monoNs: monoNs))
    }
}
