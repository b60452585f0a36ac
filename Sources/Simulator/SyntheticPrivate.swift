/// The private-stream payloads (`myOrder`, `myAsset`), shaped like Upbit's documented examples.
extension SyntheticFeed {
    /// The synthetic account's open order on one market: wait → trade (partial fills) → done, or cancel.
    struct Order {
        enum State { case none, wait, trade, done, cancel }
        var state = State.none
        var uuid: [UInt8] = []
        var bid = true
        var price: Int64 = 0
        var volume: Int64 = 0
        var executed: Int64 = 0
        var fill: Int64 = 0
        var trades: Int64 = 0
        var orderMs: Int64 = 0
    }

    /// A version-4 UUID from the feed's generator.
    mutating func uuid() -> [UInt8] {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        let a = rng.next()
        let b = rng.next()
        for k in 0..<32 {
            if [8, 12, 16, 20].contains(k) { out.append(UInt8(ascii: "-")) }
            var nibble = Int(((k < 16 ? a : b) >> UInt64(4 * (k % 16))) & 0xF)
            if k == 12 { nibble = 4 }
            if k == 16 { nibble = 8 | (nibble & 3) }
            out.append(hex[nibble])
        }
        return out
    }

    mutating func advanceOrder(_ m: Int) {
        var o = orders[m]
        let market = state[m]
        switch o.state {
        case .none, .done, .cancel:
            o = Order(state: .wait, uuid: uuid(), bid: rng.chance(1, in: 2))
            o.price = max(market.tick, market.price + market.tick * Int64(rng.int(in: -5...5)))
            o.volume = market.lot * Int64(rng.int(in: 1...500)) / 100 + 1
            o.orderMs = nowMs
        case .wait, .trade:
            if o.executed == o.volume {
                o.state = .done
            } else if rng.chance(1, in: 5) {
                o.state = .cancel
            } else {
                o.fill = min(o.volume - o.executed, o.volume * Int64(rng.int(in: 20...100)) / 100 + 1)
                o.executed += o.fill
                o.trades += 1
                o.state = .trade
            }
        }
        orders[m] = o
    }

    mutating func writeMyOrder(_ m: Int, simple s: Bool, into w: inout ByteWriter) {
        advanceOrder(m)
        let o = orders[m]
        let trading = o.state == .trade
        let tradeUUID = trading ? uuid() : []
        let remaining = o.volume - o.executed
        let reserved4 = SyntheticMarket.notional4(o.price, o.volume) * 5 / 10_000
        let remainingFee4 = SyntheticMarket.mulDiv(reserved4, o.state == .cancel ? 0 : remaining, o.volume)
        let locked = o.bid ? SyntheticMarket.notional4(o.price, remaining) + remainingFee4 : remaining
        header("myOrder", state[m], simple: s, into: &w)
        w.key(s, "uuid", "uid")
        w.quoted(o.uuid)
        w.key(s, "ask_bid", "ab")
        w.quoted(o.bid ? "BID" : "ASK")
        w.key(s, "order_type", "ot")
        w.quoted("limit")
        w.key(s, "state", "s")
        switch o.state {
        case .wait, .none: w.quoted("wait")
        case .trade: w.quoted("trade")
        case .done: w.quoted("done")
        case .cancel: w.quoted("cancel")
        }
        w.key(s, "trade_uuid", "tuid")
        if trading { w.quoted(tradeUUID) } else { w.raw("null") }
        w.key(s, "price", "p")
        w.decimal(o.price, scale: 8)
        w.key(s, "avg_price", "ap")
        w.decimal(o.executed > 0 ? o.price : 0, scale: 8)
        w.key(s, "volume", "v")
        w.decimal(trading ? o.fill : o.volume, scale: 8)
        w.key(s, "remaining_volume", "rv")
        w.decimal(remaining, scale: 8)
        w.key(s, "executed_volume", "ev")
        w.decimal(o.executed, scale: 8)
        w.key(s, "trades_count", "tc")
        w.int(o.trades)
        w.key(s, "reserved_fee", "rsf")
        w.decimal(reserved4, scale: 4)
        w.key(s, "remaining_fee", "rmf")
        w.decimal(remainingFee4, scale: 4)
        w.key(s, "paid_fee", "pf")
        w.decimal(SyntheticMarket.notional4(o.price, o.executed) * 5 / 10_000, scale: 4)
        w.key(s, "locked", "l")
        w.decimal(o.state == .cancel || o.state == .done ? 0 : locked, scale: o.bid ? 4 : 8)
        w.key(s, "executed_funds", "ef")
        w.decimal(SyntheticMarket.notional4(o.price, o.executed), scale: 4)
        w.key(s, "time_in_force", "tif")
        w.raw("null")
        w.key(s, "trade_fee", "tf")
        if trading {
            w.decimal(SyntheticMarket.notional4(o.price, o.fill) * 5 / 10_000, scale: 4)
        } else {
            w.raw("null")
        }
        w.key(s, "is_maker", "im")
        if trading { w.raw(rng.chance(1, in: 2) ? "true" : "false") } else { w.raw("null") }
        w.key(s, "identifier", "id")
        w.raw("null")
        w.key(s, "smp_type", "smpt")
        w.raw("null")
        w.key(s, "prevented_volume", "pv")
        w.raw("0")
        w.key(s, "prevented_locked", "pl")
        w.raw("0")
        w.key(s, "trade_timestamp", "ttms")
        if trading { w.int(nowMs - Int64(rng.below(20))) } else { w.raw("null") }
        w.key(s, "order_timestamp", "otms")
        w.int(o.orderMs)
        w.key(s, "timestamp", "tms")
        w.int(nowMs)
        footer(simple: s, into: &w)
    }

    /// A balance change of KRW and one market's base currency (`balances[0]` is KRW).
    mutating func writeMyAsset(simple s: Bool, into w: inout ByteWriter) {
        let other = 1 + Int(rng.below(UInt64(markets.count)))
        for k in [0, other] {
            let delta = balances[k] / 100 * Int64(rng.int(in: -5...5))
            balances[k] = max(SyntheticMarket.unit / 1_000, balances[k] + delta)
        }
        header("myAsset", nil, simple: s, into: &w)
        w.key(s, "asset_uuid", "astuid")
        w.quoted(uuid())
        w.key(s, "assets", "ast")
        w.byte(0x5B)
        for (n, k) in [0, other].enumerated() {
            w.raw(n == 0 ? "{" : ",{")
            w.key(s, "currency", "cu", first: true)
            w.quoted(k == 0 ? Array("KRW".utf8) : state[k - 1].base)
            w.key(s, "balance", "b")
            w.decimal(balances[k], scale: 8)
            w.key(s, "locked", "l")
            w.decimal(balances[k] / 1_000 * Int64(rng.below(50)), scale: 8)
            w.byte(0x7D)
        }
        w.byte(0x5D)
        w.key(s, "asset_timestamp", "asttms")
        w.int(nowMs - Int64(rng.below(10)))
        w.key(s, "timestamp", "tms")
        w.int(nowMs)
        footer(simple: s, into: &w)
    }
}
