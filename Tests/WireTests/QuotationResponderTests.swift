import Foundation
import NIOHTTP1
import Primitives
import Testing
import TicktapeTestSupport
import Upbit

@testable import Wire

/// The REST quotation endpoints, answered in-process from fixed market state on a clock the
/// test moves: shapes, parameters, errors and limits.
@Suite struct QuotationResponderTests {
    /// Field names of Upbit's documented REST answers, in order (its REST API reference:
    /// list-tickers, list-orderbooks and recent-trades-history examples).
    static let restTickerKeys = [
        "market", "trade_date", "trade_time", "trade_date_kst", "trade_time_kst", "trade_timestamp", "opening_price",
        "high_price", "low_price", "trade_price", "prev_closing_price", "change", "change_price", "change_rate",
        "signed_change_price", "signed_change_rate", "trade_volume", "acc_trade_price", "acc_trade_price_24h",
        "acc_trade_volume", "acc_trade_volume_24h", "highest_52_week_price", "highest_52_week_date",
        "lowest_52_week_price", "lowest_52_week_date", "timestamp",
    ]
    static let restOrderbookKeys = [
        "market", "timestamp", "total_ask_size", "total_bid_size", "orderbook_units", "level",
    ]
    static let restTradeKeys = [
        "market", "trade_date_utc", "trade_time_utc", "timestamp", "trade_price", "trade_volume", "prev_closing_price",
        "change_price", "ask_bid", "sequential_id",
    ]

    static func market() -> FakeQuotations {
        FakeQuotations(
            markets: ["KRW-BTC", "KRW-ETH", "BTC-ETH"],
            messages: [
                ReferenceExamples.tickerDefault, ReferenceExamples.tickerSnapshotBTC,
                ReferenceExamples.orderbookDefault, ReferenceExamples.orderbookSnapshotBTC,
            ],
            trades: [ReferenceExamples.tradeSnapshot, ReferenceExamples.tradeSimple]
        )
    }

    @Test func marketAllListsEveryMarketAndAddsMarketEventsWithEitherSpellingOfDetails() async throws {
        let responder = quotationResponder(Self.market())
        let plain = try #require(await responder.get("/v1/market/all"))
        #expect(plain.status == .ok && plain.contentType.hasPrefix("application/json"))
        #expect(plain.remainingReq == "group=market; min=600; sec=9")
        #expect(plain.objects.map { $0["market"] as? String } == ["KRW-BTC", "KRW-ETH", "BTC-ETH"])
        #expect(plain.keyOrders.allSatisfy { $0 == ["market", "korean_name", "english_name"] })
        #expect(plain.objects.first?["korean_name"] as? String == "비트코인")
        #expect(plain.objects.last?["english_name"] as? String == "Ethereum", "named after the base currency")
        for query in ["isDetails=true", "is_details=true", "isDetails=True"] {
            let details = try #require(await responder.get("/v1/market/all?\(query)"))
            let event = try #require(details.objects.first?["market_event"] as? [String: Any], "\(query)")
            #expect(event["warning"] as? Bool == false)
            #expect((event["caution"] as? [String: Bool])?.count == 5)
        }
        let off = try #require(await responder.get("/v1/market/all?isDetails=false"))
        #expect(off.objects.allSatisfy { $0["market_event"] == nil })
        let bad = try #require(await responder.get("/v1/market/all?isDetails=yes"))
        #expect(bad.status == .badRequest)
        #expect(bad.body == #"{"error":{"name":400,"message":"Type mismatch error. Check the parameters type!"}}"#)
    }

    @Test func aTickerHasUpbitsRestFieldsWithTheWebSocketNumbersVerbatimAndKstTimes() async throws {
        let responder = quotationResponder(Self.market())
        let reply = try #require(await responder.get("/v1/ticker?markets=KRW-BTC"))
        #expect(reply.status == .ok)
        #expect(reply.remainingReq == "group=ticker; min=600; sec=9")
        #expect(reply.keyOrders == [Self.restTickerKeys])
        // Exact number text from the WebSocket message; 07:41:02 UTC is 16:41:02 KST.
        #expect(reply.body.contains(#""prev_closing_price":31883000.00000000,"#))
        #expect(reply.body.contains(#""trade_date_kst":"20230221","trade_time_kst":"164102","#))
        #expect(reply.body.hasPrefix(#"[{"market":"KRW-BTC","trade_date":"20230221","trade_time":"074102","#))
        #expect(!reply.body.contains("ask_bid") && !reply.body.contains("stream_type"))
        #expect(!reply.body.contains("market_state") && !reply.body.contains("acc_ask_volume"))
    }

