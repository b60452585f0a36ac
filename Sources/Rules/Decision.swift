/// The reconcile rules (<doc:ReconcileRules>), for options and reports.
public enum RuleID: String, Sendable, Hashable, CaseIterable, Comparable {
    case r1 = "R1"
    case r2 = "R2"
    case r3 = "R3"
    case r4 = "R4"
    case r5 = "R5"

    public static func < (lhs: RuleID, rhs: RuleID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Why the rules kept an inbound frame from market consumers. Every discard is a finding:
/// counted, with sample witnesses, never a failure.
public enum DiscardReason: Int, Sendable, Hashable, CaseIterable {
    /// R1: from an epoch lower than the highest seen.
    case staleEpoch
    /// R2: status, error or list reply.
    case outOfBand
    /// R3: idempotency key already seen within the window.
    case duplicate
    /// R4: a SNAPSHOT older than the state already applied.
    case staleSnapshot
    /// R4: a REALTIME event older than the key's snapshot mark.
    case beforeSnapshot
    /// R5: a REALTIME state-type event older than the last applied time.
    case outOfOrder
    /// Not a message the exchange profile recognised (`FrameFacts.type` nil or not canonical).
    case unknown
    /// A market type lacking a field the rules need (event time or idempotency key): a decode error.
    case malformed

    /// Stable snake_case name used in reports.
    public var name: String {
        switch self {
        case .staleEpoch: "stale_epoch"
        case .outOfBand: "out_of_band"
        case .duplicate: "duplicate"
        case .staleSnapshot: "stale_snapshot"
        case .beforeSnapshot: "before_snapshot"
        case .outOfOrder: "out_of_order"
        case .unknown: "unknown"
        case .malformed: "malformed"
        }
    }

    /// The rule that produced this reason; nil for classification findings (unknown, malformed).
    public var rule: RuleID? {
        switch self {
        case .staleEpoch: .r1
        case .outOfBand: .r2
        case .duplicate: .r3
        case .staleSnapshot, .beforeSnapshot: .r4
        case .outOfOrder: .r5
        case .unknown, .malformed: nil
        }
    }
}

/// The reconciler's verdict on one inbound frame.
public enum Decision: Sendable {
    /// Passed R1–R5: goes to fan-out, in order.
    case accept(MarketEvent)
    /// Kept from consumers, counted with a witness.
    case discard(DiscardReason)

    /// True for `.accept`.
    public var isAccepted: Bool {
        if case .accept = self { return true }
        return false
    }

    /// The discard reason, or nil when accepted.
    public var discardReason: DiscardReason? {
        if case .discard(let reason) = self { return reason }
        return nil
    }
}
