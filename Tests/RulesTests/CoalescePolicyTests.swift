import Rules
import Testing
import TicktapeTestSupport
import Upbit

@Suite("coalesce policy")
struct CoalescePolicyTests {
    @Test("a queued value is replaced in place by the newer one of its stream key")
    func latestValueWins() throws {
        let frames = script {
            at(ms: 0) { ticker("KRW-A", value: 1) }
            at(ms: 10) { ticker("KRW-B", value: 1) }
            at(ms: 20) { ticker("KRW-A", value: 2) }
            at(ms: 30) { ticker("KRW-A", value: 3) }
            at(ms: 40) { ticker("KRW-B", value: 2) }
        }
        let (metrics, recorder) = try fanout(frames, consumers: ["name=gui,capacity=2,policy=coalesce,service=100ms"])
        #expect(recorder.delivered(to: 0).map(\.seq) == [1, 5, 4])
        #expect(recorder.replaced[0]?.map(\.seq) == [3, 2])
        #expect(metrics[0].coalesced == 2)
        #expect(metrics[0].dropped == 0)
    }

    @Test("trades are never merged: a full queue of trades drops its oldest and counts it")
    func tradesAreNeverMerged() throws {
        let frames = script {
            for i in 0..<6 { at(ms: Int64(i) * 10) { trade("KRW-A", sid: UInt64(i)) } }
        }
        let (metrics, recorder) = try fanout(frames, consumers: ["name=gui,capacity=2,policy=coalesce,service=100ms"])
        #expect(metrics[0].coalesced == 0)
        #expect(metrics[0].dropped == 3)
        #expect(recorder.drops[0]?.map(\.seq) == [2, 3, 4])
        // C6: accepted trades = delivered + counted drops.
        #expect(recorder.accepted.count == metrics[0].delivered + metrics[0].dropped)
    }

    @Test("after the drain each key's last delivered value is its last accepted value")
    func noStaleValueSurvives() throws {
        var moments: [Moment] = []
        for i in 0..<300 {
            moments.append(at(ms: Int64(i)) { orderbook("KRW-\(i % 7)", value: i) })
        }
        let (metrics, recorder) = try fanout(
            place(moments),
            consumers: ["name=gui,capacity=8,policy=coalesce,service=50ms"]
        )
        var lastAccepted: [String: UInt64] = [:]
        for event in recorder.accepted { lastAccepted[event.code] = event.idempotencyKey }
        var lastDelivered: [String: UInt64] = [:]
        for record in recorder.delivered(to: 0) { lastDelivered[record.code] = record.idempotencyKey }
        #expect(lastDelivered == lastAccepted)
        #expect(metrics[0].coalesced > 0)
        #expect(metrics[0].maxQueueDepth <= 8)
    }

    @Test("merging never crosses an epoch boundary, so deliveries never return to a lower epoch")
    func mergingRespectsEpochs() throws {
        let frames = script {
            at(ms: 0, epoch: 1) { ticker("KRW-A", time: 0, value: 1) }
            at(ms: 10, epoch: 1) {
                ticker("KRW-A", time: 10, value: 2)
                ticker("KRW-B", time: 10, value: 2)
            }
            at(ms: 20, epoch: 2) { ticker("KRW-A", time: 20, .snapshot, value: 3) }
        }
        let (metrics, recorder) = try fanout(frames, consumers: ["name=gui,capacity=4,policy=coalesce,service=100ms"])
        let delivered = recorder.delivered(to: 0)
        #expect(delivered.map(\.epoch) == [1, 1, 1, 2])
        #expect(metrics[0].coalesced == 0)
        #expect(metrics[0].epochSwitches == 1)
    }
}
