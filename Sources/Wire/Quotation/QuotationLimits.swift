import Primitives

/// Upbit's quotation REST limits: each group (`market`, `ticker`, `orderbook`, `trade`) allows
/// 10 requests per second per client IP, and endpoints of one group share that budget. A token
/// bucket per (IP, group) on an injected clock: a fresh client may burst 10, then 10 per second.
///
/// Every response of a group carries `Remaining-Req: group=<g>; min=600; sec=<n>`, where `sec`
/// is what is left in the current second after this request and `min` is Upbit's fixed legacy
/// value (its per-minute limit is gone; the field stays for the clients that parse it).
public final class QuotationLimits: Sendable {
    /// Requests per second per group and client.
    public let perSecond: Int
    /// The `min` value of `Remaining-Req`.
    public let perMinute: Int
    private let clock: @Sendable () -> Int64
    private let buckets = Locked([Key: TokenBucket]())

    private struct Key: Hashable {
        var client: String
        var group: String
    }

    /// Keys kept before idle (full) buckets are forgotten, so a flood of client addresses cannot
    /// grow the table without bound.
    static let forgetAbove = 4_096

    /// `clock` gives monotonic nanoseconds (``WireClock/monotonicNanos`` or a test's).
    public init(perSecond: Int = 10, clock: @escaping @Sendable () -> Int64) {
        precondition(perSecond > 0, "a quotation limit needs a positive rate")
        self.perSecond = perSecond
        self.perMinute = perSecond * 60
        self.clock = clock
    }

    /// Counts one request of `client` in `group`: the requests left in the current second after
    /// it, or nil when it is over the limit (HTTP 429).
    public func admit(client: String, group: String) -> Int? {
        let now = self.clock()
        let capacity = self.perSecond
        return self.buckets.withLock { buckets in
            if buckets.count > Self.forgetAbove {
                buckets = buckets.filter { $0.value.available(now: now) < capacity }
            }
            let key = Key(client: client, group: group)
            var bucket = buckets[key] ?? TokenBucket(capacity: capacity, intervalNanos: 1_000_000_000)
            let taken = bucket.tryTake(now: now)
            buckets[key] = bucket
            return taken ? bucket.available(now: now) : nil
        }
    }

    /// `group=<group>; min=600; sec=<left>`.
    public func header(group: String, left: Int) -> String {
        "group=\(group); min=\(self.perMinute); sec=\(left)"
    }
}
