/// What a relay consumer asked for: the (type, code) pairs it gets REALTIME events of, and the
/// pairs whose SNAPSHOT it gets first, in request order. Code `*` stands for every code of the
/// type (myOrder without codes); myAsset's code is empty.
///
/// Text form (journaled): `realtime=ticker:KRW-BTC|trade:KRW-BTC,snapshots=ticker:KRW-BTC`; `*`
/// for a list means "every stream key the consumer spec's filter passes" (in-process consumers).
public struct RelayRequest: Sendable, Hashable, CustomStringConvertible {
    /// nil: the consumer spec's filter.
    public var realtime: [StreamKey]?
    /// nil: every known stream key the spec's filter passes, in first-seen order.
    public var snapshots: [StreamKey]?

    public init(realtime: [StreamKey]?, snapshots: [StreamKey]?) {
        self.realtime = realtime
        self.snapshots = snapshots
    }

    /// Everything the consumer spec passes, SNAPSHOTs first: what an in-process consumer asks.
    public static let everything = RelayRequest(realtime: nil, snapshots: nil)

    public var description: String {
        func list(_ keys: [StreamKey]?) -> String {
            keys.map { $0.map { "\($0.type):\($0.code)" }.joined(separator: "|") } ?? "*"
        }
        return "realtime=\(list(realtime)),snapshots=\(list(snapshots))"
    }

    /// Parses ``description``'s form; nil when it is not that.
    public init?(parsing text: String) {
        func list(_ value: Substring) -> [StreamKey]?? {
            if value == "*" { return .some(nil) }
            if value.isEmpty { return .some([]) }
            var keys: [StreamKey] = []
            for pair in value.split(separator: "|", omittingEmptySubsequences: false) {
                guard let colon = pair.firstIndex(of: ":") else { return nil }
                keys.append(StreamKey(type: String(pair[..<colon]), code: String(pair[pair.index(after: colon)...])))
            }
            return .some(keys)
        }
        var realtime: [StreamKey]??
        var snapshots: [StreamKey]??
        for field in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = field.firstIndex(of: "=") else { return nil }
            let value = field[field.index(after: equals)...]
            switch field[..<equals] {
            case "realtime": realtime = list(value)
            case "snapshots": snapshots = list(value)
            default: return nil
            }
        }
        guard let realtime, let snapshots else { return nil }
        self.init(realtime: realtime, snapshots: snapshots)
    }
}

/// A consumer's lifecycle input to the relay, positioned in the frame order: it happened after
/// the relay had taken in inbound frame (`epoch`, `afterSeq`) and before the next.
public struct RelayConsumerEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case open
        case request
        case close
    }

    public var consumer: Int
    public var kind: Kind
    public var epoch: UInt32
    public var afterSeq: UInt64
    public var wallNs: Int64
    public var monoNs: Int64
    /// open: the consumer spec (``ConsumerSpec/description``).
    public var spec: String?
    /// open and request: the ``RelayRequest``.
    public var request: String?
    /// open: who (a client's address, `in-process`); request: the client's message; close: why.
    public var detail: String?

    public init(
        consumer: Int,
        kind: Kind,
        epoch: UInt32,
        afterSeq: UInt64,
        wallNs: Int64,
        monoNs: Int64,
        spec: String? = nil,
        request: String? = nil,
        detail: String? = nil
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

/// A consumer's marks since its previous checkpoint, and a checkpoint: after operation `toOp`
/// (and whatever it took since), `delivered` events in all with `digest`, `depth` still queued.
public struct RelayCheckpoint: Sendable, Hashable {
    public var consumer: Int
    /// The operation the previous checkpoint of this consumer followed (0 for its first).
    public var fromOp: UInt64
    public var toOp: UInt64
    /// Marks of operations `fromOp + 1 … toOp`.
    public var marks: RelayMarks
    public var delivered: Int
    public var dropped: Int
    public var coalesced: Int
    public var depth: Int
    /// ``ConsumerMetrics/digest`` of the deliveries so far.
    public var digest: String

    public init(
        consumer: Int,
        fromOp: UInt64,
        toOp: UInt64,
        marks: RelayMarks,
        delivered: Int,
        dropped: Int,
        coalesced: Int,
        depth: Int,
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

/// What the live relay journals, in the order it happened.
public enum RelayJournalEntry: Sendable, Hashable {
    case consumer(RelayConsumerEvent)
    case checkpoint(RelayCheckpoint)
}

/// Why a relay consumer could not be opened or driven.
public enum RelayError: Error, Sendable, Hashable, CustomStringConvertible {
    case fanout(FanoutError)
    case unknownConsumer(Int)
    case duplicateConsumer(Int)
    case badJournal(String)

    public var description: String {
        switch self {
        case .fanout(let error): error.description
        case .unknownConsumer(let id): "no relay consumer \(id)"
        case .duplicateConsumer(let id): "relay consumer \(id) opened twice"
        case .badJournal(let why): "relay journal: \(why)"
        }
    }
}