    @Test func kstTimesReadTradeTimesInAnyUnitAndNumberStyle() async throws {
        // 2023-08-08T21:40:05.062Z, as milliseconds, microseconds and an exponent-form number.
        for time in ["1691530805062", "1691530805062000", "1.691530805062E12"] {
            let ticker = #"{"type":"ticker","code":"KRW-ETC","trade_timestamp":\#(time),"timestamp":1}"#
            let responder = quotationResponder(FakeQuotations(markets: ["KRW-ETC"], messages: [ticker]))
            let reply = try #require(await responder.get("/v1/ticker?markets=KRW-ETC"))
            #expect(reply.body.contains(#""trade_date_kst":"20230809","trade_time_kst":"064005","#), "\(time)")
            #expect(reply.body.contains(#""trade_timestamp":\#(time),"#), "copied as sent")
        }
    }

    @Test func aSimpleTickerGivesTheSameAnswerAsItsDefaultSpelling() async throws {
        let simple = FakeQuotations(markets: ["KRW-BTC"], messages: [ReferenceExamples.tickerSimpleOld])
        let converted = String(
            decoding: UpbitFormatTestHelper.defaultKeys(ReferenceExamples.tickerSimpleOld),
            as: UTF8.self
        )
        let plain = FakeQuotations(markets: ["KRW-BTC"], messages: [converted])
        let a = try #require(await quotationResponder(simple).get("/v1/ticker?markets=KRW-BTC"))
        let b = try #require(await quotationResponder(plain).get("/v1/ticker?markets=KRW-BTC"))
        #expect(a.body == b.body)
        #expect(a.keyOrders == [Self.restTickerKeys])
    }

