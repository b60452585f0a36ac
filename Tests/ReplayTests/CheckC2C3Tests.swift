import Replay
import Rules
import Testing
import Upbit

@Suite("C2: delivered state-type times never decrease per stream key")
struct CheckC2Tests {
    @Test func aTickerGoingBackInTimeIsAViolation() {
        let h = CheckHarness()
        h.pass(checkEvent("ticker", "KRW-BTC", seq: 1, ms: 2_000))
        h.pass(checkEvent("ticker", "KRW-BTC", seq: 2, ms: 1_900))
        #expect(h.count(.c2) == 1)
        #expect(h.frames(.c2) == ["(1, 1)", "(1, 2)"])
        #expect(h.witnesses(.c2).first?.explanation.contains("its state went back 100 ms") == true)
    }

    @Test func everyStateTypeIsChecked() {
        for type in ["ticker", "orderbook", "candle.1m", "myAsset"] {
            let h = CheckHarness()
            let code = type == "myAsset" ? "" : "KRW-BTC"
            h.pass(checkEvent(type, code, seq: 1, ms: 2_000))
            h.pass(checkEvent(type, code, seq: 2, ms: 1_000))
            #expect(h.count(.c2) == 1, "\(type)")
        }
    }

    @Test func equalTimesAndOtherKeysPass() {
        let h = CheckHarness()
        h.pass(checkEvent("candle.1m", "KRW-BTC", seq: 1, ms: 60_000, value: 1))
        h.pass(checkEvent("candle.1m", "KRW-BTC", seq: 2, ms: 60_000, value: 2))
        h.pass(checkEvent("ticker", "KRW-ETH", seq: 3, ms: 10))
        #expect(h.total == 0)
    }

    @Test func tradesGoingBackInTimeAreFactsNotViolations() {
        let h = CheckHarness()
        h.pass(checkEvent("trade", "KRW-BTC", seq: 1, ms: 2_000, sid: 2))
        h.pass(checkEvent("trade", "KRW-BTC", seq: 2, ms: 1_000, sid: 1))
        #expect(h.total == 0)
        #expect(h.outcome.findings.first { $0.kind == .reordered }?.count == 1)
    }
}

@Suite("C3: nothing from an epoch lower than one already delivered")
struct CheckC3Tests {
    @Test func aDeliveryFromAnOlderEpochAfterANewerOneIsAViolation() {
        let h = CheckHarness()
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 2, seq: 3, ms: 1_000, sid: 1))
        h.pass(checkEvent("trade", "KRW-ETH", epoch: 1, seq: 40, ms: 1_001, sid: 2))
        #expect(h.count(.c3) == 1)
        #expect(h.frames(.c3) == ["(2, 3)", "(1, 40)"])
        #expect(
            h.witnesses(.c3).first?.explanation
                == "consumer gui received trade KRW-ETH (1, 40) from epoch 1 after trade KRW-BTC (2, 3) from epoch 2"
        )
    }

    @Test func epochsMovingForwardPass() {
        let h = CheckHarness()
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 1, seq: 9, ms: 1_000, sid: 1))
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 2, seq: 1, ms: 1_001, sid: 2))
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 2, seq: 2, ms: 1_002, sid: 3))
        #expect(h.total == 0)
    }

    @Test func eachConsumerIsJudgedOnItsOwnDeliveries() {
        let h = CheckHarness([ConsumerSpec(name: "a"), ConsumerSpec(name: "b")])
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 2, seq: 1, ms: 1_000, sid: 1), to: [0])
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 1, seq: 5, ms: 999, sid: 2), to: [1])
        #expect(h.count(.c3) == 0)
    }
}
