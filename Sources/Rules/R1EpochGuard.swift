/// R1 epoch guard (<doc:ReconcileRules>): the current epoch is the highest seen; an event from
/// a lower epoch is discarded (`staleEpoch`).
///
/// A late frame of a closed connection must never overwrite what the new connection delivered.
/// Applies to every inbound frame, out-of-band and unknown ones included.
public struct R1EpochGuard: Sendable {
    /// The highest epoch seen so far (0 before the first frame).
    public private(set) var current: UInt32 = 0
    /// How many times the current epoch advanced after the first one.
    public private(set) var switches = 0

    public init() {}

    /// Whether a frame of `epoch` may pass; advances the current epoch when `epoch` is higher.
    public mutating func admit(epoch: UInt32) -> Bool {
        if epoch < current { return false }
        if epoch > current {
            if current != 0 { switches += 1 }
            current = epoch
        }
        return true
    }
}
