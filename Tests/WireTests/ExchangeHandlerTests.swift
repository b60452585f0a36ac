import NIOCore
import NIOWebSocket
import Primitives
import Testing
import Upbit

@testable import Wire

@Suite(.timeLimit(.minutes(3))) struct ExchangeHandlerTests {
    static let btcTicker = Payloads.message("ticker", "KRW-BTC", seed: 1)
    static let ethTrade = Payloads.message("trade", "KRW-ETH", seed: 2)

    private func freshMarket() -> FakeMarket { FakeMarket(snapshots: [Self.btcTicker, Self.ethTrade]) }

    @Test func aSubscriptionGetsOneSnapshotPerStreamThenOnlyItsRealtimeMessages() async throws {
        let market = self.freshMarket()
        let live = [
            Payloads.message("ticker", "KRW-BTC", seed: 11), Payloads.message("ticker", "KRW-XRP", seed: 12),
            Payloads.message("orderbook", "KRW-BTC", seed: 13), Payloads.message("trade", "KRW-ETH", seed: 14),
        ]
        let got = try await withExchange(market) { client in
            try await client.send(
                #"[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]},{"type":"trade","codes":["KRW-ETH"]}]"#
            )
            try await client.data(count: 2)
            for message in live { market.publish(message) }
            return try await client.data(count: 4)
        }
        #expect(got.map(\.opcode) == [.binary, .binary, .binary, .binary])
        #expect(got.map(\.facts.streamType) == [.snapshot, .snapshot, .realtime, .realtime])
        #expect(got[0].bytes == ExchangePayloads.markingSnapshot(Self.btcTicker.payload))
        #expect(got[1].bytes == ExchangePayloads.markingSnapshot(Self.ethTrade.payload))
        #expect(got[2].bytes == live[0].payload)
        #expect(got[3].bytes == live[3].payload)
    }

    @Test(arguments: ["isOnlySnapshot", "is_only_snapshot"])
    func snapshotOnlyTypesGetTheirSnapshotAndNothingMore(flag: String) async throws {
        let market = self.freshMarket()
        let got = try await withExchange(market) { client in
            try await client.send(
                #"[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"],"\#(flag)":true},"#
                    + #"{"type":"trade","codes":["KRW-ETH"]}]"#
            )
            try await client.data(count: 2)
            // The ticker would arrive before the trade if it were sent at all (one source order).
            market.publish(Payloads.message("ticker", "KRW-BTC", seed: 21))
            market.publish(Payloads.message("trade", "KRW-ETH", seed: 22))
            try await client.sync()
            return await client.received.data
        }
        #expect(got.map(\.facts.type) == ["ticker", "trade", "trade", "status"])
        #expect(got.map(\.facts.streamType) == [.snapshot, .snapshot, .realtime, nil])
    }

    @Test(arguments: ["isOnlyRealtime", "is_only_realtime"])
    func realtimeOnlyTypesGetNoSnapshot(flag: String) async throws {
        let market = self.freshMarket()
        let live = Payloads.message("ticker", "KRW-BTC", seed: 31)
        let got = try await withExchange(market) { client in
            try await client.send(#"[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"],"\#(flag)":true}]"#)
            try await client.sync()
            market.publish(live)
            return try await client.data(count: 2)
        }
        #expect(got.map(\.json) == [#"{"status":"UP"}"#, String(decoding: live.payload, as: UTF8.self)])
    }

    @Test func simpleFormatConvertsSnapshotsAndRealtimeMessages() async throws {
        let market = self.freshMarket()
        let live = Payloads.message("ticker", "KRW-BTC", seed: 41)
        let got = try await withExchange(market) { client in
            try await client.send(#"[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]},{"format":"SIMPLE"}]"#)
            try await client.data(count: 1)
            market.publish(live)
            return try await client.data(count: 2)
        }
        let snapshot = UpbitFormat.convert(ExchangePayloads.markingSnapshot(Self.btcTicker.payload), to: .simple)
        #expect(got[0].bytes == snapshot)
        #expect(got[1].bytes == UpbitFormat.convert(live.payload, to: .simple))
        #expect(got[1].json.hasPrefix(#"{"ty":"ticker","cd":"KRW-BTC","#))
        #expect(got[1].json.hasSuffix(#""st":"REALTIME"}"#))
    }

    @Test func aNewRequestReplacesTheSubscriptionAndTheFormat() async throws {
        let market = self.freshMarket()
        let ticker = Payloads.message("ticker", "KRW-BTC", seed: 51)
        let trade = Payloads.message("trade", "KRW-ETH", seed: 52)
        let got = try await withExchange(market) { client in
            try await client.send(#"[{"ticket":"a"},{"type":"ticker","codes":["KRW-BTC"],"isOnlyRealtime":true}]"#)
            try await client.send(
                #"[{"ticket":"b"},{"type":"trade","codes":["KRW-ETH"],"isOnlyRealtime":true},{"format":"SIMPLE"}]"#
            )
            try await client.send(#"[{"ticket":"c"},{"method":"LIST_SUBSCRIPTIONS"}]"#)
            try await client.sync()
            market.publish(ticker)
            market.publish(trade)
            return try await client.data(count: 3)
        }
        #expect(got.count == 3)
        #expect(got[0].json == #"{"mthd":"LIST_SUBSCRIPTIONS","rslt":[{"ty":"trade","cds":["KRW-ETH"]}],"tckt":"c"}"#)
        #expect(got[1].json == #"{"status":"UP"}"#)
        #expect(got[2].bytes == UpbitFormat.convert(trade.payload, to: .simple))
    }

    @Test func pingTextGetsStatusUpAsABinaryFrame() async throws {
        let got = try await withExchange(self.freshMarket()) { client in
            try await client.send("PING")
            try await client.send("PING")
            return try await client.data(count: 2)
        }
        #expect(got.map(\.opcode) == [.binary, .binary])
        #expect(got.map(\.json) == [#"{"status":"UP"}"#, #"{"status":"UP"}"#])
    }

    @Test func orderbookDepthSuffixTruncatesUnitsAndRecomputesTotals() async throws {
        let book = Payloads.message("orderbook", "KRW-BTC", seed: 61, depth: 30)
        let market = FakeMarket(snapshots: [book])
        let got = try await withExchange(market) { client in
            try await client.send(#"[{"ticket":"t"},{"type":"orderbook","codes":["KRW-BTC.5"]}]"#)
            try await client.data(count: 1)
            market.publish(book)
            return try await client.data(count: 2)
        }
        for message in got {
            let value = try JSONValue.parse(message.bytes)
            let units = try #require(value["orderbook_units"]?.arrayValue)
            #expect(units.count == 5)
            let asks = units.compactMap { $0["ask_size"]?.numberText }
            #expect(value["total_ask_size"]?.numberText == DecimalText.sum(asks))
            #expect(value["code"]?.stringValue == "KRW-BTC")
        }
        #expect(got.map(\.facts.streamType) == [.snapshot, .realtime])
    }
}
