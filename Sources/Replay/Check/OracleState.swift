import Rules

/// What the oracle keeps per stream key: its own classification (separate from the rules'),
/// which consumers' filters select it, and the last accepted event (C5's reference).
struct OracleKey: Sendable {
    var key: StreamKey
    /// ticker, orderbook, candle.*, myAsset (R5's state types), classified here from the type
    /// string.
    var isState: Bool
    var isTrade: Bool
    /// Per consumer: does its filter select this key.
    var selected: [Bool]
    var lastAccepted: EventRef?
    /// Highest accepted event time, for the `reordered` finding on facts.
    var newestAcceptedMs = Int64.min
    /// Accepted events of the key, for a client lane whose streams are known only at the end.
    var acceptedCount = 0

    init(_ key: StreamKey, consumers: [ConsumerSpec]) {
        self.key = key
        isState = Self.isStateType(key.type)
        isTrade = key.type == "trade"
        selected = consumers.map { Self.selects($0.filter, key) }
    }

    /// State types describe a value that later messages replace (as R5 classifies them).
    static func isStateType(_ type: String) -> Bool {
        switch type {
        case "ticker", "orderbook", "myAsset": true
        default: type.hasPrefix("candle.") && type.utf8.count > 7
        }
    }

    /// A consumer filter's meaning (`ConsumerFilter`'s documented semantics), evaluated
    /// here rather than through the hub so a filter bug shows up as a C5/C6 violation: nil sets
    /// select everything, `candle.*` selects every interval, an event without a code (myAsset)
    /// passes any code filter.
    static func selects(_ filter: ConsumerFilter, _ key: StreamKey) -> Bool {
        if let types = filter.types, !types.contains(key.type) {
            guard key.type.hasPrefix("candle."), types.contains("candle.*") else { return false }
        }
        if let codes = filter.codes, !key.code.isEmpty, !codes.contains(key.code) { return false }
        return true
    }
}

/// One consumer's view of one stream key.
struct LaneKey: Sendable {
    /// Last delivery of the key (C2, C5).
    var last: EventRef?
    /// Delivered SNAPSHOT with the highest event time (C4's mark).
    var snapshot: EventRef?
    /// The last drop of the key counted by the hub (C5: a stale last value is legitimate only
    /// when the newer value was dropped and counted).
    var lastDropped: EventRef?
}

/// What the oracle keeps per consumer.
struct OracleLane: Sendable {
    var spec: ConsumerSpec
    var keys: [LaneKey] = []
    /// Delivered idempotency keys within the window, per stream key (C1).
    var windows: DeliveryWindows
    /// The first delivery from the highest epoch delivered so far, and its key (C3).
    var highest: (ref: EventRef, key: Int)?
    var acceptedSelected = 0
    var acceptedTrades = 0
    var delivered = 0
    var deliveredTrades = 0
    var dropped = 0
    var droppedTrades = 0
    var coalesced = 0
    var coalescedTrades = 0
    /// The first trade that left the queue by coalescing, C6's witness.
    var lostTrade: (ref: EventRef, key: Int)?
    /// Set when the lane judges a user's client from its deliveries log instead of ticktape's
    /// own fan-out.
    var client: ClientLaneRules?
    /// C3 needs to know each delivery's epoch: a client's log gives it only with the server's
    /// sent log.
    var checksEpochs: Bool { client?.epochsKnown ?? true }

    /// A lane for `spec`; its C1 table is sized for `expectedKeys` when the consumer takes every
    /// type and code (it then receives about every key), else it starts small.
    init(spec: ConsumerSpec, expectedKeys: Int) {
        self.spec = spec
        let takesAll = spec.filter.types == nil && spec.filter.codes == nil
        windows = DeliveryWindows(expectedKeys: takesAll ? expectedKeys : 0)
    }
}

/// Where an epoch last had inbound data (or its connect), for gap findings.
struct GapMark: Sendable {
    var epoch: UInt32
    /// Seq of the last inbound data frame; 0 for the connect event.
    var seq: UInt64
    var ns: Int64
}

/// How the oracle judges a user's client (`check --deliveries`), which has no queue the oracle
/// can see: it applied what it applied.
public struct ClientLaneRules: Sendable, Hashable {
    /// The client says it applies every accepted trade of its streams: C6 is judged.
    public var lossless: Bool
    /// Each line's epoch is known (from the server's sent log): C3 is judged.
    public var epochsKnown: Bool
    /// The stream keys the client applied at least once: the ones whose final state C5 judges
    /// and whose accepted trades C6 counts (see ``CheckOracle/selectClientStreams(_:)``).
    public var streams: Set<StreamKey>

    public init(lossless: Bool, epochsKnown: Bool, streams: Set<StreamKey> = []) {
        self.lossless = lossless
        self.epochsKnown = epochsKnown
        self.streams = streams
    }
}
