/// A bounded log-linear histogram of non-negative nanosecond values, for exact and
/// deterministic lag percentiles without keeping every sample.
///
/// Precision: values below 128 ns are exact; above, each power of two is split into 128 equal
/// buckets, so a reported percentile is the upper bound of its bucket, at most 1/128 (< 0.8 %)
/// above the true sample, and never above the exact maximum. Pure integer arithmetic: the same
/// samples give the same figures on every platform. Fixed size: 7,296 counters.
public struct LagHistogram: Sendable, Hashable {
    static let subBits = 7
    static let subCount = 1 << subBits
    static let bucketCount = subCount + (63 - subBits) * subCount

    private var counts: [UInt64] = []
    /// Samples recorded.
    public private(set) var count: UInt64 = 0
    /// Exact largest sample (0 when empty).
    public private(set) var max: Int64 = 0

    public init() {}

    /// Records one value; negative values are clamped to 0.
    public mutating func record(_ value: Int64) {
        let v = Swift.max(0, value)
        if counts.isEmpty { counts = [UInt64](repeating: 0, count: Self.bucketCount) }
        counts[Self.index(of: v)] += 1
        count += 1
        if v > max { max = v }
    }

    /// The value at quantile `percent`/100 (nearest rank: the smallest bucket whose cumulative
    /// count reaches ⌈n·percent/100⌉), reported as that bucket's upper bound capped at the max.
    /// 0 when empty.
    public func percentile(_ percent: Int) -> Int64 {
        guard count > 0 else { return 0 }
        let p = UInt64(Swift.min(100, Swift.max(0, percent)))
        let rank = Swift.max(1, (count * p + 99) / 100)
        var seen: UInt64 = 0
        for (index, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank { return Swift.min(Self.upperBound(of: index), max) }
        }
        return max
    }

    static func index(of v: Int64) -> Int {
        if v < Int64(subCount) { return Int(v) }
        let exponent = 63 - v.leadingZeroBitCount
        let shift = exponent - subBits
        let mantissa = Int(v >> Int64(shift)) - subCount
        return subCount + shift * subCount + mantissa
    }

    static func upperBound(of index: Int) -> Int64 {
        if index < subCount { return Int64(index) }
        let shift = (index - subCount) / subCount
        let mantissa = Int64((index - subCount) % subCount + subCount)
        let (upper, overflow) = ((mantissa + 1) << Int64(shift)).subtractingReportingOverflow(1)
        return overflow ? Int64.max : upper
    }
}
