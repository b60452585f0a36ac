import Exchange

/// What the reconcile rules see for one inbound data frame. The rules judge one frame at a
/// time, each epoch's frames in seq order (see <doc:ReconcileRules>).
///
/// The rules never read a clock: `arrivalNs` is the time on whatever clock drives the caller
/// (the virtual clock in replay, the monotonic clock live). It is carried through to fan-out so
/// that lag can be measured; no rule decision depends on it.
public struct RuleInput: Sendable {
    /// Connection epoch (1, 2, 3 …) the frame was received in.
    public var epoch: UInt32
    /// Position of the frame within its epoch.
    public var seq: UInt64
    /// Arrival time on the caller's clock, in nanoseconds.
    public var arrivalNs: Int64
    /// The extracted facts (type, code, event time, stream type, idempotency key).
    public var facts: FrameFacts
    /// The raw payload, kept only for typed decoding downstream; the rules never read it.
    public var payload: [UInt8]?

    public init(epoch: UInt32, seq: UInt64, arrivalNs: Int64, facts: FrameFacts, payload: [UInt8]? = nil) {
        self.epoch = epoch
        self.seq = seq
        self.arrivalNs = arrivalNs
        self.facts = facts
        self.payload = payload
    }
}
