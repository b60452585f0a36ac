/// R3 dedup (<doc:ReconcileRules>): an idempotency key seen before within a bounded,
/// deterministic window (by default the last 60 s of event time per stream key) is discarded
/// (`duplicate`).
///
/// Per stream key the window holds every key whose event time is ≥ newest − window, where
/// newest is the highest event time seen for that stream key. It depends only on event times,
/// never on arrival times, so the verdicts are the same at any replay speed. Keys older than the
/// window are forgotten: a duplicate arriving later than the window is not detected (documented
/// limit). Memory is bounded by what one window of event time holds, not by input length.
///
/// One open-addressing table holds the latest sighting of every (stream key, idempotency key).
/// A sighting below its stream key's horizon counts as forgotten the moment the horizon passes
/// it (expiry is a comparison, not a deletion); its slot is reused by the next insertion that
/// probes over it, and a rebuild drops whatever expired sightings remain. So each event costs
/// one probe sequence, amortised O(1), with no `Hasher` and no allocation, and a replay's memory
/// stays bounded by the dedup window whatever the tape's length.
public struct R3Dedup: Sendable {
    /// Where a key was first seen.
    public struct Sighting: Sendable, Hashable {
        public var timeMs: Int64
        public var epoch: UInt32
        public var seq: UInt64
    }

    /// Width of the window in event-time milliseconds.
    public let windowMs: Int64
    /// The window's start (newest − width) per stream key id; `Int64.min` before any event.
    private var horizons: [Int64] = []
    private var table: SightingTable

    /// The largest `expectedKeys` honoured: a million keys (100 s of a 10k msg/s feed) is a
    /// 96 MB table; past that the table grows only as far as the keys really go.
    public static let maximumExpectedKeys = 1 << 20

    /// `expectedKeys`: about how many keys one window will hold, to allocate the table once at
    /// its working size (0: start small and grow). A hint: it changes no verdict.
    public init(windowMs: Int64 = 60_000, expectedKeys: Int = 0) {
        self.windowMs = max(0, windowMs)
        table = SightingTable(expectedKeys: min(max(0, expectedKeys), Self.maximumExpectedKeys))
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
        let stream = Int(keyID)
        if stream >= horizons.count {
            horizons.append(contentsOf: repeatElement(Int64.min, count: stream + 1 - horizons.count))
        }
        let start = Self.windowStart(timeMs, windowMs)
        if start > horizons[stream] { horizons[stream] = start }
        let horizon = horizons[stream]
        let probe = table.probe(stream: keyID, key: key, horizons: horizons)
        if probe.found, table[probe.slot].timeMs >= horizon {
            let earlier = table[probe.slot]
            return Sighting(timeMs: earlier.timeMs, epoch: earlier.epoch, seq: earlier.seq)
        }
        // Events older than the window cannot be judged and are not remembered.
        guard timeMs >= horizon else { return nil }
        let sighting = SightingTable.Slot(key: key, timeMs: timeMs, seq: seq, epoch: epoch, stream: keyID)
        table.store(sighting, at: probe, horizons: horizons)
        return nil
    }

    /// Starts loading where ``check(keyID:key:timeMs:epoch:seq:)`` will look for `key`: call it
    /// a few events ahead of judging that event. A hint; it changes nothing.
    public func prefetch(key: UInt64) { table.prefetch(key: key) }

    private static func windowStart(_ newestMs: Int64, _ windowMs: Int64) -> Int64 {
        let (value, overflow) = newestMs.subtractingReportingOverflow(windowMs)
        return overflow ? Int64.min : value
    }

    /// Keys inside their stream key's window right now, over all stream keys (for memory-bound
    /// tests and reports). O(table size).
    public var rememberedKeys: Int { table.live(horizons: horizons) }

    /// Sightings stored, expired ones not yet reused included: the memory actually held, at most
    /// a small multiple of the largest ``rememberedKeys`` plus a fixed minimum.
    public var storedKeys: Int { table.count }
}
