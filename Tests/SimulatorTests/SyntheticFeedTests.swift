import Primitives
import Simulator
import Testing
import TicktapeTestSupport
import Upbit

@Suite struct SyntheticFeedTests {
    static let allTypes = ["ticker", "trade", "orderbook", "candle.1s", "candle.5m", "myOrder", "myAsset"]

    func keys(_ bytes: [UInt8]) throws -> [String] { try #require(JSONValue.parse(bytes).objectValue).map(\.0) }

    /// A fixed-point decimal text as an integer count of 1e-8.
    func units(_ v: JSONValue?) -> Int64? {
        guard let text = v?.numberText else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        guard fraction.count <= 8, let whole = Int64(parts[0]),
            let f = Int64(fraction + String(repeating: "0", count: 8 - fraction.count))
        else { return nil }
        return whole * 100_000_000 + f
    }

    @Test func sameSeedGivesIdenticalBytesAndOtherSeedsDiffer() {
        func digest(seed: UInt64, format: UpbitFormat.Format) -> UInt64 {
            var feed = SyntheticFeed(
                seed: seed,
                markets: SyntheticFeed.markets(count: 20),
                types: Self.allTypes,
                format: format
            )
            var h = TapeHash64()
            for _ in 0..<3_000 { h.update(feed.next().bytes) }
            return h.finalize()
        }
        #expect(digest(seed: 1, format: .default) == digest(seed: 1, format: .default))
        #expect(digest(seed: 1, format: .default) != digest(seed: 2, format: .default))
        #expect(digest(seed: 1, format: .simple) != digest(seed: 1, format: .default))
    }

    @Test func marketsStartWithRealCodesThenSynthetic() {
        let m = SyntheticFeed.markets(count: 15)
        #expect(Array(m.prefix(3)) == ["KRW-BTC", "KRW-ETH", "KRW-XRP"])
        #expect(m[12] == "KRW-A00" && m[14] == "KRW-A02")
        #expect(Set(SyntheticFeed.markets(count: 200)).count == 200)
    }

    @Test(arguments: [UpbitFormat.Format.default, .simple])
    func messagesAreShapedLikeTheReferenceExamples(format: UpbitFormat.Format) throws {
        let examples: [String: String] = [
            "ticker": ReferenceExamples.tickerDefault, "trade": ReferenceExamples.tradeSnapshot,
            "orderbook": ReferenceExamples.orderbookDefault, "candle.1s": ReferenceExamples.candle,
            "candle.5m": ReferenceExamples.candle, "myOrder": ReferenceExamples.myOrder,
            "myAsset": ReferenceExamples.myAsset,
        ]
        var feed = SyntheticFeed(
            seed: 9,
            markets: SyntheticFeed.markets(count: 4),
            types: Self.allTypes,
            format: format
        )
        var seen = Set<String>()
        for _ in 0..<500 {
            let msg = feed.next()
            seen.insert(msg.type)
            let example = Array(try #require(examples[msg.type]).utf8)
            let expected = try #require(UpbitFormat.convert(example, to: format))
            #expect(try keys(msg.bytes) == keys(expected), "\(msg.type) keys in reference order")
            let facts = UpbitScanner.facts(of: msg.bytes)
            #expect(facts.type == msg.type && facts.code == msg.code && facts.eventTimeMs == msg.eventTimeMs)
            #expect(facts.streamType == .realtime && msg.streamType == .realtime && facts.idempotencyKey != nil)
            if msg.type == "orderbook" {
                let unitKeys = try #require(
                    JSONValue.parse(expected)[format == .simple ? "obu" : "orderbook_units"]?[0]
                )
                let unit = try JSONValue.parse(msg.bytes)[format == .simple ? "obu" : "orderbook_units"]?[0]
                #expect(unit?.objectValue?.map(\.0) == unitKeys.objectValue?.map(\.0))
            }
        }
        #expect(seen == Set(Self.allTypes))
    }

    @Test func tradesCarryTimestampBasedUniqueSequentialIDs() throws {
        var feed = SyntheticFeed(seed: 5, markets: SyntheticFeed.markets(count: 3), types: ["trade"])
        var seen = Set<String>()
        for _ in 0..<3_000 {
            let msg = feed.next()
            let v = try JSONValue.parse(msg.bytes)
            let sid = try #require(v["sequential_id"]?.uint64Value)
            let ttms = try #require(v["trade_timestamp"]?.int64Value)
            #expect(sid / 10_000 == UInt64(ttms))
            #expect(sid > 1 << 53)
            #expect(seen.insert("\(msg.code!) \(sid)").inserted)
            #expect(ttms <= msg.eventTimeMs)
            #expect(v["trade_price"]?.numberText?.split(separator: ".").last?.count == 8)
        }
    }

    @Test func orderbooksHaveTheRequestedDepthAndSummedTotals() throws {
        for depth in [1, 5, 15, 30] {
            var feed = SyntheticFeed(
                seed: 11,
                markets: SyntheticFeed.markets(count: 14),
                types: ["orderbook"],
                orderbookDepth: depth
            )
            for _ in 0..<50 {
                let v = try JSONValue.parse(feed.next().bytes)
                let units = try #require(v["orderbook_units"]?.arrayValue)
                #expect(units.count == depth)
                #expect(units.compactMap { self.units($0["ask_size"]) }.reduce(0, +) == self.units(v["total_ask_size"]))
                #expect(units.compactMap { self.units($0["bid_size"]) }.reduce(0, +) == self.units(v["total_bid_size"]))
                let asks = units.compactMap { self.units($0["ask_price"]) }
                let bids = units.compactMap { self.units($0["bid_price"]) }
                #expect(asks == asks.sorted() && Set(asks).count == depth && bids[0] < asks[0])
                #expect(v["level"] == .number("0"))
            }
        }
    }

    @Test func virtualTimeAdvancesAFewMillisecondsPerMessage() {
        var feed = SyntheticFeed(seed: 3, markets: ["KRW-BTC"], startMs: 1_000_000)
        var last = feed.nowMs
        #expect(last == 1_000_000)
        for _ in 0..<1_000 {
            let t = feed.next().eventTimeMs
            #expect((1...4).contains(t - last))
            last = t
        }
    }

    @Test func snapshotsRepeatTheLastEventWithTheSameKey() throws {
        var feed = SyntheticFeed(seed: 21, markets: SyntheticFeed.markets(count: 5), types: Self.allTypes)
        let before = try #require(feed.snapshot(type: "orderbook", code: "KRW-ETH"))
        #expect(UpbitScanner.facts(of: before).streamType == .snapshot)
        #expect(UpbitScanner.facts(of: before).eventTimeMs! < 1_730_336_862_000)
        for _ in 0..<2_000 {
            let msg = feed.next()
            let snap = try #require(feed.snapshot(type: msg.type, code: msg.code ?? "ignored"))
            let a = UpbitScanner.facts(of: msg.bytes)
            let b = UpbitScanner.facts(of: snap)
            #expect(b.streamType == .snapshot)
            #expect(a.idempotencyKey == b.idempotencyKey && a.eventTimeMs == b.eventTimeMs)
            if msg.type == "trade" { #expect(a.sequentialID == b.sequentialID) }
        }
        #expect(feed.snapshot(type: "trade", code: "KRW-NOPE") == nil)
        #expect(feed.snapshot(type: "candle.1m", code: "KRW-BTC") == nil)
    }

    @Test func defaultMixAveragesAboutOneKilobyte() {
        var feed = SyntheticFeed(seed: 8, markets: SyntheticFeed.markets(count: 100))
        var total = 0
        for _ in 0..<3_000 { total += feed.next().bytes.count }
        #expect((800...1_500).contains(total / 3_000))
    }

    @Test func unsupportedOptionsFallBackToDocumentedDefaults() {
        let feed = SyntheticFeed(seed: 1, markets: [], types: ["news"], orderbookDepth: 99)
        #expect(feed.markets == ["KRW-BTC"] && feed.types == ["ticker"] && feed.orderbookDepth == 30)
        #expect(SyntheticFeed.isSupported(type: "candle.240m") && !SyntheticFeed.isSupported(type: "candle.2m"))
    }

    @Test("with messagesPerSecond the event clock follows the rate; the messages are otherwise the same")
    func eventClockFollowsTheRate() {
        var sparse = SyntheticFeed(seed: 3, markets: SyntheticFeed.markets(count: 20))
        var dense = SyntheticFeed(seed: 3, markets: SyntheticFeed.markets(count: 20))
        dense.messagesPerSecond = 10_000
        var first: Int64?
        var last: Int64 = 0
        var previous = Int64.min
        for _ in 0..<20_000 {
            let a = sparse.next()
            let b = dense.next()
            #expect(a.type == b.type && a.code == b.code && a.streamType == b.streamType)
            first = first ?? b.eventTimeMs
            #expect(b.eventTimeMs >= previous, "the clock never goes back")
            previous = b.eventTimeMs
            last = b.eventTimeMs
        }
        // 20k messages at 10k msg/s span about two seconds of event time (the sparse clock: ~50 s).
        let span = last - (first ?? 0)
        #expect(span >= 1_990 && span <= 2_000, "span \(span) ms")
        #expect(sparse.nowMs - dense.nowMs > 30_000)
    }
}
