import Primitives

/// Reconnect delays: exponential backoff with full jitter, reset after a stable connection.
///
/// The delay ceiling starts at 0.5 s and doubles to a 30 s cap; a connection that stayed up a
/// minute resets it. Full jitter as in AWS's "Exponential Backoff And Jitter": after the n-th
/// consecutive failure the delay is uniform in `0...min(cap, base · 2^(n-1))`, which spreads
/// reconnecting clients instead of synchronising them.
///
/// A "failure" is any attempt that did not give a stable connection: a refused or failed connect,
/// or a connection that ended before `stableAfterNanos`. A connection that lasted at least that
/// long resets the count, so a feed that drops once an hour reconnects within 0.5 s every time.
/// Pure value type: time is passed in, randomness comes from a seeded generator.
public struct Backoff: Sendable {
    /// Ceiling of the first delay (default 0.5 s).
    public let baseNanos: Int64
    /// Largest ceiling (default 30 s).
    public let capNanos: Int64
    /// A connection lasting at least this long resets the failure count (default 60 s).
    public let stableAfterNanos: Int64
    /// Consecutive failures so far (0 after a reset).
    public private(set) var failures: Int = 0
    private var random: SplitMix64

    public init(
        baseNanos: Int64 = 500_000_000,
        capNanos: Int64 = 30_000_000_000,
        stableAfterNanos: Int64 = 60_000_000_000,
        seed: UInt64
    ) {
        precondition(baseNanos > 0 && capNanos >= baseNanos, "backoff needs 0 < base <= cap")
        self.baseNanos = baseNanos
        self.capNanos = capNanos
        self.stableAfterNanos = stableAfterNanos
        self.random = SplitMix64(seed: seed)
    }

    /// The jitter ceiling after `failures` consecutive failures: `min(cap, base · 2^(failures-1))`.
    public func ceiling(afterFailures failures: Int) -> Int64 {
        guard failures > 0 else { return 0 }
        var ceiling = self.baseNanos
        for _ in 1..<min(failures, 63) {
            if ceiling >= self.capNanos / 2 { return self.capNanos }
            ceiling *= 2
        }
        return min(ceiling, self.capNanos)
    }

    /// Counts one more failure and returns how long to wait before the next attempt.
    public mutating func nextDelay() -> Int64 {
        self.failures += 1
        return Int64.random(in: 0...self.ceiling(afterFailures: self.failures), using: &self.random)
    }

    /// Reports that an established connection ended after `lastedNanos`; a stable one resets.
    public mutating func connectionEnded(lastedNanos: Int64) {
        if lastedNanos >= self.stableAfterNanos {
            self.failures = 0
        }
    }
}
