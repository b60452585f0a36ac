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
    /// The event time as the exchange sent it (Upbit: `timestamp` / `tms`): Unix milliseconds
    /// normally, but some feeds switch to microseconds or nanoseconds for a while. Stored as
    /// sent; every comparison reads ``eventTimeMs``.
    public var eventTime: Int64?
    /// The event time in Unix milliseconds, whatever unit it was sent in (see ``EventTimeUnit``):
    /// what every rule, window, estimate and check compares. Setting it stores milliseconds.
    @inlinable public var eventTimeMs: Int64? {
        get { eventTime.map { EventTimeUnit(of: $0).milliseconds($0) } }
        set { eventTime = newValue }
    }
    /// The unit ``eventTime`` was sent in, told by its magnitude; nil without an event time.
    @inlinable public var eventTimeUnit: EventTimeUnit? { eventTime.map(EventTimeUnit.init(of:)) }
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
        eventTime: Int64? = nil,
        streamType: StreamType? = nil,
        sequentialID: UInt64? = nil,
        idempotencyKey: UInt64? = nil
    ) {
        self.type = type
        self.code = code
        self.eventTime = eventTime
        self.streamType = streamType
        self.sequentialID = sequentialID
        self.idempotencyKey = idempotencyKey
    }
}

/// The unit of an event time, told by its magnitude: a Unix time in milliseconds stays below
/// 10^14 until the year 5138, one in microseconds is above that until 5138 too, and one in
/// nanoseconds is above 10^17. Upbit, for one, sent some streams' times in microseconds for a
/// period while other messages of the same streams stayed in milliseconds; comparing the two
/// raw would make every later millisecond update look 1,000 times older.
public enum EventTimeUnit: String, Sendable, Hashable, CaseIterable {
    case milliseconds = "ms"
    case microseconds = "us"
    case nanoseconds = "ns"

    /// The smallest microsecond time: 10^14 (10^11 s, past the year 5000 in milliseconds).
    public static let microsecondFloor: Int64 = 100_000_000_000_000
    /// The smallest nanosecond time: 10^17.
    public static let nanosecondFloor: Int64 = 100_000_000_000_000_000

    /// The unit of `time` by its magnitude. Negative and small values count as milliseconds.
    @inlinable public init(of time: Int64) {
        if time >= Self.nanosecondFloor {
            self = .nanoseconds
        } else if time >= Self.microsecondFloor {
            self = .microseconds
        } else {
            self = .milliseconds
        }
    }

    /// `time` (in this unit) in milliseconds, rounded down.
    @inlinable public func milliseconds(_ time: Int64) -> Int64 {
        switch self {
        case .milliseconds: time
        case .microseconds: time / 1_000
        case .nanoseconds: time / 1_000_000
        }
    }
}
