import Rules
import Testing
import TicktapeTestSupport
import Upbit

@Suite("R5 ordering")
struct R5OrderingTests {
    @Test("an orderbook older than the one applied is discarded as outOfOrder")
    func olderOrderbookIsDiscarded() {
        let frames = script {
            at(ms: 0) { orderbook("KRW-BTC", time: 200, value: 1) }
            at(ms: 1) { orderbook("KRW-BTC", time: 150, value: 2) }
            at(ms: 2) { orderbook("KRW-BTC", time: 250, value: 3) }
        }
        let (reconciler, decisions) = reconcile(frames)
        #expect(decisions.map(\.discardReason) == [nil, .outOfOrder, nil])
        #expect(reconciler.state(of: StreamKey(type: "orderbook", code: "KRW-BTC"))?.appliedMs == 250)
        let witness = reconciler.witnesses.witnesses(of: .discard(.outOfOrder)).first
        #expect(witness?.conflict == Conflict(epoch: 1, seq: 1, eventTimeMs: 200))
    }

    @Test("an equal time is not older: the last candle of a period wins")
    func equalTimeIsAccepted() {
        let frames = script {
            at(ms: 0) { candle("KRW-BTC", time: 60_000, value: 1) }
            at(ms: 1) { candle("KRW-BTC", time: 60_000, value: 2) }
        }
        let (_, decisions) = reconcile(frames)
        #expect(decisions.filter(\.isAccepted).count == decisions.count)
    }

    @Test("trades and orders are facts: delivered out of order and counted reordered")
    func factsAreDeliveredAndCounted() {
        let frames = script {
            at(ms: 0) {
                trade("KRW-BTC", sid: 2, time: 200)
                trade("KRW-BTC", sid: 1, time: 100)
                myOrder("KRW-BTC", time: 500, value: 1)
                myOrder("KRW-BTC", time: 400, value: 2)
                myAsset(time: 50, value: 1)
                myAsset(time: 40, value: 2)
            }
        }
        let (reconciler, decisions) = reconcile(frames)
        #expect(decisions.map(\.discardReason) == [nil, nil, nil, nil, nil, .outOfOrder])
        #expect(reconciler.counts.reordered == 2)
        #expect(reconciler.witnesses.witnesses(of: .reordered).map(\.seq) == [2, 4])
    }

    @Test("stream keys are independent")
    func keysAreIndependent() {
        let frames = script {
            at(ms: 0) { ticker("KRW-BTC", time: 500) }
            at(ms: 1) { ticker("KRW-ETH", time: 100) }
            at(ms: 2) { candle("KRW-BTC", unit: "1m", time: 100) }
            at(ms: 3) { candle("KRW-BTC", unit: "5m", time: 90) }
        }
        let (reconciler, decisions) = reconcile(frames)
        #expect(decisions.filter(\.isAccepted).count == decisions.count)
        #expect(reconciler.keys.count == 4)
    }
}
