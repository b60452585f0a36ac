import Replay
import Rules
import Testing
import Upbit

@Suite("C5: coalescing never delivers an older value; no stale value survives the drain")
struct CheckC5Tests {
    @Test func anOlderValueDeliveredAfterANewerOneIsAViolation() {
        let h = CheckHarness([ConsumerSpec(name: "gui", policy: .coalesce)])
        let older = checkEvent("ticker", "KRW-BTC", seq: 5, ms: 100, value: 1)
        let newer = checkEvent("ticker", "KRW-BTC", seq: 6, ms: 100, value: 2)
        h.accept(older)
        h.accept(newer)
        h.deliver(newer)
        h.deliver(older)
        #expect(h.count(.c2) == 0)
        #expect(h.witnesses(.c5).first?.deliveries.map(\.frame) == ["(1, 6)", "(1, 5)"])
        #expect(h.witnesses(.c5).first?.explanation.contains("an older value was delivered") == true)
        // …and it is also the stale last value after the drain.
        #expect(h.count(.c5) == 2)
    }

    @Test func aStaleLastValueAfterTheDrainIsAViolation() {
        let h = CheckHarness([ConsumerSpec(name: "gui", policy: .coalesce)])
        h.pass(checkEvent("ticker", "KRW-BTC", seq: 1, ms: 100))
        h.accept(checkEvent("ticker", "KRW-BTC", seq: 2, ms: 200))
        #expect(h.count(.c5) == 1)
        let violation = h.witnesses(.c5).first
        #expect(violation?.deliveries.map(\.role) == [.offending, .lastAccepted])
        #expect(violation?.deliveries.map(\.frame) == ["(1, 1)", "(1, 2)"])
        #expect(violation?.deliveries.last?.deliveredAtNs == nil)
        #expect(violation?.explanation.contains("a stale value survived") == true)
    }

    @Test func aSelectedKeyNeverDeliveredIsAViolation() {
        let h = CheckHarness([ConsumerSpec(name: "gui", policy: .dropOldest)])
        h.accept(checkEvent("orderbook", "KRW-ETH", seq: 1, ms: 100))
        #expect(h.count(.c5) == 1)
        #expect(h.witnesses(.c5).first?.explanation.hasPrefix("consumer gui never received orderbook KRW-ETH") == true)
    }

    @Test func keysOutsideTheFilterAreNotExpected() {
        let filter = ConsumerFilter(types: ["trade"], codes: ["KRW-BTC"])
        let h = CheckHarness([ConsumerSpec(name: "trades", filter: filter)])
        h.accept(checkEvent("ticker", "KRW-BTC", seq: 1, ms: 100))
        h.accept(checkEvent("trade", "KRW-ETH", seq: 2, ms: 100, sid: 1))
        h.pass(checkEvent("trade", "KRW-BTC", seq: 3, ms: 100, sid: 2))
        #expect(h.total == 0)
    }

    @Test func candleWildcardsAndCodelessMyAssetAreSelected() {
        let filter = ConsumerFilter(types: ["candle.*", "myAsset"], codes: ["KRW-BTC"])
        let h = CheckHarness([ConsumerSpec(name: "c", filter: filter)])
        h.accept(checkEvent("candle.5m", "KRW-BTC", seq: 1, ms: 100))
        h.accept(checkEvent("myAsset", "", seq: 2, ms: 100))
        #expect(h.count(.c5) == 2)
    }

    @Test func lossyPoliciesMayEndOnAnOlderValueOnlyWhenTheNewerOneWasCountedAsDropped() {
        for policy in [OverflowPolicy.dropNewest, .dropOldest, .coalesce] {
            let h = CheckHarness([ConsumerSpec(name: "slow", policy: policy)])
            h.pass(checkEvent("ticker", "KRW-BTC", seq: 1, ms: 100))
            let dropped = checkEvent("ticker", "KRW-BTC", seq: 2, ms: 200)
            h.accept(dropped)
            h.drop(dropped)
            #expect(h.total == 0, "\(policy)")
            #expect(h.outcome.consumers.first?.finalState == .exactUnlessDropped)
            #expect(
                h.outcome.notes.contains { $0.hasPrefix("C5 for consumer slow (\(policy.rawValue)): the policy may") }
            )
            // A newer value that was neither delivered nor dropped is still a stale survivor.
            h.accept(checkEvent("ticker", "KRW-BTC", seq: 3, ms: 300))
            #expect(h.count(.c5) == 1, "\(policy)")
        }
    }

    @Test func aBlockingConsumerMustEndOnTheLastAcceptedValueEvenAfterADrop() {
        let h = CheckHarness([ConsumerSpec(name: "all", policy: .block)])
        h.pass(checkEvent("ticker", "KRW-BTC", seq: 1, ms: 100))
        let dropped = checkEvent("ticker", "KRW-BTC", seq: 2, ms: 200)
        h.accept(dropped)
        h.drop(dropped)
        #expect(h.count(.c5) == 1)
        #expect(h.outcome.consumers.first?.finalState == .exact)
    }

    @Test func coalescingAValueByAnOlderOneIsAViolation() {
        let h = CheckHarness([ConsumerSpec(name: "gui", policy: .coalesce)])
        let older = checkEvent("ticker", "KRW-BTC", seq: 1, ms: 100)
        let newer = checkEvent("ticker", "KRW-BTC", seq: 2, ms: 200)
        h.accept(older)
        h.accept(newer)
        h.oracle.coalesced(newer, by: older, in: 0, atNs: 0)
        h.deliver(older)
        #expect(
            h.witnesses(.c5).first?.explanation.contains("replaced ticker KRW-BTC (1, 2) by the older value (1, 1)")
                == true
        )
    }

    @Test func coalescingTheLatestValuePasses() {
        let h = CheckHarness([ConsumerSpec(name: "gui", policy: .coalesce)])
        let older = checkEvent("ticker", "KRW-BTC", seq: 1, ms: 100)
        let newer = checkEvent("ticker", "KRW-BTC", seq: 2, ms: 200)
        h.accept(older)
        h.accept(newer)
        h.oracle.coalesced(older, by: newer, in: 0, atNs: 0)
        h.deliver(newer)
        #expect(h.total == 0)
        #expect(h.outcome.consumers.first?.coalesced == 1)
    }
}
