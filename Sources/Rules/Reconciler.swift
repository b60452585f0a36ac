/// Options of the reconcile rules.
public struct ReconcilerOptions: Sendable, Hashable {
    /// R3 window in event-time milliseconds per stream key (default 60 s).
    public var dedupWindowMs: Int64
    /// Rules switched off. For tests and `check` demonstrations only: with R3 or R4 off the
    /// oracle must catch what the rules let through. Disabling R2 has no effect: out-of-band
    /// messages are never market events.
    public var disabled: Set<RuleID>
    /// Witnesses kept per finding kind.
    public var witnessLimit: Int
    /// About how many keys one R3 window will hold (0: unknown). Sizing only, never a decision:
    /// R3's table starts at that size instead of growing there from small (see
    /// `TapeReader.windowFrameEstimate`). Capped at ``R3Dedup/maximumExpectedKeys``.
    public var expectedWindowKeys: Int

    public init(
        dedupWindowMs: Int64 = 60_000,
        disabled: Set<RuleID> = [],
        witnessLimit: Int = 8,
        expectedWindowKeys: Int = 0
    ) {
        self.dedupWindowMs = dedupWindowMs
        self.disabled = disabled
        self.witnessLimit = witnessLimit
        self.expectedWindowKeys = expectedWindowKeys
    }
}

/// Applies R1–R5 in order to each inbound data frame and returns the decision; the rules are
/// specified in <doc:ReconcileRules>.
///
/// Pure state machine: no I/O, no clock, no Foundation; the same code runs live and in replay.
/// Classification findings (unknown type, missing fields) are discards too, so nothing but a
/// well-formed market event ever reaches fan-out. Memory: per stream key state plus the R3
/// window.
public struct Reconciler: Sendable {
    public let options: ReconcilerOptions
    public private(set) var counts = RuleCounts()
    public private(set) var witnesses: WitnessLog
    /// The stream keys seen, with their dense ids.
    public private(set) var keys = StreamKeyTable()
    private var r1 = R1EpochGuard()
    private var r2 = R2OutOfBand()
    private var r3: R3Dedup
    private var states: [AppliedState] = []
    private let useR1: Bool
    private let useR3: Bool
    private let useR4: Bool
    private let useR5: Bool

    public init(options: ReconcilerOptions = ReconcilerOptions()) {
        self.options = options
        self.witnesses = WitnessLog(limit: options.witnessLimit)
        self.r3 = R3Dedup(windowMs: options.dedupWindowMs, expectedKeys: options.expectedWindowKeys)
        useR1 = !options.disabled.contains(.r1)
        useR3 = !options.disabled.contains(.r3)
        useR4 = !options.disabled.contains(.r4)
        useR5 = !options.disabled.contains(.r5)
    }

    /// The current (highest) epoch.
    public var currentEpoch: UInt32 { r1.current }

    /// Idempotency keys held by the R3 window right now.
    public var rememberedKeys: Int { r3.rememberedKeys }

    /// The applied state of a stream key, if it was ever seen.
    public func state(of key: StreamKey) -> AppliedState? {
        guard let index = keys.keys.firstIndex(of: key), index < states.count else { return nil }
        return states[index]
    }

    /// Starts loading the memory ``decide(_:)`` will need for a frame whose idempotency key is
    /// `key` (R3's table slot). Call it a few frames ahead of deciding that frame: the table
    /// outgrows the caches, and overlapping its memory round trips is most of the rules' speed on
    /// long tapes. A hint: it changes no state and no decision.
    public func prefetch(idempotencyKey key: UInt64) {
        if useR3 { r3.prefetch(key: key) }
    }

    /// Judges one inbound data frame. Call in (epoch, seq) order.
    public mutating func decide(_ input: RuleInput) -> Decision {
        counts.inputs += 1
        let facts = input.facts
        if useR1, !r1.admit(epoch: input.epoch) {
            let current = Conflict(epoch: r1.current, seq: 0, eventTimeMs: nil)
            return discard(.staleEpoch, input, conflict: current)
        }
        if !useR1 { _ = r1.admit(epoch: max(input.epoch, r1.current)) }
        counts.epochSwitches = r1.switches
        guard let type = facts.type else { return discard(.unknown, input, conflict: nil) }
        let keyID = keys.intern(type: type, code: facts.code ?? "")
        let eventClass = keys.classes[Int(keyID)]
        if r2.intercepts(eventClass) {
            if case .outOfBand(let kind) = eventClass { counts.outOfBand[Int(kind.rawValue)] += 1 }
            return discard(.outOfBand, input, conflict: nil)
        }
        guard case .market(let marketType) = eventClass else { return discard(.unknown, input, conflict: nil) }
        guard let timeMs = facts.eventTimeMs, let idempotencyKey = facts.idempotencyKey else {
            return discard(.malformed, input, conflict: nil)
        }
        // Upbit sends private streams as REALTIME only; a missing stream type is read as REALTIME.
        let streamType = facts.streamType ?? .realtime
        if useR3,
            let earlier = r3.check(
                keyID: keyID,
                key: idempotencyKey,
                timeMs: timeMs,
                epoch: input.epoch,
                seq: input.seq
            )
        {
            let conflict = Conflict(epoch: earlier.epoch, seq: earlier.seq, eventTimeMs: earlier.timeMs)
            return discard(.duplicate, input, conflict: conflict)
        }
        let index = Int(keyID)
        while states.count <= index { states.append(AppliedState()) }
        var state = states[index]
        if useR4, let (reason, conflict) = R4SnapshotMerge.check(state, streamType: streamType, timeMs: timeMs) {
            return discard(reason, input, conflict: conflict)
        }
        if useR5 {
            let outcome = R5Ordering.check(state, marketType: marketType, streamType: streamType, timeMs: timeMs)
            switch outcome {
            case .pass: break
            case .outOfOrder(let conflict): return discard(.outOfOrder, input, conflict: conflict)
            case .reordered(let conflict):
                counts.reordered += 1
                if witnesses.wants(.reordered) { witnesses.record(witness(.reordered, input, conflict: conflict)) }
            }
        }
        if useR4 {
            R4SnapshotMerge.apply(&state, streamType: streamType, timeMs: timeMs, epoch: input.epoch, seq: input.seq)
        }
        state.apply(timeMs: timeMs, epoch: input.epoch, seq: input.seq)
        states[index] = state
        counts.accepted += 1
        return .accept(
            MarketEvent(
                epoch: input.epoch,
                seq: input.seq,
                arrivalNs: input.arrivalNs,
                marketType: marketType,
                keyID: keyID,
                type: type,
                code: facts.code ?? "",
                eventTimeMs: timeMs,
                streamType: streamType,
                idempotencyKey: idempotencyKey,
                payload: input.payload
            )
        )
    }

    private mutating func discard(_ reason: DiscardReason, _ input: RuleInput, conflict: Conflict?) -> Decision {
        counts.discards[reason.rawValue] += 1
        if witnesses.wants(.discard(reason)) {
            witnesses.record(witness(.discard(reason), input, conflict: conflict))
        }
        return .discard(reason)
    }

    private func witness(_ kind: WitnessKind, _ input: RuleInput, conflict: Conflict?) -> Witness {
        Witness(
            kind: kind,
            epoch: input.epoch,
            seq: input.seq,
            type: input.facts.type,
            code: input.facts.code,
            eventTimeMs: input.facts.eventTimeMs,
            streamType: input.facts.streamType,
            arrivalNs: input.arrivalNs,
            conflict: conflict
        )
    }
}
