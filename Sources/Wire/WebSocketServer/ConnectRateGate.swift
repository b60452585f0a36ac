import Primitives

/// An upgrade gate that refuses connects beyond a rate, as Upbit does (5 connects/s, HTTP 429 at
/// the upgrade). Pass `gate.decide` as the server's `gate`.
public final class ConnectRateGate: Sendable {
    private let limiter: Locked<RateLimiter>
    private let clock: WireClock
    private let reply: HTTPReply

    public init(
        limiter: RateLimiter = .upbitConnects(),
        clock: WireClock = .system,
        reply: HTTPReply = .tooManyRequests
    ) {
        self.limiter = Locked(limiter)
        self.clock = clock
        self.reply = reply
    }

    /// Accepts while the limiter has a token, otherwise rejects with the configured reply.
    public func decide(_ request: UpgradeRequest) -> UpgradeDecision {
        let now = self.clock.monotonicNanos()
        return self.limiter.withLock { $0.tryAcquire(now: now) } ? .accept : .reject(self.reply)
    }
}
