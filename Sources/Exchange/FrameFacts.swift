/// Whether an Upbit message is the first state after a (re)subscription or a live update.
///
/// Upbit sends one `SNAPSHOT` per requested code after every request (unless `is_only_realtime`),
/// then `REALTIME` messages. Stored in the tape as 1 and 2.
public enum StreamType: UInt8, Sendable, Hashable, CaseIterable, BitwiseCopyable {
    case snapshot = 1
    case realtime = 2

    /// The wire spelling: `SNAPSHOT` or `REALTIME`.
    public var name: String { self == .snapshot ? "SNAPSHOT" : "REALTIME" }

    /// Parses the wire spelling; nil for anything else.
    public init?(name: String) {
        switch name {
        case "SNAPSHOT": self = .snapshot
        case "REALTIME": self = .realtime
        default: return nil
        }
    }
}

/// The few facts about one inbound frame that the tape stores in plain columns and the rules
/// need, extracted without a full JSON parse (see <doc:Upbit>).
///
/// `type` is the Upbit type (`ticker`, `trade`, `orderbook`, `candle.1m`, `myOrder`, `myAsset`),
/// or one of the out-of-band classes `status`, `error`, `list`; nil when the frame is not a
/// recognisable Upbit message (kept raw, decoded as unknown).
public struct FrameFacts: Sendable, Hashable {
    /// Upbit message type, or `status` / `error` / `list` for out-of-band messages.
    public var type: String?
    /// Market code (`KRW-BTC`), without any `.N` orderbook-depth suffix; nil for myAsset.
    public var code: String?
    /// `timestamp` / `tms` in Unix milliseconds.
    public var eventTimeMs: Int64?
    /// `stream_type` / `st`.
    public var streamType: StreamType?
    /// Trade `sequential_id` / `sid`: an exact integer (it exceeds 2^53), never a Double.
    public var sequentialID: UInt64?
    /// The 64-bit idempotency key: trade → hash(code, sequential_id); every other type →
    /// hash(type, code, timestamp, digest of the payload with the stream_type value left out).
    public var idempotencyKey: UInt64?

    public init(
        type: String? = nil,
        code: String? = nil,
        eventTimeMs: Int64? = nil,
        streamType: StreamType? = nil,
        sequentialID: UInt64? = nil,
        idempotencyKey: UInt64? = nil
    ) {
        self.type = type
        self.code = code
        self.eventTimeMs = eventTimeMs
        self.streamType = streamType
        self.sequentialID = sequentialID
        self.idempotencyKey = idempotencyKey
    }
}
