import Primitives
import TapeLog

/// Applies a ``ChaosSpec`` to a clean session, offline and reproducibly: the same input, spec
/// and seed give the same output, entry for entry (see <doc:ReplayingTapes>).
///
/// Feed it the input's entries in arrival order; it emits the output's entries in the order a
/// `TapeWriter` accepts them, re-stamped with output epochs and seqs. While a cut keeps the
/// connection down the exchange's state still moves on (it is tracked from every input frame),
/// so each reconnect opens with one SNAPSHOT per stream key of the state at that moment, as
/// Upbit sends after a (re)subscription.
public struct ChaosTransform {
    let spec: ChaosSpec
    private var random: SplitMix64
    private var emit: Emitter
    private var state = SnapshotState()
    private var subscription: [UInt8]?
    private var nextCutIndex = 0
    private var nextPeriodicCut: Int64?
    private var nextBlackhole: Int64?
    private var downUntil: Int64?
    private var reorderBuffer: [FrameRecord] = []
    private var inputEpoch: UInt32 = 0
    /// After a recorded reconnect, the stale tail waits for the new epoch's snapshot burst.
    private var releaseAfterSnapshots = false
    /// Cut times applied, for the session row and reports.
    public private(set) var cuts: [Int64] = []

    /// `subscription` is re-sent as the first outbound frame of every epoch the chaos opens.
    public init(spec: ChaosSpec, seed: UInt64, subscription: [UInt8]?) {
        self.spec = spec
        self.random = SplitMix64(seed: seed)
        self.subscription = subscription
        self.emit = Emitter(staleTail: spec.staleEpoch)
        nextPeriodicCut = spec.cutEveryNs
        nextBlackhole = spec.blackholeEveryNs
    }

    /// Feeds one input entry; `sink` receives output entries.
    public mutating func feed(_ entry: TapeEntry, into sink: (TapeEntry) throws -> Void) rethrows {
        switch entry {
        case .event(let event):
            try feed(event, into: sink)
        case .frame(let frame):
            let r = frame.record
            emit.setWallBase(r.recvNs - r.monoNs)
            try applySchedule(upTo: r.monoNs, into: sink)
            let isData = r.direction == .inbound && r.opcode.isData
            if r.direction == .outbound && r.opcode.isData && subscription == nil { subscription = r.payload }
            if isData { state.observe(frame) }
            if releaseAfterSnapshots && r.direction == .inbound && frame.facts.streamType == .realtime {
                releaseAfterSnapshots = false
                try emit.releaseStaleTail(into: sink)
            }
            if let until = downUntil {
                if r.monoNs < until { return }  // sent while we were disconnected: never received
                try reconnect(at: until, into: sink)
            }
            if isData, let every = spec.blackholeEveryNs, blackholeActive(at: r.monoNs, every: every) { return }
            if isData && spec.drop > 0 && chance(spec.drop) { return }
            if spec.reorder > 1 && isData {
                reorderBuffer.append(r)
                if reorderBuffer.count >= spec.reorder { try flushReorder(into: sink) }
            } else {
                try flushReorder(into: sink)
                try deliver(r, into: sink)
            }
        }
    }

    /// Emits what is still buffered at the end of the input.
    public mutating func finish(into sink: (TapeEntry) throws -> Void) rethrows {
        try flushReorder(into: sink)
        releaseAfterSnapshots = false
        try emit.drain(into: sink)
    }

    private mutating func feed(_ event: LifecycleRecord, into sink: (TapeEntry) throws -> Void) rethrows {
        emit.setWallBase(event.wallNs - event.monoNs)
        try applySchedule(upTo: event.monoNs, into: sink)
        switch event.kind {
        case .connect:
            inputEpoch = event.epoch
            if downUntil != nil { downUntil = nil }
            try flushReorder(into: sink)
            try emit.connect(at: event.monoNs, wallNs: event.wallNs, detail: event.detail, into: sink)
            releaseAfterSnapshots = spec.staleEpoch > 0
        case .disconnect where spec.staleEpoch > 0 && downUntil == nil:
            // A recorded disconnect: the old connection's last frames arrive late, after the
            // next connection opened (the recorder itself never overlaps connections).
            try flushReorder(into: sink)
            try emit.cut(at: event.monoNs, closeCode: event.closeCode, detail: event.detail, into: sink)
        case .loss:
            try flushReorder(into: sink)
            try emit.event(event.kind, at: event.monoNs, count: event.count, detail: event.detail, into: sink)
        default:
            guard downUntil == nil || event.kind == .sessionEnd else { return }
            try flushReorder(into: sink)
            if event.kind == .sessionEnd { try emit.drain(into: sink) }
            try emit.event(event.kind, at: event.monoNs, closeCode: event.closeCode, detail: event.detail, into: sink)
        }
    }

