import Foundation
import NIOCore
import Primitives
import Simulator
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit

@testable import Wire

/// The pieces behind the REST endpoints: the query reader, the recent-trades rings, the state a
/// served tape and the simulator keep for them, and the route through the server.
@Suite struct QuotationPartsTests {
    @Test func aQueryIsPercentDecodedAndKeepsTheFirstOfARepeatedName() {
        let query = QuotationQuery(uri: "/v1/ticker?markets=KRW-BTC%2CKRW-ETH+,,KRW-BTC&count=5&count=6&bad=%zz&flag")
        #expect(query.list("markets") == ["KRW-BTC", "KRW-ETH"])
        #expect(query.value("count") == "5")
        #expect(query.value("bad") == "%zz")
        #expect(query.value("flag") == "")
        #expect(query.value("missing", "count") == "5")
        #expect(query.integer("count", in: 1...3) == .invalid(.invalidParameter))
        #expect(query.integer("count", in: 1...3, clamp: true) == .value(3))
        #expect(query.integer("markets", in: 1...3) == .invalid(.typeMismatch))
        #expect(query.integer("flag", in: 1...3) == .absent)
        #expect(QuotationQuery(uri: "/v1/market/all").values.isEmpty)
        #expect(QuotationQuery(uri: "/x?isDetails=FALSE").boolean("is_details", "isDetails") == .value(false))
    }

    @Test func timesOfDayReadInEitherSpellingAndNothingElse() {
        #expect(TradeFilter.secondOfDay("010203") == 3_723)
        #expect(TradeFilter.secondOfDay("01:02:03") == 3_723)
        #expect(TradeFilter.secondOfDay("23:59:59") == 86_399)
        for bad in ["24:00:00", "1:2:3", "0102", "01:02", "ab:cd:ef", "01-02-03", "0102030"] {
            #expect(TradeFilter.secondOfDay(bad) == nil, "\(bad)")
        }
    }

    @Test func aRingKeepsTheNewestTradesOnceEachNewestFirst() {
        var trades = RecentTrades(markets: 1)
        #expect(trades.capacity == 500)
        #expect(RecentTrades(markets: 1_000).capacity == 50)
        #expect(RecentTrades(markets: 1_000_000).capacity == 1)
        func message(_ sid: Int) -> ExchangeMessage {
            ExchangeMessage(
                type: "trade",
                code: "KRW-BTC",
                format: .default,
                payload: tradePayload("KRW-BTC", sid: sid)
            )
        }
        for sid in 1...600 { trades.append(message(sid), code: "KRW-BTC", sequentialID: UInt64(sid)) }
        trades.append(message(600), code: "KRW-BTC", sequentialID: 600)  // a snapshot repeating the last
        trades.append(message(50), code: "KRW-BTC", sequentialID: 50)  // forgotten, so new again
        let newest = trades.newestFirst(code: "KRW-BTC")
        #expect(newest.count == 500)
        #expect(newest.first == message(50))
        #expect(Array(newest.dropFirst().prefix(2)) == [message(600), message(599)])
        #expect(newest.last == message(102))
        #expect(trades.newestFirst(code: "KRW-ETH").isEmpty)
    }

    @Test func aServedTapeKeepsTheNewestConnectionsTradesAndListsEveryCodeBeforeItStarts() async throws {
        var script = ServeTapeScript()
        script.connect(at: 0)
        script.frame(tradePayload("KRW-BTC", sid: 1), at: 1)
        script.frame(tickerPayload("KRW-ETH", price: 7), at: 2)
        script.connect(at: 10)
        script.frame(tradePayload("KRW-BTC", sid: 1, stream: "SNAPSHOT"), at: 11)  // the reconnect's repeat
        script.frame(tradePayload("KRW-BTC", sid: 2), at: 12)
        script.frame(tradePayload("KRW-BTC", sid: 3), at: 13, epoch: 1)  // stale tail: not state
        var state = TapeReplayState(events: [], replayDisconnects: false, markets: 2)
        for entry in script.entries { _ = state.apply(entry) }
        #expect(state.recentTrades(code: "KRW-BTC").map(\.payload) == [2, 1].map { tradePayload("KRW-BTC", sid: $0) })

        var options = TapeMarketOptions()
        options.startOnFirstSubscription = true
        let market = try TapeMarket(path: try script.write(), options: options)
        defer { market.stop() }
        #expect(await market.listedMarkets() == ["KRW-BTC", "KRW-ETH"])
        // Before the replay starts: the state the session opened with, the first of each stream.
        #expect(await market.latest(type: "ticker", code: "KRW-ETH")?.payload == tickerPayload("KRW-ETH", price: 7))
        #expect(await market.latest(type: "orderbook", code: "KRW-ETH") == nil, "the tape has none")
        #expect(await market.recentTrades(code: "KRW-BTC").isEmpty)
    }

    @Test func theSimulatorListsItsMarketsAndAnswersWithoutTouchingItsSnapshots() async throws {
        var options = SimulatedMarket.Options()
        options.symbols = 3
        options.seed = 4
        let market = SimulatedMarket(options: options)
        #expect(await market.listedMarkets() == ["KRW-BTC", "KRW-ETH", "KRW-XRP"])
        #expect(await market.recentTrades(code: "KRW-BTC").count == 1, "the state before the feed starts")
        market.produce(count: 300)
        let trades = await market.recentTrades(code: "KRW-BTC")
        #expect(trades.count > 5)
        let times = trades.compactMap { UpbitScanner.facts(of: $0.payload).eventTimeMs }
        #expect(times == times.sorted(by: >), "newest first")
        let latest = await market.latest(type: "ticker", code: "KRW-ETH")
        #expect(latest?.payload == (await market.snapshot(type: "ticker", code: "KRW-ETH"))?.payload)
        #expect(await market.latest(type: "ticker", code: "KRW-NOPE") == nil)
    }

    @Test func theServerRoutesPlainRequestsToItsResponderWithItsHeaders() async throws {
        var configuration = WebSocketServerConfiguration()
        let source = FakeQuotations(markets: ["KRW-BTC"], messages: [ReferenceExamples.tickerDefault])
        configuration.httpResponder = quotationResponder(source)
        let status: @Sendable () async -> HTTPReply = { HTTPReply(status: .ok, body: "up") }
        let drain = ClosureHandler { _, inbound, _ in for try await _ in inbound {} }
        try await withServer(configuration, status: status, handler: drain) { port in
            let ticker = try await rawHTTP(port: port, "GET /v1/ticker?markets=KRW-BTC HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(ticker.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(ticker.contains("\r\nRemaining-Req: group=ticker; min=600; sec=9\r\n"))
            #expect(ticker.contains("\r\nContent-Type: application/json; charset=utf-8\r\n"))
            #expect(ticker.contains(#"\#r\#n\#r\#n[{"market":"KRW-BTC","#))
            let statusReply = try await rawHTTP(port: port, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(statusReply.hasSuffix("\r\n\r\nup"), "/status still comes first")
            let plain = try await rawHTTP(port: port, "GET /websocket/v1 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(plain.hasPrefix("HTTP/1.1 426 "))
            let missing = try await rawHTTP(port: port, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(missing.hasPrefix("HTTP/1.1 404 ") && missing.hasSuffix("not found"))
        }
    }
}
