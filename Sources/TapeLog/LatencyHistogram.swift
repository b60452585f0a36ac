/// A fixed-size log-linear histogram of nanosecond latencies: deterministic, allocation-free
/// after creation, 1/16 relative precision (16 sub-buckets per power of two).
public struct LatencyHistogram: Sendable, Hashable {
    private static let subBuckets = 16
    private var counts = [Int64](repeating: 0, count: 64 * 16)
    /// Number of samples.
    public private(set) var count: Int64 = 0
    /// Largest sample.
    public private(set) var max: Int64 = 0

    public init() {}

    private static func bucket(_ value: Int64) -> Int {
        let v = UInt64(Swift.max(value, 0))
        if v < UInt64(subBuckets) { return Int(v) }
        let exponent = 63 - v.leadingZeroBitCount  // >= 4
        let shift = exponent - 4
        let sub = Int((v >> UInt64(shift)) & 15)
        return (shift + 1) * subBuckets + sub
    }

    private static func lowerBound(_ bucket: Int) -> Int64 {
        if bucket < subBuckets { return Int64(bucket) }
        let shift = bucket / subBuckets - 1
        let sub = bucket % subBuckets
        return Int64(16 + sub) << Int64(shift)
    }

    /// Adds one sample (negative samples count as 0).
    public mutating func record(_ value: Int64) {
        counts[Self.bucket(value)] += 1
        count += 1
        if value > max { max = value }
    }

    /// Merges another histogram into this one.
    public mutating func merge(_ other: LatencyHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        count += other.count
        max = Swift.max(max, other.max)
    }

    /// The value at quantile `q` (0…1), as the lower bound of its bucket; 0 when empty.
    public func quantile(_ q: Double) -> Int64 {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, Int64((q * Double(count)).rounded(.up)))
        var seen: Int64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank { return Swift.min(Self.lowerBound(i), max) }
        }
        return max
    }
}
