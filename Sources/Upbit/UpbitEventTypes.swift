import Exchange

/// `ticker`: the market's current state (Upbit's WebSocket documentation).
public struct UpbitTicker: Sendable, Hashable {
    public var code: String
    public var openingPrice, highPrice, lowPrice, tradePrice, prevClosingPrice: UpbitNumber
    /// `RISE`, `EVEN` or `FALL` against the previous close.
    public var change: String
    public var signedChangePrice, signedChangeRate, tradeVolume: UpbitNumber
    public var accTradeVolume24h, accTradePrice24h: UpbitNumber?
    public var tradeTimestampMs: Int64?
    public var timestampMs: Int64
    public var streamType: StreamType

    init(_ f: UpbitFields) throws(UpbitDecodeError) {
        code = try f.string("code")
        openingPrice = try f.number("opening_price")
        highPrice = try f.number("high_price")
        lowPrice = try f.number("low_price")
        tradePrice = try f.number("trade_price")
        prevClosingPrice = try f.number("prev_closing_price")
        change = try f.string("change")
        signedChangePrice = try f.number("signed_change_price")
        signedChangeRate = try f.number("signed_change_rate")
        tradeVolume = try f.number("trade_volume")
        accTradeVolume24h = f.optionalNumber("acc_trade_volume_24h")
        accTradePrice24h = f.optionalNumber("acc_trade_price_24h")
        tradeTimestampMs = f.optionalTime("trade_timestamp")
        timestampMs = try f.time("timestamp")
        streamType = f.streamType()
    }
}

/// `trade`: one execution. `sequentialID` is exact (it exceeds 2^53).
public struct UpbitTrade: Sendable, Hashable {
    public var code: String
    public var tradePrice, tradeVolume: UpbitNumber
    /// `BID`: the buyer took the ask; `ASK`: the seller hit the bid.
    public var askBid: String
    public var sequentialID: UInt64
    public var tradeTimestampMs: Int64
    public var timestampMs: Int64
    public var bestAskPrice, bestAskSize, bestBidPrice, bestBidSize: UpbitNumber?
    public var streamType: StreamType

    init(_ f: UpbitFields) throws(UpbitDecodeError) {
        code = try f.string("code")
        tradePrice = try f.number("trade_price")
        tradeVolume = try f.number("trade_volume")
        askBid = try f.string("ask_bid")
        guard let sid = f.raw("sequential_id")?.wholeUInt64Value else {
            throw UpbitDecodeError(reason: "sequential_id is not an unsigned integer")
        }
        sequentialID = sid
        tradeTimestampMs = try f.time("trade_timestamp")
        timestampMs = try f.time("timestamp")
        bestAskPrice = f.optionalNumber("best_ask_price")
        bestAskSize = f.optionalNumber("best_ask_size")
        bestBidPrice = f.optionalNumber("best_bid_price")
        bestBidSize = f.optionalNumber("best_bid_size")
        streamType = f.streamType()
    }
}

/// `orderbook`: a full top-N book, never a delta (Upbit's WebSocket documentation).
public struct UpbitOrderbook: Sendable, Hashable {
    /// One level, best first.
    public struct Unit: Sendable, Hashable {
        public var askPrice, bidPrice, askSize, bidSize: UpbitNumber
    }
    public var code: String
    public var totalAskSize, totalBidSize: UpbitNumber
    public var units: [Unit]
    public var level: UpbitNumber?
    public var timestampMs: Int64
    public var streamType: StreamType

    init(_ f: UpbitFields) throws(UpbitDecodeError) {
        code = try f.string("code")
        totalAskSize = try f.number("total_ask_size")
        totalBidSize = try f.number("total_bid_size")
        units = try f.items("orderbook_units").map { (u) throws(UpbitDecodeError) in
            Unit(
                askPrice: try u.number("ask_price"),
                bidPrice: try u.number("bid_price"),
                askSize: try u.number("ask_size"),
                bidSize: try u.number("bid_size")
            )
        }
        level = f.optionalNumber("level")
        timestampMs = try f.time("timestamp")
        streamType = f.streamType()
    }
}

/// `candle.*`: the same period may repeat; the last one received wins.
public struct UpbitCandle: Sendable, Hashable {
    /// The full type, e.g. `candle.1m`.
    public var type: String
    public var code: String
    public var candleDateTimeUTC: String
    public var openingPrice, highPrice, lowPrice, tradePrice: UpbitNumber
    public var accTradeVolume, accTradePrice: UpbitNumber
    public var timestampMs: Int64
    public var streamType: StreamType

    init(_ f: UpbitFields, type: String) throws(UpbitDecodeError) {
        self.type = type
        code = try f.string("code")
        candleDateTimeUTC = try f.string("candle_date_time_utc")
        openingPrice = try f.number("opening_price")
        highPrice = try f.number("high_price")
        lowPrice = try f.number("low_price")
        tradePrice = try f.number("trade_price")
        accTradeVolume = try f.number("candle_acc_trade_volume")
        accTradePrice = try f.number("candle_acc_trade_price")
        timestampMs = try f.time("timestamp")
        streamType = f.streamType()
    }
}

/// `myOrder` (private): an order's state change.
public struct UpbitMyOrder: Sendable, Hashable {
    public var code: String
    public var uuid: String
    public var askBid: String
    public var orderType: String
    /// `wait`, `watch`, `trade`, `done`, `cancel` or `prevented`.
    public var state: String
    public var tradeUUID: String?
    public var price, avgPrice, volume, remainingVolume, executedVolume: UpbitNumber?
    public var tradesCount: Int64?
    public var orderTimestampMs, tradeTimestampMs: Int64?
    public var timestampMs: Int64
    public var streamType: StreamType

    init(_ f: UpbitFields) throws(UpbitDecodeError) {
        code = try f.string("code")
        uuid = try f.string("uuid")
        askBid = try f.string("ask_bid")
        orderType = try f.string("order_type")
        state = try f.string("state")
        tradeUUID = f.optionalString("trade_uuid")
        price = f.optionalNumber("price")
        avgPrice = f.optionalNumber("avg_price")
        volume = f.optionalNumber("volume")
        remainingVolume = f.optionalNumber("remaining_volume")
        executedVolume = f.optionalNumber("executed_volume")
        tradesCount = f.optionalInt("trades_count")
        orderTimestampMs = f.optionalTime("order_timestamp")
        tradeTimestampMs = f.optionalTime("trade_timestamp")
        timestampMs = try f.time("timestamp")
        streamType = f.streamType()
    }
}

/// `myAsset` (private): balances after a change.
public struct UpbitMyAsset: Sendable, Hashable {
    /// One currency's balance.
    public struct Asset: Sendable, Hashable {
        public var currency: String
        public var balance, locked: UpbitNumber
    }
    public var assetUUID: String
    public var assets: [Asset]
    public var assetTimestampMs: Int64?
    public var timestampMs: Int64
    public var streamType: StreamType

    init(_ f: UpbitFields) throws(UpbitDecodeError) {
        assetUUID = try f.string("asset_uuid")
        assets = try f.items("assets").map { (a) throws(UpbitDecodeError) in
            Asset(currency: try a.string("currency"), balance: try a.number("balance"), locked: try a.number("locked"))
        }
        assetTimestampMs = f.optionalTime("asset_timestamp")
        timestampMs = try f.time("timestamp")
        streamType = f.streamType()
    }
}
