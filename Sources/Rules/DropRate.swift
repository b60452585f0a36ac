/// Tracks the largest number of drops within any 60 consecutive whole seconds of the clock in
/// use: a consumer's "drops per minute", reported as the maximum over the run.
///
/// A ring of 60 per-second counters: bounded and deterministic. Resolution is one second: the
/// windows considered are [s − 59 s, s + 1 s) for each second s in which a drop happened.
public struct DropRate: Sendable, Hashable {
    private var perSecond = [Int](repeating: 0, count: 60)
    private var lastSecond = Int64.min
    private var windowSum = 0
    /// The maximum number of drops in any 60-second window so far.
    public private(set) var maxPerMinute = 0

    public init() {}

    /// Records one drop at `nowNs`. Times must not decrease.
    public mutating func record(atNs nowNs: Int64) {
        let second = nowNs >= 0 ? nowNs / 1_000_000_000 : (nowNs - 999_999_999) / 1_000_000_000
        if lastSecond == Int64.min || second - lastSecond >= 60 {
            for i in 0..<60 { perSecond[i] = 0 }
            windowSum = 0
        } else if second > lastSecond {
            var s = lastSecond + 1
            while s <= second {
                let slot = Int(((s % 60) + 60) % 60)
                windowSum -= perSecond[slot]
                perSecond[slot] = 0
                s += 1
            }
        }
        if second > lastSecond || lastSecond == Int64.min { lastSecond = second }
        perSecond[Int(((lastSecond % 60) + 60) % 60)] += 1
        windowSum += 1
        maxPerMinute = Swift.max(maxPerMinute, windowSum)
    }
}
