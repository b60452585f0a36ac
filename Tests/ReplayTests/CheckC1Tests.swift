import Replay
import Rules
import Testing
import Upbit

@Suite("C1: no idempotency key delivered twice to a consumer")
struct CheckC1Tests {
    @Test func aTradeDeliveredTwiceToOneConsumerIsAViolationNamingBothFrames() {
        let h = CheckHarness()
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 1, seq: 17, ms: 1_000, sid: 7))
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 2, seq: 3, ms: 1_000, .snapshot, sid: 7))
        #expect(h.count(.c1) == 1)
        #expect(h.frames(.c1) == ["(1, 17)", "(2, 3)"])
        let violation = h.witnesses(.c1).first
        #expect(violation?.consumer == "gui")
        #expect(violation?.deliveries.map(\.role) == [.earlier, .offending])
        #expect(violation?.deliveries.first?.keyHex == hex(checkKey("KRW-BTC", "7")))
        #expect(violation?.explanation.hasPrefix("consumer gui received trade KRW-BTC key ") == true)
        #expect(violation?.explanation.contains("twice: first at (1, 17), again at (2, 3)") == true)
        #expect(h.outcome.verdict == .fail)
    }

    @Test func distinctTradesOfTheSameMarketPass() {
        let h = CheckHarness()
        for sid: UInt64 in 1...5 { h.pass(checkEvent("trade", "KRW-BTC", seq: sid, ms: 1_000, sid: sid)) }
        #expect(h.total == 0)
        #expect(h.outcome.verdict == .pass)
    }

    @Test func theSameKeyOnceToEachOfTwoConsumersIsNoViolation() {
        let h = CheckHarness([ConsumerSpec(name: "a"), ConsumerSpec(name: "b")])
        h.pass(checkEvent("trade", "KRW-BTC", seq: 1, ms: 1_000, sid: 9), to: [0, 1])
        #expect(h.count(.c1) == 0)
    }

    @Test func aRepeatedOrderbookWithTheSameContentIsCaught() {
        let h = CheckHarness()
        h.pass(checkEvent("orderbook", "KRW-ETH", seq: 1, ms: 5_000, .snapshot))
        h.pass(checkEvent("orderbook", "KRW-ETH", seq: 2, ms: 5_000))
        #expect(h.count(.c1) == 1)
    }

    @Test func aKeyRepeatedBeyondTheWindowIsOutOfReach() {
        let h = CheckHarness(options: CheckOptions(dedupWindowMs: 1_000))
        let first = checkEvent("trade", "KRW-BTC", seq: 1, ms: 10_000, sid: 1)
        h.pass(first)
        h.pass(checkEvent("trade", "KRW-BTC", seq: 2, ms: 12_000, sid: 2))
        var again = first
        again.seq = 3
        h.pass(again)
        #expect(h.count(.c1) == 0)
        #expect(h.outcome.notes.contains { $0.contains("C1 remembers 1000 ms") })
    }

    @Test func allViolationsAreCountedButOnlyTheWitnessLimitIsKept() {
        let h = CheckHarness(options: CheckOptions(witnessLimit: 2))
        for sid: UInt64 in 1...4 {
            let e = checkEvent("trade", "KRW-BTC", seq: sid * 2, ms: 1_000, sid: sid)
            h.pass(e)
            var again = e
            again.seq += 1
            h.pass(again)
        }
        #expect(h.count(.c1) == 4)
        #expect(h.witnesses(.c1).count == 2)
    }

    private func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
