import Primitives

/// The evolving state of one synthetic market. Amounts are fixed-point Int64 so output is exact and
/// identical on every platform: prices and volumes in 1e-8 units, accumulated KRW in 1e-4 units.
struct SyntheticMarket {
    static let unit: Int64 = 100_000_000

    let code: String
    let codeBytes: [UInt8]
    let base: [UInt8]
    /// Upbit's KRW tick size for the starting price, in 1e-8 units.
    let tick: Int64
    /// A typical order size (about 300,000 KRW worth), in 1e-8 units.
    let lot: Int64
    var priceTicks: Int64
    var prevClose: Int64
    var open: Int64
    var high: Int64
    var low: Int64
    var lastVolume: Int64 = 0
    var lastBid = true
    var accVolume: Int64
    var accPrice4: Int64
    var accAsk: Int64
    var accBid: Int64
    var acc24hVolume: Int64
    var acc24hPrice4: Int64
    let high52: Int64
    let low52: Int64
    let high52Ms: Int64
    let low52Ms: Int64
    var tradeMs: Int64 = 0
    var tradeCounter: UInt64 = 0
    var sequentialID: UInt64 = 0

    /// Known markets first (with realistic starting prices in KRW), then synthetic ones.
    static let known: [(String, Int64)] = [
        ("KRW-BTC", 100_473_000), ("KRW-ETH", 3_512_000), ("KRW-XRP", 751), ("KRW-SOL", 231_450),
        ("KRW-DOGE", 247), ("KRW-ADA", 502), ("KRW-TRX", 231), ("KRW-AVAX", 36_020), ("KRW-LINK", 16_030),
        ("KRW-DOT", 6_515), ("KRW-USDT", 1_438), ("KRW-BCH", 495_500),
    ]

    init(code: String, rng: inout SplitMix64, startMs: Int64) {
        self.code = code
        codeBytes = Array(code.utf8)
        base = Array(code.utf8.split(separator: UInt8(ascii: "-")).last ?? [])
        var krw = Self.known.first { $0.0 == code }?.1 ?? 0
        if krw <= 0 {
            let magnitude = [100, 1_000, 10_000, 100_000, 1_000_000][Int(rng.below(5))]
            krw = Int64(magnitude) * Int64(rng.int(in: 1...9))
        }
        let price = krw * Self.unit
        tick = Self.tickSize(price)
        lot = max(1, Int64((300_000.0 / Double(krw) * Double(Self.unit)).rounded()))
        priceTicks = price / tick
        prevClose = max(tick, priceTicks * tick + (Int64(rng.int(in: -20...20)) * tick))
        open = prevClose
        high = max(open, price) + tick * Int64(rng.int(in: 0...30))
        low = min(open, price) - tick * Int64(rng.int(in: 0...30))
        accVolume = lot * Int64(rng.int(in: 100...5_000))
        accPrice4 = Self.notional4(price, accVolume)
        accAsk = accVolume / 2 + Int64(rng.below(UInt64(max(1, accVolume / 10))))
        accBid = accVolume - accAsk
        acc24hVolume = accVolume * 3
        acc24hPrice4 = accPrice4 * 3
        high52 = price * Int64(rng.int(in: 120...200)) / 100 / tick * tick
        low52 = price * Int64(rng.int(in: 40...90)) / 100 / tick * tick
        high52Ms = startMs - Int64(rng.int(in: 5...300)) * 86_400_000
        low52Ms = startMs - Int64(rng.int(in: 5...360)) * 86_400_000
    }

    var price: Int64 { priceTicks * tick }

    /// Upbit KRW-market tick sizes by price band (1e-8 units).
    static func tickSize(_ price: Int64) -> Int64 {
        let krw = price / unit
        switch krw {
        case 2_000_000...: return 1_000 * unit
        case 1_000_000...: return 500 * unit
        case 500_000...: return 100 * unit
        case 100_000...: return 50 * unit
        case 10_000...: return 10 * unit
        case 1_000...: return unit
        case 100...: return unit / 10
        case 10...: return unit / 100
        default: return unit / 1_000
        }
    }

    /// price × volume in 1e-4 KRW units (both in 1e-8 units), without overflow.
    static func notional4(_ price: Int64, _ volume: Int64) -> Int64 {
        let product = price.magnitude.multipliedFullWidth(by: volume.magnitude)
        let (q, _) = UInt64(1_000_000_000_000).dividingFullWidth(product)
        return Int64(q)
    }

    /// `a × b / c` for non-negative values without intermediate overflow (0 when `c` is 0).
    static func mulDiv(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64 {
        guard c > 0 else { return 0 }
        let product = a.magnitude.multipliedFullWidth(by: b.magnitude)
        guard product.high < c.magnitude else { return Int64.max }
        return Int64(clamping: c.magnitude.dividingFullWidth(product).quotient)
    }

    /// One trade: a seeded random-walk step of a few ticks, a volume, a side, and the running totals.
    /// The trade time never goes backwards, so `sequential_id = trade_timestamp × 10000 + counter`
    /// is unique per market (the layout of Upbit's 2024 trade samples).
    mutating func trade(rng: inout SplitMix64, atMs: Int64) {
        let ms = max(tradeMs, atMs - Int64(rng.below(50)))
        if tradeMs > 0 && CivilTime.days(ms) != CivilTime.days(tradeMs) { startDay() }
        let step = Int64(rng.int(in: -2...2))
        priceTicks = max(1, priceTicks + (rng.chance(1, in: 3) ? step : 0))
        let p = price
        high = max(high, p)
        low = min(low, p)
        lastVolume = lot * Int64(rng.int(in: 1...2_000)) / 1_000 + Int64(rng.below(100))
        lastBid = rng.chance(1, in: 2)
        let n = Self.notional4(p, lastVolume)
        accVolume = Self.add(accVolume, lastVolume)
        acc24hVolume = Self.add(acc24hVolume, lastVolume)
        accPrice4 = Self.add(accPrice4, n)
        acc24hPrice4 = Self.add(acc24hPrice4, n)
        if lastBid { accBid = Self.add(accBid, lastVolume) } else { accAsk = Self.add(accAsk, lastVolume) }
        tradeCounter = ms == tradeMs ? tradeCounter + 1 : 0
        tradeMs = ms
        sequentialID = UInt64(ms) * 10_000 + tradeCounter
    }

    /// 00:00 UTC: Upbit's `acc_*` totals restart and the close becomes the previous close; the
    /// 24 h totals become the day's (a simplification of a rolling window).
    private mutating func startDay() {
        prevClose = price
        (open, high, low) = (price, price, price)
        (acc24hVolume, acc24hPrice4) = (accVolume, accPrice4)
        (accVolume, accPrice4, accAsk, accBid) = (0, 0, 0, 0)
    }

    /// Saturating addition: long runs never trap.
    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int64.max : sum
    }

    /// `RISE`, `EVEN` or `FALL` against the previous close.
    var change: StaticString { price > prevClose ? "RISE" : price < prevClose ? "FALL" : "EVEN" }

    /// Signed change rate in 1e-10 units, exact integer arithmetic.
    var signedChangeRate10: Int64 {
        let diff = price - prevClose
        let (q, _) = prevClose.magnitude.dividingFullWidth(diff.magnitude.multipliedFullWidth(by: 10_000_000_000))
        return diff < 0 ? -Int64(q) : Int64(q)
    }
}
