/// A row of `relay_event`: a relay consumer's open, request or close, positioned after inbound
/// frame (`epoch`, `afterSeq`). See `Schemas/relay.sql`.
public struct RelayEventRecord: Sendable, Hashable {
    public var consumer: Int64
    /// `open`, `request` or `close`.
    public var kind: String
    public var epoch: UInt32
    public var afterSeq: UInt64
    public var wallNs: Int64
    public var monoNs: Int64
    public var spec: String?
    public var request: String?
    public var detail: String?

    public init(
        consumer: Int64,
        kind: String,
        epoch: UInt32,
        afterSeq: UInt64,
        wallNs: Int64,
        monoNs: Int64,
        spec: String?,
        request: String?,
        detail: String?
    ) {
        self.consumer = consumer
        self.kind = kind
        self.epoch = epoch
        self.afterSeq = afterSeq
        self.wallNs = wallNs
        self.monoNs = monoNs
        self.spec = spec
        self.request = request
        self.detail = detail
    }
}

/// A row of `relay_mark`: a consumer's marks since its previous row and a checkpoint. See
/// `Schemas/relay.sql`.
public struct RelayMarkRecord: Sendable, Hashable {
    public var consumer: Int64
    public var fromOp: UInt64
    public var toOp: UInt64
    public var marks: [UInt8]
    public var delivered: Int64
    public var dropped: Int64
    public var coalesced: Int64
    public var depth: Int64
    public var digest: String

    public init(
        consumer: Int64,
        fromOp: UInt64,
        toOp: UInt64,
        marks: [UInt8],
        delivered: Int64,
        dropped: Int64,
        coalesced: Int64,
        depth: Int64,
        digest: String
    ) {
        self.consumer = consumer
        self.fromOp = fromOp
        self.toOp = toOp
        self.marks = marks
        self.delivered = delivered
        self.dropped = dropped
        self.coalesced = coalesced
        self.depth = depth
        self.digest = digest
    }
}

/// One relay row for the writer, committed in order with the frames.
public enum RelayRow: Sendable, Hashable {
    case event(RelayEventRecord)
    case mark(RelayMarkRecord)
}

/// Everything a relay tape holds beyond the frames, as read back.
public struct RelayJournalLog: Sendable, Hashable {
    /// `relay_session.rules`.
    public var rules: String
    public var events: [RelayEventRecord]
    /// In insertion order.
    public var marks: [RelayMarkRecord]

    public init(rules: String, events: [RelayEventRecord], marks: [RelayMarkRecord]) {
        self.rules = rules
        self.events = events
        self.marks = marks
    }
}
