/// R3 dedup (SPEC §5): "an idempotency key seen before (bounded window, deterministic: default
/// the last 60 s of event time per stream key) is discarded (`duplicate`)."
///
/// Per stream key the window holds every key whose event time is ≥ newest − window, where
/// newest is the highest event time seen for that stream key. It depends only on event times,
/// never on arrival times, so the verdicts are the same at any replay speed. Keys older than the
/// window are forgotten: a duplicate arriving later than the window is not detected (documented
/// limit). Memory is bounded by what one window of event time holds, not by input length.
public struct R3Dedup: Sendable {
    /// Where a key was first seen.
    public struct Sighting: Sendable, Hashable {
        public var timeMs: Int64
        public var epoch: UInt32
        public var seq: UInt64
    }

    private struct Entry: Sendable {
        var key: UInt64
        var timeMs: Int64
    }

    /// One stream key's window: the keys by id plus their insertion order for pruning.
    private struct Window: Sendable {
        var seen: [UInt64: Sighting] = [:]
        var order: [Entry] = []
        var head = 0
        var newestMs = Int64.min

        mutating func prune(horizon: Int64) {
            while head < order.count, order[head].timeMs < horizon {
                let entry = order[head]
                if let sighting = seen[entry.key], sighting.timeMs == entry.timeMs {
                    seen.removeValue(forKey: entry.key)
                }
                head += 1
            }
            if head > 64, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    /// Width of the window in event-time milliseconds.
    public let windowMs: Int64
    private var windows: [Window] = []

    public init(windowMs: Int64 = 60_000) {
        self.windowMs = max(0, windowMs)
    }

    /// Checks `key` for stream key `keyID` at event time `timeMs` and remembers it. Returns the
    /// earlier sighting when it is a duplicate within the window, nil otherwise.
    public mutating func check(
        keyID: Int32,
        key: UInt64,
        timeMs: Int64,
        epoch: UInt32,
        seq: UInt64
    ) -> Sighting? {
        let index = Int(keyID)
        while windows.count <= index { windows.append(Window()) }
        return windows.withUnsafeMutableBufferPointer { buffer in
            Self.check(&buffer[index], key: key, timeMs: timeMs, epoch: epoch, seq: seq, windowMs: windowMs)
        }
    }

    private static func check(
        _ window: inout Window,
        key: UInt64,
        timeMs: Int64,
        epoch: UInt32,
        seq: UInt64,
        windowMs: Int64
    ) -> Sighting? {
        if timeMs > window.newestMs {
            window.newestMs = timeMs
            window.prune(horizon: windowStart(timeMs, windowMs))
        }
        let horizon = windowStart(window.newestMs, windowMs)
        if let earlier = window.seen[key], earlier.timeMs >= horizon { return earlier }
        // Events older than the window cannot be judged and are not remembered.
        guard timeMs >= horizon else { return nil }
        window.seen[key] = Sighting(timeMs: timeMs, epoch: epoch, seq: seq)
        window.order.append(Entry(key: key, timeMs: timeMs))
        return nil
    }

    private static func windowStart(_ newestMs: Int64, _ windowMs: Int64) -> Int64 {
        let (value, overflow) = newestMs.subtractingReportingOverflow(windowMs)
        return overflow ? Int64.min : value
    }

    /// Keys currently remembered over all stream keys (for memory-bound tests and reports).
    public var rememberedKeys: Int { windows.reduce(0) { $0 + $1.seen.count } }
}
