import Exchange

/// A market event the rules accepted: what fan-out queues and consumers receive.
///
/// Carries the stream key both as strings (for reports and the check oracle) and as the dense
/// id the reconciler assigned (for per-key state without hashing).
public struct MarketEvent: Sendable {
    public var epoch: UInt32
    public var seq: UInt64
    /// Arrival time on the clock in use (ns); lag is measured from here.
    public var arrivalNs: Int64
    public var marketType: MarketType
    /// Dense stream-key id from ``StreamKeyTable``.
    public var keyID: Int32
    /// Canonical type string (`candle.1m` keeps its interval).
    public var type: String
    /// Market code; empty for myAsset.
    public var code: String
    public var eventTimeMs: Int64
    public var streamType: StreamType
    public var idempotencyKey: UInt64
    /// The raw payload when the input carried one, for typed decoding by consumers.
    public var payload: [UInt8]?

    public init(
        epoch: UInt32,
        seq: UInt64,
        arrivalNs: Int64,
        marketType: MarketType,
        keyID: Int32,
        type: String,
        code: String,
        eventTimeMs: Int64,
        streamType: StreamType,
        idempotencyKey: UInt64,
        payload: [UInt8]? = nil
    ) {
        self.epoch = epoch
        self.seq = seq
        self.arrivalNs = arrivalNs
        self.marketType = marketType
        self.keyID = keyID
        self.type = type
        self.code = code
        self.eventTimeMs = eventTimeMs
        self.streamType = streamType
        self.idempotencyKey = idempotencyKey
        self.payload = payload
    }

    /// The (type, code) stream key.
    public var streamKey: StreamKey { StreamKey(type: type, code: code) }
}