    @Test func tickerMarketsAreRequiredListedAndReadFromAnEncodedList() async throws {
        let responder = quotationResponder(Self.market())
        for uri in ["/v1/ticker", "/v1/ticker?markets=", "/v1/ticker?markets=,"] {
            let reply = try #require(await responder.get(uri))
            #expect(reply.status == .badRequest, "\(uri)")
            #expect(
                reply.body
                    == #"{"error":{"name":400,"message":"Missing request parameter error. Check the required parameters!"}}"#
            )
        }
        let unknown = try #require(await responder.get("/v1/ticker?markets=KRW-BTC,KRW-NOPE"))
        #expect(unknown.status == .notFound)
        #expect(unknown.body == #"{"error":{"name":404,"message":"Code not found"}}"#)
        #expect((unknown.json as? [String: [String: Any]])?["error"]?["name"] as? Int == 404, "a number, not a string")
        #expect(unknown.remainingReq == "group=ticker; min=600; sec=6")
        // Python's requests writes the comma as %2C; KRW-ETH has no ticker yet: left out.
        let encoded = try #require(await responder.get("/v1/ticker?markets=BTC-ETH%2CKRW-ETH%2C+KRW-BTC"))
        #expect(encoded.status == .ok)
        #expect(encoded.objects.map { $0["market"] as? String } == ["BTC-ETH", "KRW-BTC"])
        let all = try #require(await responder.get("/v1/ticker/all?quote_currencies=BTC"))
        #expect(all.objects.map { $0["market"] as? String } == ["BTC-ETH"])
        #expect(all.remainingReq?.hasPrefix("group=ticker;") == true)
    }

    @Test func anOrderbookCountCutsTheUnitsAndRecomputesTheTotals() async throws {
        let responder = quotationResponder(Self.market())
        let full = try #require(await responder.get("/v1/orderbook?markets=KRW-BTC,BTC-ETH"))
        #expect(full.status == .ok)
        #expect(full.remainingReq == "group=orderbook; min=600; sec=9")
        #expect(full.keyOrders == [Self.restOrderbookKeys, Self.restOrderbookKeys])
        let units = full.objects.first?["orderbook_units"] as? [[String: Any]] ?? []
        #expect(units.count == 5)
        #expect(full.body.contains(#""total_ask_size":1.63518927,"total_bid_size":2.90447871,"#))
        #expect(full.body.contains(#"{"ask_price":100473000,"bid_price":100465000,"ask_size":0.43139478,"#))

        let two = try #require(await responder.get("/v1/orderbook?markets=KRW-BTC&count=2"))
        #expect((two.objects.first?["orderbook_units"] as? [Any])?.count == 2)
        // 0.43139478 + 0.1 and 0.01990656 + 0.45, exactly.
        #expect(two.body.contains(#""total_ask_size":0.53139478,"total_bid_size":0.46990656,"#))
        let many = try #require(await responder.get("/v1/orderbook?markets=KRW-BTC&count=100"))
        #expect((many.objects.first?["orderbook_units"] as? [Any])?.count == 5, "clamped to 30; 5 held")
        for (uri, message) in [
            ("/v1/orderbook?markets=KRW-BTC&count=0", "Invalid parameter. Check the given value!"),
            ("/v1/orderbook?markets=KRW-BTC&count=two", "Type mismatch error. Check the parameters type!"),
            ("/v1/orderbook?markets=KRW-BTC&level=coarse", "Type mismatch error. Check the parameters type!"),
        ] {
            let reply = try #require(await responder.get(uri))
            #expect(reply.status == .badRequest && reply.body.contains(message), "\(uri): \(reply.body)")
        }
    }

    @Test func anOrderbookLevelOtherThanTheBooksGivesNoEntryAndAnOldBookHasLevelZero() async throws {
        let market = FakeQuotations(
            markets: ["KRW-BTC"],
            messages: [ReferenceExamples.orderbookSimpleOld]
        )
        let responder = quotationResponder(market)
        let plain = try #require(await responder.get("/v1/orderbook?markets=KRW-BTC"))
        #expect(plain.body.hasSuffix(#""level":0}]"#))
        #expect(plain.body.contains(#"{"ask_price":6727000.0,"bid_price":6721000.0,"ask_size":0.4744314,"#))
        for level in ["0", "0.0"] {
            let same = try #require(await responder.get("/v1/orderbook?markets=KRW-BTC&level=\(level)"))
            #expect(same.objects.count == 1, "level \(level)")
        }
        let grouped = try #require(await responder.get("/v1/orderbook?markets=KRW-BTC&level=10000"))
        #expect(grouped.status == .ok && grouped.body == "[]")
    }

    @Test func tradesComeNewestFirstOneByDefaultWithTheSignedChange() async throws {
        let responder = quotationResponder(Self.market())
        let one = try #require(await responder.get("/v1/trades/ticks?market=KRW-BTC"))
        #expect(one.status == .ok)
        #expect(one.remainingReq == "group=trade; min=600; sec=9")
        #expect(one.keyOrders == [Self.restTradeKeys])
        // The newest is the SIMPLE one: re-spelled, its trade time as `timestamp`, change FALL → negative.
        #expect(
            one.body
                == #"[{"market":"KRW-BTC","trade_date_utc":"2024-10-31","trade_time_utc":"01:07:43","#
                + #""timestamp":1730336863490,"trade_price":100465000.0,"trade_volume":0.0031,"#
                + #""prev_closing_price":100571000.0,"change_price":-106000.0,"ask_bid":"ASK","#
                + #""sequential_id":17303368634900001}]"#
        )
        let both = try #require(await responder.get("/v1/trades/ticks?market=KRW-BTC&count=500"))
        #expect(both.objects.map { $0["sequential_id"] as? Int } == [17_303_368_634_900_001, 17_303_368_620_470_000])
        let clamped = try #require(await responder.get("/v1/trades/ticks?market=KRW-BTC&count=100000"))
        #expect(clamped.objects.count == 2)
        let empty = try #require(await responder.get("/v1/trades/ticks?market=KRW-ETH&count=5"))
        #expect(empty.status == .ok && empty.body == "[]")
    }

    @Test func tradeCursorToAndDaysAgoSelectOlderTrades() async throws {
        // Five trades of one day, 1 s apart, and one the day before; times are UTC.
        let day = Int64(1_730_332_800_000)  // 2024-10-31T00:00:00Z
        func trade(_ ms: Int64, sid: Int) -> String {
            #"{"type":"trade","code":"KRW-BTC","timestamp":\#(ms),"trade_date":"x","trade_time":"y","#
                + #""trade_timestamp":\#(ms),"trade_price":1,"trade_volume":1,"ask_bid":"BID","#
                + #""prev_closing_price":1,"change":"EVEN","change_price":0,"sequential_id":\#(sid),"#
                + #""stream_type":"REALTIME"}"#
        }
        let times = [day - 3_600_000] + (1...5).map { day + 3_600_000 + Int64($0) * 1_000 }
        let market = FakeQuotations(
            markets: ["KRW-BTC"],
            trades: times.enumerated().map { trade($1, sid: 100 + $0) }
        )
        let clock = ManualWireClock()
        let responder = quotationResponder(market, clock: clock)
        func sids(_ uri: String) async throws -> [Int] {
            clock.advance(by: 1_000_000_000)  // more requests than one second allows
            let reply = try #require(await responder.get(uri))
            #expect(reply.status == .ok, "\(uri): \(reply.body)")
            return reply.objects.compactMap { $0["sequential_id"] as? Int }
        }
        #expect(try await sids("/v1/trades/ticks?market=KRW-BTC&count=10") == [105, 104, 103, 102, 101])
        #expect(try await sids("/v1/trades/ticks?market=KRW-BTC&count=2&cursor=104") == [103, 102])
        #expect(try await sids("/v1/trades/ticks?market=KRW-BTC&count=10&cursor=99") == [])
        #expect(try await sids("/v1/trades/ticks?market=KRW-BTC&count=10&to=010003") == [102, 101])
        #expect(try await sids("/v1/trades/ticks?market=KRW-BTC&count=10&to=01:00:04") == [103, 102, 101])
        #expect(try await sids("/v1/trades/ticks?market=KRW-BTC&count=10&days_ago=1") == [100])
        #expect(try await sids("/v1/trades/ticks?market=KRW-BTC&count=10&daysAgo=1") == [100])
        #expect(try await sids("/v1/trades/ticks?market=KRW-BTC&count=10&days_ago=2") == [])
        for (uri, status) in [
            ("/v1/trades/ticks", HTTPResponseStatus.badRequest),
            ("/v1/trades/ticks?market=KRW-BTC&days_ago=8", .badRequest),
            ("/v1/trades/ticks?market=KRW-BTC&count=0", .badRequest),
            ("/v1/trades/ticks?market=KRW-BTC&to=25:00:00", .badRequest),
            ("/v1/trades/ticks?market=KRW-BTC&cursor=abc", .badRequest),
            ("/v1/trades/ticks?market=KRW-NOPE", .notFound),
        ] {
            clock.advance(by: 1_000_000_000)
            let reply = try #require(await responder.get(uri))
            #expect(reply.status == status, "\(uri): \(reply.body)")
            #expect(reply.remainingReq?.hasPrefix("group=trade;") == true)
        }
    }

    @Test func eachGroupAllowsTenRequestsPerSecondPerClientThen429() async throws {
        let clock = ManualWireClock()
        let responder = quotationResponder(Self.market(), clock: clock)
        var left: [String] = []
        for _ in 0..<10 {
            let reply = try #require(await responder.get("/v1/ticker?markets=KRW-BTC"))
            #expect(reply.status == .ok)
            left.append(reply.remainingReq ?? "")
        }
        #expect(left == (0..<10).map { "group=ticker; min=600; sec=\(9 - $0)" })
        let over = try #require(await responder.get("/v1/ticker?markets=KRW-BTC"))
        #expect(over.status == .tooManyRequests)
        #expect(over.body == #"{"error":{"name":429,"message":"Too many API requests."}}"#)
        #expect(over.contentType.hasPrefix("application/json"))
        #expect(over.remainingReq == "group=ticker; min=600; sec=0")
        // /v1/ticker/all shares the group; errors count too.
        #expect(await responder.get("/v1/ticker/all")?.status == .tooManyRequests)
        // Another group and another client have their own budgets.
        #expect(await responder.get("/v1/orderbook?markets=KRW-BTC")?.remainingReq?.hasSuffix("sec=9") == true)
        #expect(await responder.get("/v1/ticker?markets=KRW-BTC", from: "127.0.0.2")?.status == .ok)
        // A tenth of a second gives one request back; a second, the whole budget.
        clock.advance(by: 100_000_000)
        #expect(await responder.get("/v1/ticker?markets=KRW-BTC")?.remainingReq?.hasSuffix("sec=0") == true)
        #expect(await responder.get("/v1/ticker?markets=KRW-BTC")?.status == .tooManyRequests)
        clock.advance(by: 1_000_000_000)
        #expect(await responder.get("/v1/ticker?markets=KRW-BTC")?.remainingReq?.hasSuffix("sec=9") == true)
    }

    @Test func theOverLimitBodyIsAnOption() async throws {
        var options = QuotationResponder.Options()
        options.perSecond = 1
        options.clock = ManualWireClock().wireClock
        options.tooManyRequestsBody = "Too many API requests."
        let responder = QuotationResponder(source: Self.market(), options: options)
        #expect(await responder.get("/v1/market/all")?.remainingReq == "group=market; min=60; sec=0")
        let over = try #require(await responder.get("/v1/market/all"))
        #expect(over.status == .tooManyRequests && over.body == "Too many API requests.")
    }

    @Test func otherV1PathsGetAJson404AndOtherRequestsAreNotTheResponders() async throws {
        let responder = quotationResponder(Self.market())
        let candles = try #require(await responder.get("/v1/candles/minutes/1?market=KRW-BTC"))
        #expect(candles.status == .notFound && candles.remainingReq == nil)
        #expect(candles.body == #"{"error":{"name":404,"message":"ticktape does not answer /v1/candles/minutes/1"}}"#)
        #expect(await responder.get("/v1/market/all/")?.status == .ok, "a trailing slash is the same path")
        #expect(await responder.get("/status") == nil)
        #expect(await responder.get("/websocket/v1") == nil)
        let post = PlainHTTPRequest(method: .POST, uri: "/v1/ticker?markets=KRW-BTC")
        #expect(await responder.reply(to: post) == nil)
    }
}

/// DEFAULT keys of a SIMPLE payload, for comparing the two spellings.
enum UpbitFormatTestHelper {
    static func defaultKeys(_ text: String) -> [UInt8] {
        UpbitFormat.convert(Array(text.utf8), to: .default) ?? []
    }
}
