import Exchange
import Primitives
import Upbit

/// One message of a ``SyntheticFeed``.
public struct SyntheticMessage: Sendable, Equatable {
    /// Upbit type: `ticker`, `trade`, `orderbook`, `candle.*`, `myOrder` or `myAsset`.
    public var type: String
    /// Market code; nil for `myAsset`.
    public var code: String?
    /// The message's `timestamp` (virtual Unix ms).
    public var eventTimeMs: Int64
    /// Always `.realtime` from ``SyntheticFeed/next()``; snapshots come from ``SyntheticFeed/snapshot(type:code:)``.
    public var streamType: StreamType
    /// The payload, shaped exactly like Upbit's documented messages, in the feed's format.
    public var bytes: [UInt8]
}

/// A deterministic synthetic Upbit market feed (what `ticktape simulate` serves): the same seed
/// and options give the same bytes on every platform (own SplitMix64, fixed-point arithmetic, no
/// Foundation).
///
/// Each ``next()`` advances a virtual clock by 1–4 ms, picks a market and a type, moves that
/// market by a seeded random walk and writes a REALTIME payload with every DEFAULT field in the
/// reference's order (or the SIMPLE keys). ``snapshot(type:code:)`` repeats the last message of a
/// stream as SNAPSHOT, so its idempotency key equals that REALTIME message's, as a re-subscription
/// on Upbit would. Every stream starts with a state generated before `startMs`, so
/// a snapshot exists even before the stream's first REALTIME message.
public struct SyntheticFeed: Sendable {
    /// The market codes, in order.
    public let markets: [String]
    /// The supported types requested, in order.
    public let types: [String]
    /// Payload spelling.
    public let format: UpbitFormat.Format
    /// Units per orderbook message (1…30).
    public let orderbookDepth: Int
    /// The virtual time of the last message.
    public private(set) var nowMs: Int64
    /// When set, the event clock follows this many messages per second, as a busy real feed's
    /// timestamps follow the wall clock (10k msg/s puts ~600k messages in a 60 s dedup window),
    /// instead of 1–4 ms per message (~400 msg/s of event time). The messages are the same
    /// either way; only their timestamps differ.
    public var messagesPerSecond: Double?
    /// Where the rate-following clock started, and messages since then.
    private var clockOriginMs: Int64?
    private var messagesSinceOrigin: Int64 = 0

    var rng: SplitMix64
    var state: [SyntheticMarket]
    let kinds: [Kind]
    /// The last payload of each stream, indexed `typeIndex * markets.count + marketIndex`.
    var lastSent: [[UInt8]]
    var candles: [Candle]
    var orders: [Order]
    var balances: [Int64]

    enum Kind: Equatable {
        case ticker, trade, orderbook, myOrder, myAsset
        case candle(seconds: Int64)
    }

    /// Whether ``SyntheticFeed`` can generate `type`: ticker, trade, orderbook, myOrder, myAsset,
    /// and candle.1s, candle.1m/3m/5m/10m/15m/30m/60m/240m.
    public static func isSupported(type: String) -> Bool { kind(of: type) != nil }

    static func kind(of type: String) -> Kind? {
        switch type {
        case "ticker": return .ticker
        case "trade": return .trade
        case "orderbook": return .orderbook
        case "myOrder": return .myOrder
        case "myAsset": return .myAsset
        case "candle.1s": return .candle(seconds: 1)
        default:
            let minutes = ["candle.1m": 1, "candle.3m": 3, "candle.5m": 5, "candle.10m": 10, "candle.15m": 15]
                .merging(["candle.30m": 30, "candle.60m": 60, "candle.240m": 240]) { a, _ in a }
            return minutes[type].map { .candle(seconds: Int64($0) * 60) }
        }
    }

