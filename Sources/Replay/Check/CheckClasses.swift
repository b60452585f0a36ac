/// The outcome of a check, as Elle reports it (see <doc:Checks>).
public enum Verdict: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Every invariant held and there was something to check.
    case pass
    /// Nothing could be checked (no market event reached a consumer, no consumer, or the input
    /// was not a readable tape). Whether that fails a run is the caller's decision.
    case unknown
    /// At least one violation (C1–C6 or I1–I4).
    case fail

    /// Ordered by severity: pass < unknown < fail, so the overall verdict is the maximum.
    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .pass: 0
        case .unknown: 1
        case .fail: 2
        }
    }
}

/// The invariants whose violation fails a check (<doc:Checks>): C1–C6 on deliveries, `unknown` for
/// a client's applied message that matches no frame of the tape, L1 on a relay's live consumers,
/// I1–I4 on the recording.
public enum ViolationClass: String, Sendable, Hashable, CaseIterable, Comparable {
    case c1 = "C1"
    case c2 = "C2"
    case c3 = "C3"
    case c4 = "C4"
    case c5 = "C5"
    case c6 = "C6"
    /// A line of a client's deliveries log (`check --deliveries`) that matches no frame of the
    /// tape, or no frame the server sent: fabricated, corrupted, or from another session.
    case unknown
    /// A client's subscription request (`serve --sent-log`) that covers fewer (type, code) pairs
    /// than the one it replaces, or than the connection before a reconnect had: streams lost.
    case lostSubscription = "lost_subscription"
    /// A relay tape's live consumer whose deliveries the tape does not reproduce: at a journaled
    /// checkpoint the replay's count or digest differs from what the relay delivered live.
    case l1 = "L1"
    case i1 = "I1"
    case i2 = "I2"
    case i3 = "I3"
    case i4 = "I4"

    /// The invariant in one line.
    public var summary: String {
        switch self {
        case .c1: "no idempotency key delivered twice to a consumer"
        case .c2: "per stream key, delivered state-type times never decrease"
        case .c3: "nothing from an epoch lower than one already delivered"
        case .c4: "no REALTIME event below the latest delivered SNAPSHOT time of its key"
        case .c5: "coalescing never delivers an older value; the last state per key is the last accepted"
        case .c6: "per consumer, accepted trades = delivered + counted drops"
        case .unknown: "every message a client applied matches a frame of the tape"
        case .lostSubscription: "a client's subscription never loses a (type, code) pair it had, across reconnects"
        case .l1:
            "per relay consumer, the live deliveries equal the offline reproduction's (digest at every checkpoint)"
        case .i1: "seq contiguous per epoch, or explained by loss events"
        case .i2: "epochs are 1..E"
        case .i3: "each epoch opens with its connect event"
        case .i4: "SQLite integrity ok"
        }
    }

    var index: Int { Self.allCases.firstIndex(of: self)! }

    /// The classes the oracle judges on deliveries (C1–C6, `unknown`, `lost_subscription`), as opposed to the
    /// recording's I1–I4.
    public static let delivery: [ViolationClass] = [.c1, .c2, .c3, .c4, .c5, .c6, .unknown, .lostSubscription]

    public static func < (lhs: ViolationClass, rhs: ViolationClass) -> Bool { lhs.index < rhs.index }
}

/// Anomalies in the input that the rules handled, the report's *findings*: counted with
/// samples, never failures.
public enum FindingClass: String, Sendable, Hashable, CaseIterable, Comparable {
    /// R3 discarded an idempotency key seen before.
    case duplicate
    /// R1 discarded a frame from an epoch below the current one.
    case staleEpoch = "stale_epoch"
    /// R4 discarded a SNAPSHOT older than the applied state.
    case staleSnapshot = "stale_snapshot"
    /// R4 discarded a REALTIME event older than the snapshot mark.
    case beforeSnapshot = "before_snapshot"
    /// R5 discarded a REALTIME state-type event older than the applied state.
    case outOfOrder = "out_of_order"
    /// A fact (trade, myOrder) accepted with an event time below the newest of its key.
    case reordered
    /// Status and list replies kept from consumers (R2).
    case outOfBand = "out_of_band"
    /// `{"error":…}` messages from the server (R2).
    case serverError = "server_error"
    /// Not a message the exchange profile recognised.
    case unknown
    /// A market message lacking its event time or idempotency key.
    case decodeError = "decode_error"
    /// A market message whose event time was not sent in milliseconds (microseconds or
    /// nanoseconds, told by magnitude): read in milliseconds, delivered as usual, counted.
    case timeUnit = "time_unit"
    /// No inbound data for longer than the gap threshold within one epoch.
    case gap
    /// A stream key that had data before a reconnect and none within the silence window after it
    /// (30 s by default), although the subscription covers it: a subscription that did not
    /// survive the reconnect.
    case silentStream = "silent_stream"

    var index: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: FindingClass, rhs: FindingClass) -> Bool { lhs.index < rhs.index }
}
