/// The public market payloads, written field by field in the order of Upbit's documented examples
/// (DEFAULT names, or SIMPLE keys from `UpbitFormat`). Number styles follow Upbit's: prices of
/// ticker/trade closes and changes padded to 8 decimals (`100473000.00000000`), book and best
/// prices plain (`100473000`), sizes trimmed (`0.43139478`).
extension SyntheticFeed {
    /// Running candle of one (candle type, market) stream.
    struct Candle {
        var startMs: Int64 = -1
        var open: Int64 = 0
        var high: Int64 = 0
        var low: Int64 = 0
        var close: Int64 = 0
        var volume: Int64 = 0
        var price4: Int64 = 0

        mutating func add(_ m: SyntheticMarket, periodMs: Int64) {
            let start = m.tradeMs - m.tradeMs % periodMs
            let p = m.price
            if start != startMs {
                self = Candle(startMs: start, open: p, high: p, low: p, close: p, volume: 0, price4: 0)
            }
            high = max(high, p)
            low = min(low, p)
            close = p
            volume += m.lastVolume
            price4 += SyntheticMarket.notional4(p, m.lastVolume)
        }
    }

    func header(_ type: StaticString, _ m: SyntheticMarket?, simple: Bool, into w: inout ByteWriter) {
        w.byte(0x7B)
        w.key(simple, "type", "ty", first: true)
        w.quoted(type)
        if let m {
            w.key(simple, "code", "cd")
            w.quoted(m.codeBytes)
        }
    }

    func footer(simple: Bool, into w: inout ByteWriter) {
        w.key(simple, "stream_type", "st")
        w.raw("\"REALTIME\"}")
    }

    func writeTicker(_ m: SyntheticMarket, simple s: Bool, into w: inout ByteWriter) {
        let unit = SyntheticMarket.unit
        header("ticker", m, simple: s, into: &w)
        w.key(s, "opening_price", "op")
        w.decimal(m.open, scale: 8)
        w.key(s, "high_price", "hp")
        w.decimal(m.high, scale: 8)
        w.key(s, "low_price", "lp")
        w.decimal(m.low, scale: 8)
        w.key(s, "trade_price", "tp")
        w.decimal(m.price, scale: 8)
        w.key(s, "prev_closing_price", "pcp")
        w.decimal(m.prevClose, scale: 8, minFraction: 8)
        w.key(s, "acc_trade_price", "atp")
        w.decimal(m.accPrice4, scale: 4, minFraction: 8)
        w.key(s, "change", "c")
        w.quoted(m.change)
        let diff = m.price - m.prevClose
        w.key(s, "change_price", "cp")
        w.decimal(abs(diff), scale: 8, minFraction: 8)
        w.key(s, "signed_change_price", "scp")
        w.decimal(diff, scale: 8, minFraction: 8)
        let rate = m.signedChangeRate10
        w.key(s, "change_rate", "cr")
        w.decimal(abs(rate), scale: 10)
        w.key(s, "signed_change_rate", "scr")
        w.decimal(rate, scale: 10)
        w.key(s, "ask_bid", "ab")
        w.quoted(m.lastBid ? "BID" : "ASK")
        w.key(s, "trade_volume", "tv")
        w.decimal(m.lastVolume, scale: 8)
        w.key(s, "acc_trade_volume", "atv")
        w.decimal(m.accVolume, scale: 8)
        w.key(s, "trade_date", "tdt")
        w.byte(0x22)
        w.date(m.tradeMs, dashed: false)
        w.byte(0x22)
        w.key(s, "trade_time", "ttm")
        w.byte(0x22)
        w.time(m.tradeMs, colons: false)
        w.byte(0x22)
        w.key(s, "trade_timestamp", "ttms")
        w.int(m.tradeMs)
        w.key(s, "acc_ask_volume", "aav")
        w.decimal(m.accAsk, scale: 8)
        w.key(s, "acc_bid_volume", "abv")
        w.decimal(m.accBid, scale: 8)
        w.key(s, "highest_52_week_price", "h52wp")
        w.decimal(max(m.high52, m.high), scale: 8, minFraction: 8)
        w.key(s, "highest_52_week_date", "h52wdt")
        w.byte(0x22)
        w.date(m.high52Ms, dashed: true)
        w.byte(0x22)
        w.key(s, "lowest_52_week_price", "l52wp")
        w.decimal(min(m.low52, max(m.low, unit / 10_000)), scale: 8, minFraction: 8)
        w.key(s, "lowest_52_week_date", "l52wdt")
        w.byte(0x22)
        w.date(m.low52Ms, dashed: true)
        w.byte(0x22)
        w.key(s, "market_state", "ms")
        w.quoted("ACTIVE")
        w.key(s, "is_trading_suspended", "its")
        w.raw("false")
        w.key(s, "delisting_date", "dd")
        w.raw("null")
        w.key(s, "market_warning", "mw")
        w.quoted("NONE")
        w.key(s, "timestamp", "tms")
        w.int(nowMs)
        w.key(s, "acc_trade_price_24h", "atp24h")
        w.decimal(m.acc24hPrice4, scale: 4, minFraction: 8)
        w.key(s, "acc_trade_volume_24h", "atv24h")
        w.decimal(m.acc24hVolume, scale: 8)
        footer(simple: s, into: &w)
    }

