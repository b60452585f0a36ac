import Exchange

/// R5 ordering (<doc:ReconcileRules>): for state types (ticker, orderbook, candle, myAsset) a
/// REALTIME event older than the last applied time for its key is discarded (`outOfOrder`); state
/// never regresses. Trades and orders are facts: delivered whatever their order, counted
/// `reordered` when their trade time goes backwards.
///
/// "Older" is strict: an equal time is accepted (Upbit repeats a candle period and the last one
/// received wins). A fact is `reordered` when its event time is below the newest accepted time
/// of its key.
public enum R5Ordering {
    /// The outcome of R5 for one event.
    public enum Outcome: Sendable, Equatable {
        case pass
        /// A state-type REALTIME event that would regress the state: discard.
        case outOfOrder(Conflict)
        /// A fact older than the newest accepted one: deliver, but count.
        case reordered(Conflict)
    }

    public static func check(
        _ state: AppliedState,
        marketType: MarketType,
        streamType: StreamType,
        timeMs: Int64
    ) -> Outcome {
        guard timeMs < state.appliedMs else { return .pass }
        if !marketType.isState { return .reordered(state.appliedConflict) }
        // A state-type SNAPSHOT below the applied time is R4's staleSnapshot, not R5's concern.
        return streamType == .realtime ? .outOfOrder(state.appliedConflict) : .pass
    }
}
