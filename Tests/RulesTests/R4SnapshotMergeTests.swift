import Rules
import Testing
import TicktapeTestSupport
import Upbit

@Suite("R4 snapshot merge")
struct R4SnapshotMergeTests {
    @Test("a snapshot older than the applied state is discarded and the state never regresses")
    func staleSnapshotIsDiscarded() {
        let frames = script {
            at(ms: 0) { orderbook("KRW-BTC", time: 2_000, value: 1) }
            at(ms: 10, epoch: 2) { orderbook("KRW-BTC", time: 1_500, .snapshot, value: 2) }
        }
        let (reconciler, decisions) = reconcile(frames)
        #expect(decisions.map(\.discardReason) == [nil, .staleSnapshot])
        #expect(reconciler.state(of: StreamKey(type: "orderbook", code: "KRW-BTC"))?.appliedMs == 2_000)
        let witness = reconciler.witnesses.witnesses(of: .discard(.staleSnapshot)).first
        #expect(witness?.conflict?.eventTimeMs == 2_000)
    }

    @Test("a REALTIME event older than its snapshot is discarded as beforeSnapshot")
    func realtimeBeforeSnapshotIsDiscarded() {
        let frames = script {
            at(ms: 0, epoch: 2) { ticker("KRW-XRP", time: 5_000, .snapshot, value: 1) }
            at(ms: 10, epoch: 2) {
                ticker("KRW-XRP", time: 4_999, value: 2)
                trade("KRW-XRP", sid: 3, time: 4_000)
                ticker("KRW-XRP", time: 5_000, value: 3)
            }
        }
        let (reconciler, decisions) = reconcile(frames)
        #expect(decisions.map(\.discardReason) == [nil, .beforeSnapshot, nil, nil])
        #expect(reconciler.counts.count(.beforeSnapshot) == 1)
    }

    @Test("a newer snapshot replaces the state and moves the snapshot mark")
    func newerSnapshotMovesTheMark() {
        let frames = script {
            at(ms: 0) { ticker("KRW-BTC", time: 100, .snapshot, value: 1) }
            at(ms: 1) { ticker("KRW-BTC", time: 300, value: 2) }
            at(ms: 2, epoch: 2) { ticker("KRW-BTC", time: 400, .snapshot, value: 3) }
            at(ms: 3, epoch: 2) { ticker("KRW-BTC", time: 350, value: 4) }
        }
        let (reconciler, decisions) = reconcile(frames)
        #expect(decisions.map(\.discardReason) == [nil, nil, nil, .beforeSnapshot])
        #expect(reconciler.state(of: StreamKey(type: "ticker", code: "KRW-BTC"))?.snapshotMs == 400)
    }

    @Test("trades obey the snapshot mark too, so no REALTIME trade lands below a delivered snapshot")
    func tradesObeyTheSnapshotMark() {
        let frames = script {
            at(ms: 0) { trade("KRW-BTC", sid: 10, time: 1_000, .snapshot) }
            at(ms: 1) { trade("KRW-BTC", sid: 9, time: 900) }
        }
        let (_, decisions) = reconcile(frames)
        #expect(decisions.map(\.discardReason) == [nil, .beforeSnapshot])
    }
}
