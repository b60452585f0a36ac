/// Merges per-epoch cursors by monotonic arrival time (ties: lower epoch first). See
/// ``TapeReader/arrivals(_:payloads:)``.
public final class ArrivalCursor {
    private let reader: TapeReader
    private let filter: TapeFilter
    private let payloads: Bool
    private let events: [LifecycleRecord]
    /// Epochs in opening order with their connect time; epoch 0 holds events before any connect.
    private var pendingEpochs: [(epoch: UInt32, monoNs: Int64)]
    private var open: [(epoch: UInt32, cursor: TapeCursor, head: TapeEntry?)] = []

    init(reader: TapeReader, filter: TapeFilter, payloads: Bool, events: [LifecycleRecord]) throws(TapeError) {
        self.reader = reader
        self.filter = filter
        self.payloads = payloads
        self.events = events
        var starts: [(UInt32, Int64)] = events.filter { $0.kind == .connect }.map { ($0.epoch, $0.monoNs) }
        if events.contains(where: { $0.epoch == 0 }) { starts.insert((0, Int64.min), at: 0) }
        if let only = filter.epoch { starts = starts.filter { $0.0 == only } }
        pendingEpochs = starts.reversed()
    }

    private static func time(_ entry: TapeEntry) -> Int64 {
        switch entry {
        case .frame(let f): f.record.monoNs
        case .event(let e): e.monoNs
        }
    }

    private func openNext() throws(TapeError) {
        guard let next = pendingEpochs.popLast() else { return }
        var epochFilter = filter
        epochFilter.epoch = next.epoch
        let cursor = try TapeCursor(
            reader: reader,
            filter: epochFilter,
            payloads: payloads,
            events: events.filter { $0.epoch == next.epoch && epochFilter.matches($0) }
        )
        open.append((next.epoch, cursor, try cursor.next()))
    }

    /// The next entry in arrival order, or nil at the end.
    public func next() throws(TapeError) -> TapeEntry? {
        while true {
            open.removeAll { $0.head == nil }
            if open.isEmpty {
                if pendingEpochs.isEmpty { return nil }
                try openNext()
                continue
            }
            // The earliest head among open epochs (lowest epoch on ties: open is in epoch order).
            var best = 0
            var bestTime = Self.time(open[0].head!)
            for i in 1..<open.count {
                let t = Self.time(open[i].head!)
                if t < bestTime {
                    best = i
                    bestTime = t
                }
            }
            // A later epoch that opened before that time must be opened first.
            if let upcoming = pendingEpochs.last, upcoming.monoNs <= bestTime {
                try openNext()
                continue
            }
            let entry = open[best].head!
            open[best].head = try open[best].cursor.next()
            return entry
        }
    }
}

@available(*, unavailable)
extension ArrivalCursor: Sendable {}
