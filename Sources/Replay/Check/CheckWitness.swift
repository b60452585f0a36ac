import Exchange
import Rules

/// One delivery (or acceptance) named by a violation: enough to find the frame in the tape.
public struct DeliveryWitness: Sendable, Hashable {
    /// What part the event plays in the violation.
    public enum Role: String, Sendable, Hashable {
        /// The earlier delivery the offending one conflicts with.
        case earlier
        /// The delivery that broke the invariant.
        case offending
        /// The last accepted event of a key, which the consumer should have ended on (C5).
        case lastAccepted = "last_accepted"
    }

    public var role: Role
    public var consumer: String
    public var epoch: UInt32
    public var seq: UInt64
    public var type: String
    public var code: String
    public var eventTimeMs: Int64
    public var streamType: StreamType
    public var idempotencyKey: UInt64
    /// When the consumer took it, on the replay clock; nil for an event it never received. For a
    /// client's deliveries log, the line's `t_ns` when it gave one.
    public var deliveredAtNs: Int64?
    /// The line of the client's deliveries log that applied it (1-based), for `check
    /// --deliveries`; nil for ticktape's own consumers and for the last accepted event (C5).
    public var line: Int?

    /// The idempotency key as 16 lower-case hex digits.
    public var keyHex: String { hex16(idempotencyKey) }

    /// `(epoch, seq)`, as explanations cite frames; `line 17 (epoch, seq)` for a line of a
    /// client's deliveries log.
    public var frame: String { line.map { "line \($0) (\(epoch), \(seq))" } ?? "(\(epoch), \(seq))" }

    /// `trade KRW-BTC` (the code is omitted for myAsset).
    public var streamKey: String { code.isEmpty ? type : "\(type) \(code)" }
}

/// One violation of a C or I invariant with its minimal witness.
public struct Violation: Sendable, Hashable {
    public var kind: ViolationClass
    /// The consumer concerned; nil for recording invariants (I1–I4).
    public var consumer: String?
    /// One plain-language sentence naming the frames and times involved.
    public var explanation: String
    /// The one or two events involved (none for I1–I4, `unknown` and a bare C6 count mismatch).
    public var deliveries: [DeliveryWitness]
    /// For `unknown`: the line of the client's deliveries log that matched no frame.
    public var line: Int?

    public init(
        kind: ViolationClass,
        consumer: String?,
        explanation: String,
        deliveries: [DeliveryWitness],
        line: Int? = nil
    ) {
        self.kind = kind
        self.consumer = consumer
        self.explanation = explanation
        self.deliveries = deliveries
        self.line = line
    }
}

/// All violations of one class: the full count and the first few witnesses.
public struct ViolationTally: Sendable, Hashable {
    public var kind: ViolationClass
    public var count: Int
    public var witnesses: [Violation]
}

/// A sample of one finding.
public struct FindingSample: Sendable, Hashable {
    public var kind: FindingClass
    public var epoch: UInt32
    /// The frame's seq; for a gap, the first frame after it (0 when the epoch ended instead).
    public var seq: UInt64
    public var type: String?
    public var code: String?
    public var eventTimeMs: Int64?
    public var streamType: StreamType?
    public var idempotencyKey: UInt64?
    /// Session time (recorded monotonic ns) at which it was seen.
    public var sessionNs: Int64
    /// One plain-language sentence.
    public var explanation: String

    /// The idempotency key as 16 hex digits, when the frame had one.
    public var keyHex: String? { idempotencyKey.map(hex16) }
}

/// All findings of one class: the full count and the first few samples.
public struct FindingTally: Sendable, Hashable {
    public var kind: FindingClass
    public var count: Int
    public var samples: [FindingSample]
}

/// Counts everything, keeps the first `limit` items per class: bounded and deterministic.
struct ClassSampler<Item: Sendable>: Sendable {
    let limit: Int
    private(set) var counts: [Int]
    private(set) var items: [[Item]]

    init(classes: Int, limit: Int) {
        self.limit = limit
        counts = Array(repeating: 0, count: classes)
        items = Array(repeating: [], count: classes)
    }

    /// True when a sample of class `index` would be kept (lets callers skip building it).
    func wants(_ index: Int) -> Bool { items[index].count < limit }

    /// Counts one occurrence; keeps `make()` when there is room.
    mutating func record(_ index: Int, _ make: () -> Item) {
        if tally(index) { keep(index, make()) }
    }

    /// Counts one occurrence; true when its sample should be built and passed to ``keep(_:_:)``.
    mutating func tally(_ index: Int) -> Bool {
        counts[index] += 1
        return items[index].count < limit
    }

    /// Keeps a sample of class `index` (after ``tally(_:)`` said so).
    mutating func keep(_ index: Int, _ item: Item) { items[index].append(item) }
}

/// 16 lower-case hex digits.
func hex16(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
