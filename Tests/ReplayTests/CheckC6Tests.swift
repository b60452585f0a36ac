import Replay
import Rules
import Testing
import Upbit

@Suite("C6: per consumer, accepted trades = delivered + counted drops")
struct CheckC6Tests {
    @Test func aTradeNeitherDeliveredNorDroppedIsAViolation() {
        let h = CheckHarness()
        h.pass(checkEvent("trade", "KRW-BTC", seq: 1, ms: 100, sid: 1))
        h.accept(checkEvent("trade", "KRW-BTC", seq: 2, ms: 101, sid: 2))
        #expect(h.count(.c6) == 1)
        #expect(
            h.witnesses(.c6).first?.explanation
                == "consumer gui: 2 accepted trades passed its filter but 1 were delivered and 0 dropped "
                + "(1 unaccounted for)"
        )
    }

    @Test func deliveredPlusDroppedEqualToAcceptedPasses() {
        let h = CheckHarness()
        let trades = (1...3).map { checkEvent("trade", "KRW-BTC", seq: UInt64($0), ms: 100, sid: UInt64($0)) }
        for trade in trades { h.accept(trade) }
        h.drop(trades[0])
        h.deliver(trades[1])
        h.deliver(trades[2])
        #expect(h.total == 0)
        let tally = h.outcome.consumers.first
        #expect(tally?.acceptedTrades == 3)
        #expect(tally?.deliveredTrades == 2)
        #expect(tally?.droppedTrades == 1)
    }

    @Test func aCoalescedTradeIsAViolationWitnessedByThatTrade() {
        let h = CheckHarness([ConsumerSpec(name: "gui", policy: .coalesce)])
        let lost = checkEvent("trade", "KRW-BTC", seq: 1, ms: 100, sid: 1)
        let kept = checkEvent("trade", "KRW-BTC", seq: 2, ms: 101, sid: 2)
        h.accept(lost)
        h.accept(kept)
        h.oracle.coalesced(lost, by: kept, in: 0, atNs: 0)
        h.deliver(kept)
        #expect(h.count(.c6) == 1)
        #expect(h.frames(.c6) == ["(1, 1)"])
        #expect(h.outcome.consumers.first?.coalescedTrades == 1)
    }

    @Test func hubCountersThatDisagreeWithTheObservedDropsAreAViolation() {
        let h = CheckHarness()
        h.pass(checkEvent("trade", "KRW-BTC", seq: 1, ms: 100, sid: 1))
        var metrics = ConsumerMetrics(name: "gui", digest: "")
        metrics.delivered = 1
        metrics.dropped = 2
        let outcome = h.oracle.outcome(metrics: [metrics])
        let c6 = outcome.violations.first { $0.kind == .c6 }
        #expect(c6?.count == 1)
        #expect(c6?.witnesses.first?.explanation == "consumer gui: the hub counted 2 drops but the oracle saw 0")
        metrics.dropped = 0
        #expect(h.oracle.outcome(metrics: [metrics]).verdict == .pass)
    }

    @Test func nonTradesAreNotPartOfTheBalance() {
        let h = CheckHarness([ConsumerSpec(name: "gui", policy: .dropNewest)])
        let ticker = checkEvent("ticker", "KRW-BTC", seq: 1, ms: 100)
        h.accept(ticker)
        h.drop(ticker)
        #expect(h.count(.c6) == 0)
    }
}
