import Exchange

/// What a witness records: a discard, or a fact that arrived out of time order (`reordered`,
/// which is counted but delivered).
public enum WitnessKind: Sendable, Hashable, Comparable {
    case discard(DiscardReason)
    case reordered

    /// Stable snake_case name used in reports.
    public var name: String {
        switch self {
        case .discard(let reason): reason.name
        case .reordered: "reordered"
        }
    }

    var index: Int {
        switch self {
        case .discard(let reason): reason.rawValue
        case .reordered: DiscardReason.allCases.count
        }
    }

    static let count = DiscardReason.allCases.count + 1

    public static func < (lhs: WitnessKind, rhs: WitnessKind) -> Bool { lhs.index < rhs.index }
}

/// The earlier event a witness conflicted with (the applied state, the snapshot mark, the first
/// sighting of a duplicate key, or the current epoch).
public struct Conflict: Sendable, Hashable {
    public var epoch: UInt32
    public var seq: UInt64
    public var eventTimeMs: Int64?

    public init(epoch: UInt32, seq: UInt64, eventTimeMs: Int64?) {
        self.epoch = epoch
        self.seq = seq
        self.eventTimeMs = eventTimeMs
    }
}

/// A minimal sample of one finding: enough to find the frame in the tape and to explain it.
public struct Witness: Sendable, Hashable {
    public var kind: WitnessKind
    public var epoch: UInt32
    public var seq: UInt64
    public var type: String?
    public var code: String?
    public var eventTimeMs: Int64?
    public var streamType: StreamType?
    public var arrivalNs: Int64
    /// What it conflicted with; nil where nothing earlier is involved (out-of-band, unknown).
    public var conflict: Conflict?

    /// One plain-language sentence saying why the frame was discarded or counted.
    public var explanation: String {
        let time = eventTimeMs.map(String.init) ?? "?"
        let other = conflict?.eventTimeMs.map(String.init) ?? "?"
        let at = conflict.map { "epoch \($0.epoch) seq \($0.seq)" } ?? "?"
        switch kind {
        case .discard(.staleEpoch):
            return "arrived from epoch \(epoch) after epoch \(conflict?.epoch ?? 0) had begun"
        case .discard(.outOfBand):
            return "\(type ?? "out-of-band") message kept from market consumers"
        case .discard(.duplicate):
            return "idempotency key already seen at \(at) (event time \(other) ms)"
        case .discard(.staleSnapshot):
            return "SNAPSHOT at \(time) ms is older than the state applied at \(other) ms (\(at))"
        case .discard(.beforeSnapshot):
            return "REALTIME at \(time) ms is older than the SNAPSHOT at \(other) ms (\(at))"
        case .discard(.outOfOrder):
            return
                "REALTIME at \(time) ms is older than the state applied at \(other) ms (\(at)); state never regresses"
        case .discard(.unknown):
            return "not a recognisable Upbit message"
        case .discard(.malformed):
            return "\(type ?? "?") message lacks its event time or idempotency key"
        case .reordered:
            return "event time \(time) ms went backwards from \(other) ms (\(at)); delivered as a fact"
        }
    }
}

/// Keeps the first `limit` witnesses of each kind: bounded and deterministic.
public struct WitnessLog: Sendable {
    public let limit: Int
    private var samples: [[Witness]]

    public init(limit: Int) {
        self.limit = max(0, limit)
        self.samples = Array(repeating: [], count: WitnessKind.count)
    }

    /// True when another witness of `kind` would be kept (lets callers skip building one).
    public func wants(_ kind: WitnessKind) -> Bool { samples[kind.index].count < limit }

    public mutating func record(_ witness: Witness) {
        if wants(witness.kind) { samples[witness.kind.index].append(witness) }
    }

    /// All kept witnesses, grouped by kind in declaration order, each group in arrival order.
    public var all: [Witness] { samples.flatMap { $0 } }

    /// The kept witnesses of one kind.
    public func witnesses(of kind: WitnessKind) -> [Witness] { samples[kind.index] }
}
