/// Whether a market message is the first state after a (re)subscription or a live update.
///
/// Upbit, for one, sends one `SNAPSHOT` per requested code after every request (unless
/// `is_only_realtime`), then `REALTIME` messages. Stored in the tape as 1 and 2; the rules read a
/// message without one as REALTIME.
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
/// need, extracted by an ``ExchangeProfile`` without a full JSON parse (see <doc:AddingAnExchange>).
///
/// `type` is the canonical market type (`ticker`, `trade`, `orderbook`, `candle.1m`, `myOrder`,
/// `myAsset`), or one of the out-of-band classes `status`, `error`, `list`; nil when the frame is
/// not a message the profile recognises (kept raw, decoded as unknown).
public struct FrameFacts: Sendable, Hashable {
    /// Canonical market type, or `status` / `error` / `list` for out-of-band messages.
    public var type: String?
    /// Market code (`KRW-BTC`), the same for every message of one market (Upbit: without the `.N`
    /// orderbook-depth suffix); nil for messages without one (myAsset).
    public var code: String?
    /// The event time in Unix milliseconds, as the exchange sent it (Upbit: `timestamp` / `tms`).
    public var eventTimeMs: Int64?
    /// SNAPSHOT or REALTIME (Upbit: `stream_type` / `st`); nil when the message has none.
    public var streamType: StreamType?
    /// A trade's exchange-assigned id (Upbit: `sequential_id` / `sid`): an exact integer (it
    /// exceeds 2^53), never a Double.
    public var sequentialID: UInt64?
    /// The 64-bit idempotency key (``IdempotencyKey``): trade → hash(code, sequential id); every
    /// other market type → hash(type, code, timestamp, digest of the payload with the stream type
    /// value left out).
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
