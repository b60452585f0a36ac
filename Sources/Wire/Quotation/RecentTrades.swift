/// The last trades of every market, for `GET /v1/trades/ticks`: one ring per market, newest
/// first on the way out, a trade seen twice (same `sequential_id`, as a re-sent snapshot
/// repeats it) kept once.
///
/// Upbit answers up to 500 trades per request; a ring holds that many per market, fewer when
/// there are many markets, so that all of them together hold at most ``totalBudget`` trades.
public struct RecentTrades: Sendable {
    /// Most trades Upbit returns for one request (`count` is at most 500).
    public static let maxPerMarket = 500
    /// Most trades held over all markets together.
    public static let totalBudget = 50_000

    /// Trades held per market: 500, or `totalBudget / markets` when that is smaller (at least 1).
    public let capacity: Int
    private var rings: [String: Ring] = [:]

    private struct Ring: Sendable {
        var items: [ExchangeMessage] = []
        var ids: [UInt64?] = []
        var known: Set<UInt64> = []
        /// Index of the oldest item once the ring is full.
        var head = 0

        mutating func insert(_ message: ExchangeMessage, id: UInt64?, capacity: Int) {
            if let id {
                guard self.known.insert(id).inserted else { return }
            }
            guard self.items.count == capacity else {
                self.items.append(message)
                self.ids.append(id)
                return
            }
            if let old = self.ids[self.head] { self.known.remove(old) }
            self.items[self.head] = message
            self.ids[self.head] = id
            self.head = (self.head + 1) % capacity
        }
    }

    /// Rings sized for `markets` markets (0 when not known: 500 each).
    public init(markets: Int = 0) {
        let share = markets > 0 ? Self.totalBudget / markets : Self.maxPerMarket
        self.capacity = max(1, min(Self.maxPerMarket, share))
    }

    /// Adds `message`, a trade of `code`, as the newest; a `sequentialID` already held is ignored.
    public mutating func append(_ message: ExchangeMessage, code: String, sequentialID: UInt64?) {
        let capacity = self.capacity
        self.rings[code, default: Ring()].insert(message, id: sequentialID, capacity: capacity)
    }

    /// The trades of `code`, newest first.
    public func newestFirst(code: String) -> [ExchangeMessage] {
        guard let ring = self.rings[code] else { return [] }
        let count = ring.items.count
        return (0..<count).map { ring.items[(ring.head + count - 1 - $0) % count] }
    }

    /// Forgets every trade.
    public mutating func removeAll() { self.rings = [:] }
}
