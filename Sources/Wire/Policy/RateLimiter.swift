/// Several token buckets that must all allow an action ("5 per second AND 100 per minute").
///
/// A token is taken from every bucket or from none, so a refused action costs nothing.
public struct RateLimiter: Sendable, Equatable {
    public private(set) var buckets: [TokenBucket]

    public init(_ buckets: [TokenBucket]) {
        self.buckets = buckets
    }

    /// Upbit's per-connection message limit: 5 per second and 100 per minute (the recorder keeps
    /// it, the simulator enforces it).
    public static func upbitMessages() -> RateLimiter {
        RateLimiter([
            TokenBucket(capacity: 5, intervalNanos: 1_000_000_000),
            TokenBucket(capacity: 100, intervalNanos: 60_000_000_000),
        ])
    }

    /// Upbit's connect limit: 5 per second (the recorder keeps it, the simulator enforces it).
    public static func upbitConnects() -> RateLimiter {
        RateLimiter([TokenBucket(capacity: 5, intervalNanos: 1_000_000_000)])
    }

    /// Takes one token from every bucket if all have one at `now`.
    public mutating func tryAcquire(now: Int64) -> Bool {
        guard self.delayUntilAvailable(now: now) == 0 else { return false }
        for index in self.buckets.indices {
            let taken = self.buckets[index].tryTake(now: now)
            assert(taken, "bucket emptied between check and take")
        }
        return true
    }

    /// How long from `now` until every bucket has a token.
    public func delayUntilAvailable(now: Int64) -> Int64 {
        self.buckets.reduce(0) { max($0, $1.delayUntilAvailable(now: now)) }
    }
}
