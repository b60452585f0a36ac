import Primitives

/// Upbit's quotation REST limits: each group (`market`, `ticker`, `orderbook`, `trade`) allows
/// 10 requests per second per client IP, and endpoints of one group share that budget. A token
/// bucket per (IP, group) on an injected clock: a fresh client may burst 10, then 10 per second.
///
/// Every response of a group carries `Remaining-Req: group=<g>; min=600; sec=<n>`, where `sec`
/// is what is left in the current second after this request and `min` is Upbit's fixed legacy
/// value (its per-minute limit is gone; the field stays for the clients that parse it).
///
/// One instance can be a server's whole per-IP budget: a group may have its own rate
/// (`perGroup`, e.g. ``websocketConnect`` at 5/s), so the simulator's REST endpoints and its
/// WebSocket upgrades draw on the same table and every refusal (each one an HTTP 429) is counted
/// per group in ``rejections``.
public final class QuotationLimits: Sendable {
    /// Upbit's group for WebSocket connects: 5 per second per IP.
    public static let websocketConnect = "websocket-connect"

    /// Requests per second per group and client.
    public let perSecond: Int
    /// The `min` value of `Remaining-Req`.
    public let perMinute: Int
    /// Groups whose rate differs from ``perSecond``.
    public let perGroup: [String: Int]
    private let clock: @Sendable () -> Int64
    private let buckets = Locked([Key: TokenBucket]())
    private let refused = Locked([String: Int]())

    private struct Key: Hashable {
        var client: String
        var group: String
    }

    /// Keys kept before idle (full) buckets are forgotten, so a flood of client addresses cannot
    /// grow the table without bound.
    static let forgetAbove = 4_096

    /// `clock` gives monotonic nanoseconds (``WireClock/monotonicNanos`` or a test's).
    public init(perSecond: Int = 10, perGroup: [String: Int] = [:], clock: @escaping @Sendable () -> Int64) {
        precondition(perSecond > 0 && perGroup.values.allSatisfy { $0 > 0 }, "a limit needs a positive rate")
        self.perSecond = perSecond
        self.perMinute = perSecond * 60
        self.perGroup = perGroup
        self.clock = clock
    }

    /// Refusals (HTTP 429) so far, by group.
    public var rejections: [String: Int] { self.refused.withLock { $0 } }

    /// Counts one request of `client` in `group`: the requests left in the current second after
    /// it, or nil when it is over the limit (HTTP 429).
    public func admit(client: String, group: String) -> Int? {
        let now = self.clock()
        let capacity = self.perGroup[group] ?? self.perSecond
        let left = self.buckets.withLock { buckets -> Int? in
            if buckets.count > Self.forgetAbove {
                buckets = buckets.filter { $0.value.available(now: now) < $0.value.capacity }
            }
            let key = Key(client: client, group: group)
            var bucket = buckets[key] ?? TokenBucket(capacity: capacity, intervalNanos: 1_000_000_000)
            let taken = bucket.tryTake(now: now)
            buckets[key] = bucket
            return taken ? bucket.available(now: now) : nil
        }
        if left == nil { self.refused.withLock { $0[group, default: 0] += 1 } }
        return left
    }

    /// `group=<group>; min=600; sec=<left>`.
    public func header(group: String, left: Int) -> String {
        "group=\(group); min=\(self.perMinute); sec=\(left)"
    }
}
