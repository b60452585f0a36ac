import TapeLog

/// Per-second series of a session for the report's timeline (epochs, disconnects, message
/// rate, drops and lag), in session time (the recorded monotonic clock).
///
/// Bounded: at most `maxBuckets` buckets of `bucketNs` each; when the session outgrows them,
/// neighbouring buckets merge and the width doubles. Epoch spans grow with the epochs, markers
/// are capped at ``markerLimit``.
public struct SessionTimeline: Sendable, Hashable {
    /// How an epoch's span ended.
    public enum Ending: String, Sendable, Hashable {
        case disconnect
        case sessionEnd = "session_end"
        /// No end was recorded: the span ends at the epoch's last frame.
        case open
    }

    /// One epoch from its connect (or first frame) to its disconnect (or last frame).
    public struct EpochSpan: Sendable, Hashable {
        public var epoch: UInt32
        public var startNs: Int64
        public var endNs: Int64
        public var ending: Ending
    }

    /// A lifecycle moment drawn on the timeline (disconnect, connect_failed, loss, error).
    public struct Marker: Sendable, Hashable {
        public var kind: LifecycleKind
        public var epoch: UInt32
        public var atNs: Int64
    }

    /// One consumer's series, bucket by bucket.
    public struct ConsumerSeries: Sendable, Hashable {
        public var name: String
        public var delivered: [Int]
        public var drops: [Int]
        /// Largest lag (delivery − arrival, replay clock) of the deliveries in the bucket.
        public var maxLagNs: [Int64]
    }

    /// Markers kept; later ones are counted in ``markersOmitted``.
    public static let markerLimit = 4_096

    /// Session time where bucket 0 starts (the first input's time); nil until something happened.
    public private(set) var originNs: Int64?
    public private(set) var bucketNs: Int64 = 1_000_000_000
    /// Inbound data frames per bucket.
    public private(set) var messages: [Int] = []
    public private(set) var epochs: [EpochSpan] = []
    public private(set) var markers: [Marker] = []
    public private(set) var markersOmitted = 0
    public private(set) var consumers: [ConsumerSeries]
    let maxBuckets: Int

    init(consumers names: [String], maxBuckets: Int) {
        consumers = names.map { ConsumerSeries(name: $0, delivered: [], drops: [], maxLagNs: []) }
        self.maxBuckets = max(2, maxBuckets)
    }

    /// Buckets in use.
    public var bucketCount: Int { messages.count }

    /// Session time of the end of the last bucket.
    public var endNs: Int64 { (originNs ?? 0) &+ Int64(bucketCount) &* bucketNs }

    mutating func noteMessage(at ns: Int64) { messages[bucket(ns)] += 1 }

    mutating func noteDelivery(consumer: Int, at ns: Int64, lagNs: Int64) {
        let b = bucket(ns)
        consumers[consumer].delivered[b] += 1
        consumers[consumer].maxLagNs[b] = max(consumers[consumer].maxLagNs[b], lagNs)
    }

    mutating func noteDrop(consumer: Int, at ns: Int64) { consumers[consumer].drops[bucket(ns)] += 1 }

    /// An epoch was seen at `ns` (connect, frame): opens or widens its span.
    mutating func noteEpoch(_ epoch: UInt32, at ns: Int64) {
        _ = bucket(ns)
        if let i = spanIndex(of: epoch) {
            epochs[i].startNs = min(epochs[i].startNs, ns)
            if epochs[i].ending == .open { epochs[i].endNs = max(epochs[i].endNs, ns) }
        } else {
            epochs.append(EpochSpan(epoch: epoch, startNs: ns, endNs: ns, ending: .open))
        }
    }

    /// An epoch ended at `ns`.
    mutating func endEpoch(_ epoch: UInt32, at ns: Int64, ending: Ending) {
        noteEpoch(epoch, at: ns)
        if let i = spanIndex(of: epoch), epochs[i].ending == .open {
            epochs[i].endNs = max(epochs[i].endNs, ns)
            epochs[i].ending = ending
        }
    }

    /// The span of `epoch`: the last one in the common case, a search for stale-epoch tails.
    private func spanIndex(of epoch: UInt32) -> Int? {
        if let last = epochs.last, last.epoch == epoch { return epochs.count - 1 }
        return epochs.lastIndex { $0.epoch == epoch }
    }

    mutating func noteMarker(_ kind: LifecycleKind, epoch: UInt32, at ns: Int64) {
        _ = bucket(ns)
        if markers.count < Self.markerLimit {
            markers.append(Marker(kind: kind, epoch: epoch, atNs: ns))
        } else {
            markersOmitted += 1
        }
    }

    /// The bucket of `ns`, growing (and if need be coarsening) the series to hold it. Times
    /// before the origin land in bucket 0.
    private mutating func bucket(_ ns: Int64) -> Int {
        let origin: Int64
        if let known = originNs {
            origin = known
        } else {
            origin = ns
            originNs = ns
        }
        let offset = ns > origin ? ns &- origin : 0
        while offset / bucketNs >= Int64(maxBuckets) { coarsen() }
        let index = Int(offset / bucketNs)
        if index >= messages.count { grow(to: index + 1) }
        return index
    }

    private mutating func grow(to count: Int) {
        let extra = count - messages.count
        messages.append(contentsOf: repeatElement(0, count: extra))
        for i in consumers.indices {
            consumers[i].delivered.append(contentsOf: repeatElement(0, count: extra))
            consumers[i].drops.append(contentsOf: repeatElement(0, count: extra))
            consumers[i].maxLagNs.append(contentsOf: repeatElement(0, count: extra))
        }
    }

    private mutating func coarsen() {
        bucketNs &*= 2
        messages = Self.merge(messages, +)
        for i in consumers.indices {
            consumers[i].delivered = Self.merge(consumers[i].delivered, +)
            consumers[i].drops = Self.merge(consumers[i].drops, +)
            consumers[i].maxLagNs = Self.merge(consumers[i].maxLagNs, max)
        }
    }

    private static func merge<T>(_ values: [T], _ combine: (T, T) -> T) -> [T] {
        stride(from: 0, to: values.count, by: 2).map { i in
            i + 1 < values.count ? combine(values[i], values[i + 1]) : values[i]
        }
    }
}
