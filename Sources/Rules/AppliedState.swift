/// Per stream key state shared by R4 and R5: the time of the state already applied and the
/// snapshot mark S. Times are Unix ms; `Int64.min` means "none yet".
public struct AppliedState: Sendable, Hashable {
    /// Highest event time accepted for the key, and the frame that carried it.
    public var appliedMs = Int64.min
    public var appliedEpoch: UInt32 = 0
    public var appliedSeq: UInt64 = 0
    /// Snapshot mark S: event time of the last accepted SNAPSHOT, and the frame that carried it.
    public var snapshotMs = Int64.min
    public var snapshotEpoch: UInt32 = 0
    public var snapshotSeq: UInt64 = 0

    public init() {}

    var appliedConflict: Conflict {
        Conflict(epoch: appliedEpoch, seq: appliedSeq, eventTimeMs: appliedMs)
    }

    var snapshotConflict: Conflict {
        Conflict(epoch: snapshotEpoch, seq: snapshotSeq, eventTimeMs: snapshotMs)
    }

    /// Records an accepted event: the applied time only moves forward.
    mutating func apply(timeMs: Int64, epoch: UInt32, seq: UInt64) {
        guard timeMs >= appliedMs else { return }
        appliedMs = timeMs
        appliedEpoch = epoch
        appliedSeq = seq
    }
}
