import Simulator
import Testing
import TicktapeTestSupport
import Upbit

@Suite struct UpbitEventTests {
    private func decode(_ text: String) -> UpbitEvent { UpbitEvent.decode(Array(text.utf8)) }

    @Test func aTradeDecodesWithItsExactSequentialIDAndPriceText() {
        guard case .trade(let trade) = decode(ReferenceExamples.tradeSnapshot) else {
            Issue.record("not a trade")
            return
        }
        #expect(trade.code == "KRW-BTC")
        #expect(trade.sequentialID == 17_303_368_620_470_000)
        #expect(trade.tradePrice.text == "100473000.00000000")
        #expect(trade.streamType == .snapshot)
        #expect(trade.bestBidSize?.text == "0.01990656")
    }

    @Test func everyExampleDecodesTheSameFromDefaultAndSimpleKeys() throws {
        for (name, text) in ReferenceExamples.all {
            let event = decode(text)
            if case .malformed(let reason, _) = event { Issue.record("\(name): \(reason)") }
            for format in [UpbitFormat.Format.simple, .default] {
                guard let converted = UpbitFormat.convert(Array(text.utf8), to: format) else { continue }
                #expect(UpbitEvent.decode(converted) == event, "\(name) in \(format)")
            }
        }
    }

    @Test func orderbooksAndAssetsKeepTheirItems() {
        guard case .orderbook(let book) = decode(ReferenceExamples.orderbookDefault) else {
            Issue.record("not an orderbook")
            return
        }
        #expect(book.units.count == 5)
        #expect(book.units[0].askPrice.text == "100473000")
        guard case .myAsset(let asset) = decode(ReferenceExamples.myAsset) else {
            Issue.record("not myAsset")
            return
        }
        #expect(asset.assets.first?.balance.text == "1386929.37231066771348207123")
    }

    @Test func outOfBandUnknownAndMalformedAreTold() {
        #expect(decode(#"{"status":"UP"}"#) == .status("UP"))
        #expect(decode(#"{"error":{"name":"NO_CODES","message":"m"}}"#) == .error(name: "NO_CODES", message: "m"))
        #expect(decode(#"{"hello":1}"#) == .unknown(Array(#"{"hello":1}"#.utf8)))
        guard case .malformed = decode(#"{"type":"trade","code":"KRW-BTC"}"#) else {
            Issue.record("a trade without fields decoded")
            return
        }
        guard case .malformed = decode("{not json") else {
            Issue.record("garbage decoded")
            return
        }
    }

    @Test func generatedFramesOfEveryTypeDecode() {
        var feed = SyntheticFeed(
            seed: 5,
            markets: ["KRW-BTC", "KRW-ETH"],
            types: ["ticker", "trade", "orderbook", "myOrder", "myAsset"]
        )
        for _ in 0..<500 {
            let message = feed.next()
            if case .malformed(let reason, _) = UpbitEvent.decode(message.bytes) {
                Issue.record("\(message.type): \(reason)")
            }
        }
    }
}
