import Exchange

/// R4 snapshot merge (<doc:ReconcileRules>), per stream key: a SNAPSHOT older than the state
/// already applied is discarded (`staleSnapshot`); otherwise it replaces the state and sets the
/// snapshot mark S. A REALTIME event with time < S is discarded (`beforeSnapshot`).
///
/// Applies to every market type, trades included, so that the oracle's C4 (no REALTIME below
/// the latest delivered SNAPSHOT of its key) holds for all of them. For trades "the state already
/// applied" is the newest trade time accepted for the key.
public enum R4SnapshotMerge {
    /// The discard, if any, for an event of `streamType` at `timeMs` against `state`.
    public static func check(
        _ state: AppliedState,
        streamType: StreamType,
        timeMs: Int64
    ) -> (reason: DiscardReason, conflict: Conflict)? {
        switch streamType {
        case .snapshot:
            if timeMs < state.appliedMs { return (.staleSnapshot, state.appliedConflict) }
        case .realtime:
            if timeMs < state.snapshotMs { return (.beforeSnapshot, state.snapshotConflict) }
        }
        return nil
    }

    /// Records an accepted SNAPSHOT as the new snapshot mark.
    public static func apply(
        _ state: inout AppliedState,
        streamType: StreamType,
        timeMs: Int64,
        epoch: UInt32,
        seq: UInt64
    ) {
        guard streamType == .snapshot else { return }
        state.snapshotMs = max(state.snapshotMs, timeMs)
        state.snapshotEpoch = epoch
        state.snapshotSeq = seq
    }
}
