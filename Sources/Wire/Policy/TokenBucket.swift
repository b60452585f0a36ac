/// A token bucket on an injected clock: `capacity` tokens, refilled at `capacity` per `intervalNanos`.
///
/// Upbit allows 5 connects per second and, per connection, 5 messages per second
/// and 100 per minute. Each limit is one bucket (`TokenBucket(capacity: 5, intervalNanos: 1 s)`);
/// combine them with ``RateLimiter``. Starts full, as a fresh client may burst up to capacity.
///
/// Arithmetic is exact integers: one token is `intervalNanos` units and every elapsed
/// nanosecond adds `capacity` units, so no rounding drift accumulates over a long session.
public struct TokenBucket: Sendable, Equatable {
    /// Most tokens the bucket holds (the burst size).
    public let capacity: Int
    /// Time to refill `capacity` tokens from empty.
    public let intervalNanos: Int64
    private var level: Int64
    private var lastRefill: Int64?

    public init(capacity: Int, intervalNanos: Int64) {
        precondition(capacity > 0 && intervalNanos > 0, "token bucket needs a positive capacity and interval")
        precondition(Int64(capacity) <= Int64.max / intervalNanos, "token bucket too large")
        self.capacity = capacity
        self.intervalNanos = intervalNanos
        self.level = Int64(capacity) * intervalNanos
    }

    /// Whole tokens available at `now`.
    public func available(now: Int64) -> Int {
        Int(self.level(at: now) / self.intervalNanos)
    }

    /// Takes one token if one is available at `now`.
    public mutating func tryTake(now: Int64) -> Bool {
        let level = self.level(at: now)
        self.lastRefill = max(now, self.lastRefill ?? now)
        self.level = level
        guard level >= self.intervalNanos else { return false }
        self.level -= self.intervalNanos
        return true
    }

    /// How long from `now` until a token is available (0 when one is available now).
    public func delayUntilAvailable(now: Int64) -> Int64 {
        let missing = self.intervalNanos - self.level(at: now)
        guard missing > 0 else { return 0 }
        let rate = Int64(self.capacity)
        return (missing + rate - 1) / rate
    }

    /// The level at `now`; a clock that went backwards adds nothing.
    private func level(at now: Int64) -> Int64 {
        guard let last = self.lastRefill, now > last else { return self.level }
        let full = Int64(self.capacity) * self.intervalNanos
        // Clamp elapsed time first: one interval already refills an empty bucket, and the clamp
        // keeps `elapsed · capacity` far from overflow.
        let elapsed = min(now - last, self.intervalNanos)
        return min(full, self.level + elapsed * Int64(self.capacity))
    }
}
