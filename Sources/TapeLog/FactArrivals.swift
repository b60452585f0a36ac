import Exchange

/// A frame as the checks read it: its place, direction, opcode, arrival time and the
/// facts extracted at record time — no payload, no wall time, nothing to inflate.
public struct FactFrame: Sendable, Hashable {
    public var epoch: UInt32
    public var seq: UInt64
    public var direction: Direction
    /// RFC 6455 opcode, raw.
    public var opcode: FrameOpcode
    /// Monotonic nanoseconds since the session started (the recorded arrival).
    public var monoNs: Int64
    /// Facts extracted at record time (empty for outbound and control frames).
    public var facts: FrameFacts

    public init(epoch: UInt32, seq: UInt64, direction: Direction, opcode: FrameOpcode, monoNs: Int64, facts: FrameFacts)
    {
        self.epoch = epoch
        self.seq = seq
        self.direction = direction
        self.opcode = opcode
        self.monoNs = monoNs
        self.facts = facts
    }
}

/// One entry of ``FactArrivalCursor``: a frame with its facts, or a lifecycle event.
public enum FactEntry: Sendable, Hashable {
    case frame(FactFrame)
    case event(LifecycleRecord)
}

extension TapeReader {
    /// The whole tape in ARRIVAL order, exactly as ``arrivals(_:payloads:)`` with no filter and
    /// `payloads: false` yields it (same entries, same order), read the cheap way: only the
    /// columns the checks use, frames joined with their facts by integer compares, streams named
    /// from the `stream` table loaded once. The fast path of `ticktape check` and `replay`.
    public func factArrivals() throws(TapeError) -> FactArrivalCursor {
        try FactArrivalCursor(reader: self, events: try events())
    }
}

/// Merges per-epoch scans by monotonic arrival time (ties: lower epoch first), opening an epoch
/// when its connect comes due, as ``ArrivalCursor`` does. See ``TapeReader/factArrivals()``.
public final class FactArrivalCursor {
    private let reader: TapeReader
    private let events: [LifecycleRecord]
    private let streams: StreamFacts
    /// Epochs not opened yet, last to open first; epoch 0 holds events before any connect.
    private var pendingEpochs: [(epoch: UInt32, monoNs: Int64)]
    /// Open epochs in opening (= epoch) order.
    private var open: [EpochFacts] = []

    init(reader: TapeReader, events: [LifecycleRecord]) throws(TapeError) {
        self.reader = reader
        self.events = events
        do {
            streams = try StreamFacts(db: reader.db)
        } catch {
            throw TapeFile.classify(error, path: reader.path)
        }
        var starts: [(UInt32, Int64)] = events.filter { $0.kind == .connect }.map { ($0.epoch, $0.monoNs) }
        if events.contains(where: { $0.epoch == 0 }) { starts.insert((0, Int64.min), at: 0) }
        pendingEpochs = starts.reversed()
    }

    private func openNext() throws(TapeError) {
        guard let next = pendingEpochs.popLast() else { return }
        open.append(
            try EpochFacts(
                epoch: next.epoch,
                db: reader.db,
                path: reader.path,
                events: events.filter { $0.epoch == next.epoch },
                streams: streams
            )
        )
    }

    /// The next entry in arrival order, or nil at the end.
    public func next() throws(TapeError) -> FactEntry? {
        while true {
            // The earliest head among open epochs (lowest epoch on ties); exhausted epochs close.
            var best = -1
            var bestTime = Int64.max
            var i = 0
            while i < open.count {
                let epoch = open[i]
                if epoch.exhausted {
                    open.remove(at: i)
                    continue
                }
                if best < 0 || epoch.headTime < bestTime {
                    best = i
                    bestTime = epoch.headTime
                }
                i += 1
            }
            if best < 0 {
                if pendingEpochs.isEmpty { return nil }
                try openNext()
                continue
            }
            // A later epoch that opened before that time must be opened first.
            if let upcoming = pendingEpochs.last, upcoming.monoNs <= bestTime {
                try openNext()
                continue
            }
            return try open[best].take()
        }
    }
}

@available(*, unavailable)
extension FactArrivalCursor: Sendable {}
