import Foundation
import NIOCore
import Testing
import TicktapeTestSupport
import Wire

/// What `curl` sees of the REST quotation endpoints of the built `ticktape simulate` and
/// `ticktape serve`: plain HTTP GETs over loopback, Upbit-shaped JSON, `Remaining-Req` on every
/// answer, and HTTP 429 past 10 requests per second.
@Suite(.timeLimit(.minutes(3))) struct QuotationCurlTests {
    static let tickerFields: Set<String> = [
        "market", "trade_date", "trade_time", "trade_date_kst", "trade_time_kst", "trade_timestamp", "opening_price",
        "high_price", "low_price", "trade_price", "prev_closing_price", "change", "change_price", "change_rate",
        "signed_change_price", "signed_change_rate", "trade_volume", "acc_trade_price", "acc_trade_price_24h",
        "acc_trade_volume", "acc_trade_volume_24h", "highest_52_week_price", "highest_52_week_date",
        "lowest_52_week_price", "lowest_52_week_date", "timestamp",
    ]
    static let tradeFields: Set<String> = [
        "market", "trade_date_utc", "trade_time_utc", "timestamp", "trade_price", "trade_volume", "prev_closing_price",
        "change_price", "ask_bid", "sequential_id",
    ]

    @Test func simulateAnswersEachEndpointWithUpbitShapedJsonAndRemainingReq() async throws {
        let simulator = try await SimulatorProcess(["--symbols", "3", "--rate", "300", "--seed", "2"])
        let port = port(of: simulator.url)
        // Some trades first (`/status` is not rate-limited).
        let produced = await waitUntil(seconds: 30) { () async -> Bool in
            let status = try? HTTPResponse(port: port, path: "/status").object
            return (status?["messages_produced"] as? Int ?? 0) >= 300
        }
        #expect(produced)

        let markets = try HTTPResponse(port: port, path: "/v1/market/all?isDetails=false")
        #expect(markets.status == 200)
        #expect(markets.headers["content-type"] == "application/json; charset=utf-8")
        #expect(markets.remainingReq?.group == "market" && markets.remainingReq?.min == 600)
        #expect(markets.objects.map { $0["market"] as? String } == ["KRW-BTC", "KRW-ETH", "KRW-XRP"])
        #expect(markets.objects.allSatisfy { Set($0.keys) == ["market", "korean_name", "english_name"] })

        let ticker = try HTTPResponse(port: port, path: "/v1/ticker?markets=KRW-BTC,KRW-XRP")
        #expect(ticker.status == 200 && ticker.remainingReq?.group == "ticker")
        #expect(ticker.objects.count == 2)
        #expect(ticker.objects.allSatisfy { Set($0.keys) == Self.tickerFields })
        #expect(ticker.objects.allSatisfy { $0["trade_price"] is NSNumber && $0["change"] is String })

        let book = try HTTPResponse(port: port, path: "/v1/orderbook?markets=KRW-ETH&count=5")
        #expect(book.status == 200 && book.remainingReq?.group == "orderbook")
        let units = book.objects.first?["orderbook_units"] as? [[String: Any]] ?? []
        #expect(units.count == 5)
        #expect(units.allSatisfy { Set($0.keys) == ["ask_price", "bid_price", "ask_size", "bid_size"] })
        let bid = (units.first?["bid_price"] as? NSNumber)?.doubleValue ?? 0
        let ask = (units.first?["ask_price"] as? NSNumber)?.doubleValue ?? 0
        #expect(bid > 0 && bid < ask, "a book that is not crossed")

        let trades = try HTTPResponse(port: port, path: "/v1/trades/ticks?market=KRW-BTC&count=3&days_ago=")
        #expect(trades.status == 200 && trades.remainingReq?.group == "trade")
        #expect(trades.objects.count == 3)
        #expect(trades.objects.allSatisfy { Set($0.keys) == Self.tradeFields })
        let times = trades.objects.compactMap { ($0["timestamp"] as? NSNumber)?.int64Value }
        #expect(times == times.sorted(by: >), "newest first")
        let cursor = trades.objects.last?["sequential_id"] as? NSNumber
        let older = try HTTPResponse(port: port, path: "/v1/trades/ticks?market=KRW-BTC&count=2&cursor=\(cursor ?? 0)")
        #expect(older.status == 200 && older.objects.count == 2)

        let missing = try HTTPResponse(port: port, path: "/v1/ticker")
        #expect(missing.status == 400 && missing.remainingReq?.group == "ticker")
        #expect((missing.object["error"] as? [String: Any])?["name"] as? Int == 400)
        let unknown = try HTTPResponse(port: port, path: "/v1/orderbook?markets=KRW-NOPE")
        #expect(unknown.status == 404)
        #expect(unknown.body == #"{"error":{"name":404,"message":"Code not found"}}"#)

        #expect(await simulator.stop(signal: SIGINT).0 == 0)
    }

    @Test func overTenRequestsASecondInOneGroupGet429AndOtherGroupsStillAnswer() async throws {
        let simulator = try await SimulatorProcess(["--symbols", "2", "--rate", "100"])
        let port = port(of: simulator.url)
        // 100 at once, far faster than 10 per second: they wait in the listen queue together even
        // when the machine is busy, so the budget of 10 runs out within the burst, refilled by at
        // most one request per 100 ms that the burst takes.
        // A simulator starved by a loaded machine may take the burst so slowly that the refills
        // cover it (the bound below still holds): then a second burst, after the budget is back.
        var answers: [HTTPResponse] = []
        var elapsed = Duration.zero
        for attempt in 1...3 {
            if attempt > 1 { try await Task.sleep(for: .seconds(1.1)) }
            let started = ContinuousClock.now
            answers = try await loopbackGetsOffPool(port: port, path: "/v1/trades/ticks?market=KRW-BTC", count: 100)
                .map(
                    HTTPResponse.init(raw:)
                )
            elapsed = ContinuousClock.now - started
            if answers.contains(where: { $0.status == 429 }) { break }
            let refills = Int(elapsed / .milliseconds(100)) + 1
            #expect(answers.count <= 10 + refills, "all \(answers.count) granted in \(elapsed): over the budget")
        }
        let refused = answers.filter { $0.status == 429 }
        let granted = answers.filter { $0.status == 200 }
        #expect(refused.count + granted.count == 100, "\(answers.map(\.status))")
        let over = try #require(refused.first, "no 429 among 100 requests in \(elapsed)")
        #expect(over.headers["content-type"] == "application/json; charset=utf-8")
        #expect(over.body == #"{"error":{"name":429,"message":"Too many API requests."}}"#)
        #expect(over.remainingReq.map { "\($0.group) \($0.min) \($0.sec)" } == "trade 600 0")
        #expect(granted.contains { $0.remainingReq?.sec == 9 }, "the first one granted leaves 9")
        let refills = Int(elapsed / .milliseconds(100)) + 1
        #expect(granted.count >= 10 && granted.count <= 10 + refills, "\(granted.count) in \(elapsed)")
        let other = try HTTPResponse(port: port, path: "/v1/market/all")
        #expect(other.status == 200 && other.remainingReq?.sec == 9, "the market group has its own budget")
        #expect(await simulator.stop(signal: SIGINT).0 == 0)
    }

    @Test func serveListsTheTapesMarketsAtOnceAndAnswersFromTheReplayPosition() async throws {
        let tape = fixturesDirectory + "/dup-reorder.tape"
        let server = try await ServedTape(tape: tape, ["--speed", "20"])
        defer { server.kill() }
        let markets = try HTTPResponse(port: server.port, path: "/v1/market/all?is_details=true")
        #expect(markets.status == 200 && markets.remainingReq?.group == "market")
        #expect(
            Set(markets.objects.compactMap { $0["market"] as? String }) == ["KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL"]
        )
        #expect(markets.objects.allSatisfy { $0["market_event"] is [String: Any] })
        // Nothing replayed yet (the clock starts with the first subscription): ticker and
        // orderbook are the state the recorded session opened with, trades are none yet.
        let before = try HTTPResponse(port: server.port, path: "/v1/ticker?markets=KRW-BTC")
        #expect(before.status == 200 && before.objects.count == 1)
        #expect(before.objects.allSatisfy { Set($0.keys) == Self.tickerFields })
        let openedAt = (before.objects.first?["timestamp"] as? NSNumber)?.int64Value ?? 0
        let book = try HTTPResponse(port: server.port, path: "/v1/orderbook?markets=KRW-BTC,KRW-ETH")
        #expect(book.status == 200 && book.objects.count == 2)
        let noTrades = try HTTPResponse(port: server.port, path: "/v1/trades/ticks?market=KRW-BTC")
        #expect(noTrades.status == 200 && noTrades.body == "[]")

        // A client subscribes; the replay runs; REST follows it.
        let connection = try await WebSocketClient.connect(url: try WebSocketURL(server.url))
        try await connection.executeThenClose { inbound, writer in
            try await writer.send(text: #"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]"#)
            var received = 0
            for try await _ in inbound {
                received += 1
                if received == 20 { break }
            }
        }
        let ticker = try HTTPResponse(port: server.port, path: "/v1/ticker?markets=KRW-BTC")
        #expect(ticker.status == 200 && ticker.objects.count == 1)
        #expect(ticker.objects.allSatisfy { Set($0.keys) == Self.tickerFields })
        #expect((ticker.objects.first?["timestamp"] as? NSNumber)?.int64Value ?? 0 >= openedAt)
        let trades = try HTTPResponse(port: server.port, path: "/v1/trades/ticks?market=KRW-BTC&count=500")
        #expect(trades.status == 200 && trades.objects.count >= 20)
        let ids = trades.objects.compactMap { ($0["sequential_id"] as? NSNumber)?.int64Value }
        #expect(Set(ids).count == ids.count, "the tape's duplicated trades are listed once")
        #expect(await server.stop(signal: SIGINT).status == 0)
    }
}