    /// Performs every cut due at or before `time` (in input time).
    private mutating func applySchedule(upTo time: Int64, into sink: (TapeEntry) throws -> Void) rethrows {
        while let cut = dueCut(upTo: time) {
            try flushReorder(into: sink)
            cuts.append(cut)
            try emit.cut(at: cut, into: sink)
            downUntil = cut + spec.gapNs
        }
    }

    private mutating func dueCut(upTo time: Int64) -> Int64? {
        guard emit.isConnected, downUntil == nil else { return nil }
        var candidates: [Int64] = []
        if nextCutIndex < spec.cutAtNs.count { candidates.append(spec.cutAtNs[nextCutIndex]) }
        if let t = nextPeriodicCut { candidates.append(t) }
        if let t = nextBlackhole { candidates.append(t + spec.blackholeForNs) }
        guard let cut = candidates.min(), cut <= time else { return nil }
        if nextCutIndex < spec.cutAtNs.count && spec.cutAtNs[nextCutIndex] == cut { nextCutIndex += 1 }
        if let t = nextPeriodicCut, t == cut, let every = spec.cutEveryNs { nextPeriodicCut = t + every }
        if let t = nextBlackhole, t + spec.blackholeForNs == cut, let every = spec.blackholeEveryNs {
            nextBlackhole = t + every
        }
        return cut
    }

    private func blackholeActive(at time: Int64, every: Int64) -> Bool {
        guard let start = nextBlackhole else { return false }
        return time >= start && time < start + spec.blackholeForNs
    }

    private mutating func reconnect(at time: Int64, into sink: (TapeEntry) throws -> Void) rethrows {
        downUntil = nil
        try emit.connect(at: time, wallNs: nil, detail: "chaos reconnect", into: sink)
        if let subscription {
            try emit.frame(direction: .outbound, opcode: FrameOpcode.text, payload: subscription, at: time, into: sink)
        }
        for key in state.keys {
            let stale = spec.staleSnapshot > 0 && chance(spec.staleSnapshot)
            try emit.frame(
                direction: .inbound,
                opcode: FrameOpcode.binary,
                payload: state.snapshot(key, stale: stale),
                at: time,
                into: sink
            )
        }
        try emit.releaseStaleTail(into: sink)
    }

    private mutating func flushReorder(into sink: (TapeEntry) throws -> Void) rethrows {
        guard !reorderBuffer.isEmpty else { return }
        // Arrival times stay where they were; only which frame arrives at each moves.
        let times = reorderBuffer.map(\.monoNs)
        var frames = reorderBuffer
        for i in stride(from: frames.count - 1, to: 0, by: -1) {
            frames.swapAt(i, Int(random.below(UInt64(i + 1))))
        }
        reorderBuffer.removeAll(keepingCapacity: true)
        for (frame, time) in zip(frames, times) {
            var moved = frame
            moved.recvNs += time - frame.monoNs
            moved.monoNs = time
            try deliver(moved, into: sink)
        }
    }

    private mutating func deliver(_ r: FrameRecord, into sink: (TapeEntry) throws -> Void) rethrows {
        var delay = spec.delayNs
        if spec.jitterNs > 0 { delay += Int64(random.below(UInt64(spec.jitterNs))) }
        let isData = r.direction == .inbound && r.opcode.isData
        let copyAfter = isData && spec.dup > 0 && chance(spec.dup) ? 1 + Int(random.below(UInt64(spec.dupWindow))) : nil
        try emit.frame(
            direction: r.direction,
            opcode: r.opcode,
            fragments: r.fragments,
            payload: r.payload,
            at: r.monoNs + delay,
            duplicateAfter: copyAfter,
            into: sink
        )
    }

    private mutating func chance(_ p: Double) -> Bool {
        Double(random.next() >> 11) / 9_007_199_254_740_992.0 < p
    }
}
