import Upbit

/// An event as the oracle remembers it: the frame, its times and its idempotency key. The
/// stream key is kept apart (the oracle's per-key tables), so this stays small.
struct EventRef: Sendable, Hashable {
    var epoch: UInt32
    var seq: UInt64
    var timeMs: Int64
    var streamType: StreamType
    var key: UInt64
    /// Delivery time on the replay clock; nil for an acceptance.
    var atNs: Int64?

    /// True when `self` was accepted before `other`. Acceptance follows tape order, in which
    /// seq grows within an epoch and, with R1, epochs never go back; so (epoch, seq) order is
    /// acceptance order. (If accepted epochs ever go back, C3 reports it.)
    func precedes(_ other: EventRef) -> Bool { (epoch, seq) < (other.epoch, other.seq) }
}

/// C1's memory of the idempotency keys one consumer received for one stream key.
///
/// Deterministic and bounded like R3 (SPEC §5) but separate code: it keeps every key whose
/// event time is ≥ newest − window, where newest is the highest event time delivered for the
/// stream key. A key delivered again after it left the window is out of C1's reach.
struct DeliveryWindow: Sendable {
    private var seen: [UInt64: EventRef] = [:]
    /// Insertion order, for pruning: (key, event time).
    private var order: [(key: UInt64, timeMs: Int64)] = []
    private var head = 0
    private var newestMs = Int64.min

    /// Keys remembered now.
    var count: Int { seen.count }

    /// Records a delivery; returns the earlier delivery of the same key when it is within the
    /// window (a C1 violation), nil otherwise.
    mutating func deliver(_ event: EventRef, windowMs: Int64) -> EventRef? {
        if event.timeMs > newestMs {
            newestMs = event.timeMs
            prune(before: horizon(windowMs))
        }
        let start = horizon(windowMs)
        if let earlier = seen[event.key], earlier.timeMs >= start { return earlier }
        guard event.timeMs >= start else { return nil }
        seen[event.key] = event
        order.append((event.key, event.timeMs))
        return nil
    }

    private func horizon(_ windowMs: Int64) -> Int64 {
        let (start, overflow) = newestMs.subtractingReportingOverflow(windowMs)
        return overflow ? Int64.min : start
    }

    private mutating func prune(before start: Int64) {
        while head < order.count, order[head].timeMs < start {
            let entry = order[head]
            if let kept = seen[entry.key], kept.timeMs == entry.timeMs { seen.removeValue(forKey: entry.key) }
            head += 1
        }
        if head >= 64, head * 2 >= order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
