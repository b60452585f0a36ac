import Rules
import Testing
import TicktapeTestSupport
import Upbit

@Suite("R3 dedup")
struct R3DedupTests {
    @Test("a reconnect that re-sends snapshots delivers nothing twice")
    func reconnectSnapshotsAreSuppressed() {
        let frames = script {
            at(ms: 1_000, epoch: 1) {
                ticker("KRW-BTC", time: 1_000, .snapshot, value: 1)
                trade("KRW-BTC", sid: 7, time: 1_000, .snapshot)
                orderbook("KRW-BTC", time: 1_000, .snapshot, value: 1)
            }
            at(ms: 1_500, epoch: 1) {
                ticker("KRW-BTC", time: 1_500, value: 2)
                trade("KRW-BTC", sid: 8, time: 1_500)
            }
            // Upbit re-sends one SNAPSHOT per key after the reconnect: same content, same key.
            at(ms: 3_000, epoch: 2) {
                ticker("KRW-BTC", time: 1_500, .snapshot, value: 2)
                trade("KRW-BTC", sid: 8, time: 1_500, .snapshot)
                orderbook("KRW-BTC", time: 1_000, .snapshot, value: 1)
            }
        }
        let (reconciler, decisions) = reconcile(frames)
        #expect(decisions.suffix(3).map(\.discardReason) == [.duplicate, .duplicate, .duplicate])
        #expect(reconciler.counts.accepted == 5)
        let accepted = decisions.compactMap { decision -> UInt64? in
            if case .accept(let event) = decision { return event.idempotencyKey }
            return nil
        }
        #expect(Set(accepted).count == accepted.count)
        let witness = reconciler.witnesses.witnesses(of: .discard(.duplicate)).first
        #expect(witness?.conflict == Conflict(epoch: 1, seq: 4, eventTimeMs: 1_500))
    }

    @Test("a key older than the window is forgotten")
    func keysOutsideTheWindowAreForgotten() {
        var dedup = R3Dedup(windowMs: 1_000)
        func isDuplicate(_ key: UInt64, at timeMs: Int64) -> Bool {
            dedup.check(keyID: 0, key: key, timeMs: timeMs, epoch: 1, seq: 0) != nil
        }
        let verdicts = [
            isDuplicate(42, at: 0), isDuplicate(42, at: 0), isDuplicate(43, at: 1_001), isDuplicate(42, at: 0),
        ]
        #expect(verdicts == [false, true, false, false])
        #expect(dedup.rememberedKeys == 1)
    }

    @Test("a copy remembers on its own: the table's memory is shared only until one of them writes")
    func copiesAreIndependent() {
        var original = R3Dedup(windowMs: 1_000)
        // Past the first rebuild, so that both copies hold a grown table.
        for key: UInt64 in 1...2_000 { _ = original.check(keyID: 0, key: key, timeMs: 0, epoch: 1, seq: key) }
        var copy = original
        #expect(copy.check(keyID: 0, key: 5_000, timeMs: 0, epoch: 1, seq: 5_000) == nil)
        #expect(original.check(keyID: 0, key: 5_000, timeMs: 0, epoch: 1, seq: 6_000) == nil)
        #expect(copy.check(keyID: 0, key: 5_000, timeMs: 0, epoch: 1, seq: 7_000)?.seq == 5_000)
        #expect(original.check(keyID: 0, key: 1_999, timeMs: 0, epoch: 1, seq: 0)?.seq == 1_999)
        #expect(copy.rememberedKeys == 2_001)
        #expect(original.rememberedKeys == 2_001)
    }

    @Test("the window is per stream key")
    func windowIsPerStreamKey() {
        var dedup = R3Dedup(windowMs: 1_000)
        func isDuplicate(_ key: UInt64, stream: Int32, at timeMs: Int64) -> Bool {
            dedup.check(keyID: stream, key: key, timeMs: timeMs, epoch: 1, seq: 0) != nil
        }
        let verdicts = [
            isDuplicate(42, stream: 0, at: 0), isDuplicate(99, stream: 1, at: 50_000),
            isDuplicate(42, stream: 0, at: 10),
        ]
        #expect(verdicts == [false, false, true])
    }

    @Test("memory follows the window of event time, not the input length")
    func memoryIsBoundedByTheWindow() {
        var reconciler = Reconciler(options: ReconcilerOptions(dedupWindowMs: 1_000))
        for i in 0..<20_000 {
            let frames = place([at(ms: Int64(i) * 10) { trade("KRW-BTC", sid: UInt64(i)) }])
            _ = reconciler.decide(frames[0].ruleInput)
        }
        // 1 s of event time at one trade per 10 ms is about 100 keys, whatever the input length.
        #expect(reconciler.rememberedKeys <= 102)
        #expect(reconciler.counts.accepted == 20_000)
    }

    @Test("verdicts depend on event time only, not on arrival time")
    func verdictsIgnoreArrivalTime() {
        let frames = script {
            at(ms: 0) { trade("KRW-ETH", sid: 1, time: 500) }
            at(ms: 90_000) { trade("KRW-ETH", sid: 1, time: 500) }
        }
        let (_, decisions) = reconcile(frames)
        #expect(decisions.map(\.discardReason) == [nil, .duplicate])
    }
}