    func writeTrade(_ m: SyntheticMarket, simple s: Bool, into w: inout ByteWriter) {
        header("trade", m, simple: s, into: &w)
        w.key(s, "timestamp", "tms")
        w.int(nowMs)
        w.key(s, "trade_date", "td")
        w.byte(0x22)
        w.date(m.tradeMs, dashed: true)
        w.byte(0x22)
        w.key(s, "trade_time", "ttm")
        w.byte(0x22)
        w.time(m.tradeMs, colons: true)
        w.byte(0x22)
        w.key(s, "trade_timestamp", "ttms")
        w.int(m.tradeMs)
        w.key(s, "trade_price", "tp")
        w.decimal(m.price, scale: 8, minFraction: 8)
        w.key(s, "trade_volume", "tv")
        w.decimal(m.lastVolume, scale: 8)
        w.key(s, "ask_bid", "ab")
        w.quoted(m.lastBid ? "BID" : "ASK")
        w.key(s, "prev_closing_price", "pcp")
        w.decimal(m.prevClose, scale: 8, minFraction: 8)
        w.key(s, "change", "c")
        w.quoted(m.change)
        w.key(s, "change_price", "cp")
        w.decimal(abs(m.price - m.prevClose), scale: 8, minFraction: 8)
        w.key(s, "sequential_id", "sid")
        w.unsigned(m.sequentialID, minDigits: 1)
        let ask = m.lastBid ? m.price : m.price + m.tick
        let bid = m.lastBid ? m.price - m.tick : m.price
        w.key(s, "best_ask_price", "bap")
        w.decimal(ask, scale: 8)
        w.key(s, "best_ask_size", "bas")
        w.decimal(m.lot * Int64(m.sequentialID % 997 + 3) / 331, scale: 8)
        w.key(s, "best_bid_price", "bbp")
        w.decimal(max(bid, m.tick), scale: 8)
        w.key(s, "best_bid_size", "bbs")
        w.decimal(m.lot * Int64(m.sequentialID % 991 + 5) / 337, scale: 8)
        footer(simple: s, into: &w)
    }

    mutating func writeOrderbook(_ index: Int, simple s: Bool, into w: inout ByteWriter) {
        let m = state[index]
        var asks = [Int64](repeating: 0, count: orderbookDepth)
        var bids = asks
        var askSizes = asks
        var bidSizes = asks
        var ask = m.price + (m.lastBid ? 0 : m.tick)
        var bid = ask - m.tick
        for k in 0..<orderbookDepth {
            asks[k] = ask
            bids[k] = max(bid, m.tick)
            askSizes[k] = m.lot * Int64(rng.int(in: 1...3_000)) / 1_000 + Int64(rng.below(100_000))
            bidSizes[k] = m.lot * Int64(rng.int(in: 1...3_000)) / 1_000 + Int64(rng.below(100_000))
            ask += m.tick * Int64(1 + rng.below(2))
            bid -= m.tick * Int64(1 + rng.below(2))
        }
        header("orderbook", m, simple: s, into: &w)
        w.key(s, "timestamp", "tms")
        w.int(nowMs)
        w.key(s, "total_ask_size", "tas")
        w.decimal(askSizes.reduce(0, +), scale: 8)
        w.key(s, "total_bid_size", "tbs")
        w.decimal(bidSizes.reduce(0, +), scale: 8)
        w.key(s, "orderbook_units", "obu")
        w.byte(0x5B)
        for k in 0..<orderbookDepth {
            w.raw(k == 0 ? "{" : ",{")
            w.key(s, "ask_price", "ap", first: true)
            w.decimal(asks[k], scale: 8)
            w.key(s, "bid_price", "bp")
            w.decimal(bids[k], scale: 8)
            w.key(s, "ask_size", "as")
            w.decimal(askSizes[k], scale: 8)
            w.key(s, "bid_size", "bs")
            w.decimal(bidSizes[k], scale: 8)
            w.byte(0x7D)
        }
        w.byte(0x5D)
        w.key(s, "level", "lv")
        w.raw("0")
        footer(simple: s, into: &w)
    }

    func writeCandle(stream: Int, type: String, market: Int, simple s: Bool, into w: inout ByteWriter) {
        let c = candles[stream]
        let m = state[market]
        w.byte(0x7B)
        w.key(s, "type", "ty", first: true)
        w.quoted(Array(type.utf8))
        w.key(s, "code", "cd")
        w.quoted(m.codeBytes)
        for (kst, full, short) in [(false, "candle_date_time_utc", "cdttmu"), (true, "candle_date_time_kst", "cdttmk")]
            as [(Bool, StaticString, StaticString)]
        {
            let at = c.startMs + (kst ? 9 * 3_600_000 : 0)
            w.key(s, full, short)
            w.byte(0x22)
            w.date(at, dashed: true)
            w.byte(0x54)
            w.time(at, colons: true)
            w.byte(0x22)
        }
        w.key(s, "opening_price", "op")
        w.decimal(c.open, scale: 8)
        w.key(s, "high_price", "hp")
        w.decimal(c.high, scale: 8)
        w.key(s, "low_price", "lp")
        w.decimal(c.low, scale: 8)
        w.key(s, "trade_price", "tp")
        w.decimal(c.close, scale: 8)
        w.key(s, "candle_acc_trade_volume", "catv")
        w.decimal(c.volume, scale: 8)
        w.key(s, "candle_acc_trade_price", "catp")
        w.decimal(c.price4, scale: 4)
        w.key(s, "timestamp", "tms")
        w.int(nowMs)
        footer(simple: s, into: &w)
    }
}