    /// A feed over `markets` (empty: `KRW-BTC`) and `types` (unsupported ones are ignored; none
    /// left: `ticker`), with `orderbookDepth` clamped to 1…30 (Upbit's maximum).
    public init(
        seed: UInt64,
        markets: [String],
        types: [String] = ["ticker", "trade", "orderbook"],
        format: UpbitFormat.Format = .default,
        orderbookDepth: Int = 30,
        startMs: Int64 = 1_730_336_862_000
    ) {
        let supported = types.filter { Self.isSupported(type: $0) }
        self.markets = markets.isEmpty ? ["KRW-BTC"] : markets
        self.types = supported.isEmpty ? ["ticker"] : supported
        self.format = format
        self.orderbookDepth = min(30, max(1, orderbookDepth))
        kinds = self.types.compactMap { Self.kind(of: $0) }
        rng = SplitMix64(seed: seed)
        var rng = rng
        state = self.markets.map { SyntheticMarket(code: $0, rng: &rng, startMs: startMs) }
        lastSent = Array(repeating: [], count: self.types.count * self.markets.count)
        candles = Array(repeating: Candle(), count: lastSent.count)
        orders = Array(repeating: Order(), count: self.markets.count)
        var balances: [Int64] = []
        balances.append(Int64(rng.int(in: 1_000_000...100_000_000)) * SyntheticMarket.unit)  // KRW
        for market in state { balances.append(market.lot * Int64(rng.int(in: 1...1_000))) }
        self.balances = balances
        self.rng = rng
        // Every stream gets a state before startMs, so snapshot() always has something to repeat.
        nowMs = startMs - 60_000
        for t in kinds.indices {
            for m in (kinds[t] == .myAsset ? 0..<1 : 0..<self.markets.count) {
                nowMs += 1
                _ = make(type: t, market: m)
            }
        }
        nowMs = max(nowMs, startMs)
    }

    /// `KRW-BTC`, `KRW-ETH`, `KRW-XRP`, … (12 real markets), then `KRW-A00`, `KRW-A01`, ….
    public static func markets(count: Int) -> [String] {
        (0..<max(0, count)).map { k in
            if k < SyntheticMarket.known.count { return SyntheticMarket.known[k].0 }
            let n = k - SyntheticMarket.known.count
            return n < 10 ? "KRW-A0\(n)" : "KRW-A\(n)"
        }
    }

    /// The next REALTIME message; the virtual clock advances 1–4 ms (or follows
    /// ``messagesPerSecond``).
    public mutating func next() -> SyntheticMessage {
        let step = 1 + Int64(rng.below(4))
        if let rate = messagesPerSecond, rate > 0 {
            let origin = clockOriginMs ?? nowMs
            clockOriginMs = origin
            messagesSinceOrigin += 1
            nowMs = max(nowMs, origin + Int64((Double(messagesSinceOrigin) * 1_000 / rate).rounded(.down)))
        } else {
            nowMs += step
        }
        let t = Int(rng.below(UInt64(kinds.count)))
        let m = kinds[t] == .myAsset ? 0 : Int(rng.below(UInt64(markets.count)))
        return make(type: t, market: m)
    }

    /// The current state of stream (`type`, `code`) as a SNAPSHOT message: the last payload sent
    /// for it with only the stream_type value changed (same event time, same idempotency key; for
    /// trades the last trade, same sequential_id). `code` is ignored for `myAsset`. Nil for a type
    /// or code this feed does not generate.
    public func snapshot(type: String, code: String) -> [UInt8]? {
        guard let t = types.firstIndex(of: type) else { return nil }
        let m = kinds[t] == .myAsset ? 0 : markets.firstIndex(of: code)
        guard let m else { return nil }
        var bytes = lastSent[t * markets.count + m]
        // Every payload ends with `"REALTIME"}`; SNAPSHOT has the same length.
        guard bytes.count >= 10 else { return nil }
        bytes.replaceSubrange(bytes.count - 10..<bytes.count - 2, with: "SNAPSHOT".utf8)
        return bytes
    }

    mutating func make(type t: Int, market m: Int) -> SyntheticMessage {
        var w = ByteWriter(capacity: kinds[t] == .orderbook ? 80 * orderbookDepth + 200 : 900)
        let simple = format == .simple
        let stream = t * markets.count + m
        switch kinds[t] {
        case .ticker:
            state[m].trade(rng: &rng, atMs: nowMs)
            writeTicker(state[m], simple: simple, into: &w)
        case .trade:
            state[m].trade(rng: &rng, atMs: nowMs)
            writeTrade(state[m], simple: simple, into: &w)
        case .orderbook:
            writeOrderbook(m, simple: simple, into: &w)
        case .candle(let seconds):
            state[m].trade(rng: &rng, atMs: nowMs)
            candles[stream].add(state[m], periodMs: seconds * 1000)
            writeCandle(stream: stream, type: types[t], market: m, simple: simple, into: &w)
        case .myOrder:
            writeMyOrder(m, simple: simple, into: &w)
        case .myAsset:
            writeMyAsset(simple: simple, into: &w)
        }
        let bytes = w.bytes
        lastSent[stream] = bytes
        let code = kinds[t] == .myAsset ? nil : markets[m]
        return SyntheticMessage(type: types[t], code: code, eventTimeMs: nowMs, streamType: .realtime, bytes: bytes)
    }
}
