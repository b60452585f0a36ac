import Primitives

/// Which recent trades `GET /v1/trades/ticks` returns, newest first: those of one UTC day (the
/// market's latest trade's day, or `daysAgo` days before it), before `before` (seconds of that
/// day), after the trade `cursor` in newest-first order, at most `count`.
struct TradeFilter: Sendable, Equatable {
    var count = 1
    var daysAgo = 0
    var before: Int64?
    var cursor: UInt64?

    /// `trades` (DEFAULT-keyed WebSocket trade messages, newest first) filtered.
    func apply(_ trades: [JSONValue]) -> [JSONValue] {
        let times = trades.map { QuotationShapes.milliseconds($0["trade_timestamp"]) }
        let today = times.lazy.compactMap { $0 }.first.map(CivilTime.days)
        var kept: [JSONValue] = []
        for (trade, ms) in zip(trades, times) {
            if let ms, let today {
                guard CivilTime.days(ms) == today - Int64(self.daysAgo) else { continue }
                if let before, CivilTime.secondOfDay(ms) >= before { continue }
            } else if self.daysAgo > 0 || self.before != nil {
                continue
            }
            kept.append(trade)
        }
        if let cursor = self.cursor {
            let ids = kept.map { $0["sequential_id"]?.wholeUInt64Value }
            if let index = ids.firstIndex(of: cursor) {
                kept = Array(kept[(index + 1)...])
            } else {
                kept = zip(kept, ids).filter { ($0.1 ?? .max) < cursor }.map(\.0)
            }
        }
        return Array(kept.prefix(self.count))
    }

    /// `HHmmss` or `HH:mm:ss` as seconds of the day; nil when it is neither or out of range.
    static func secondOfDay(_ text: String) -> Int64? {
        let digits = text.split(separator: ":", omittingEmptySubsequences: false)
        let parts: [Substring]
        if digits.count == 3 {
            parts = digits
        } else if digits.count == 1, text.utf8.count == 6 {
            let t = Substring(text)
            parts = [t.prefix(2), t.dropFirst(2).prefix(2), t.suffix(2)]
        } else {
            return nil
        }
        guard parts.allSatisfy({ $0.utf8.count == 2 && $0.allSatisfy(\.isNumber) }),
            let h = Int64(parts[0]), let m = Int64(parts[1]), let s = Int64(parts[2]), h < 24, m < 60, s < 60
        else { return nil }
        return h * 3600 + m * 60 + s
    }
}
