import Rules
import Testing
import TicktapeTestSupport
import Upbit

@Suite("R1 epoch guard")
struct R1EpochGuardTests {
    @Test("a late frame from the previous epoch is discarded as staleEpoch")
    func lateFrameFromPreviousEpochIsDiscarded() {
        let frames = script {
            at(ms: 100, epoch: 1) { ticker("KRW-BTC", value: 1) }
            at(ms: 200, epoch: 2) { ticker("KRW-BTC", .snapshot, value: 2) }
            at(ms: 210, epoch: 1) { ticker("KRW-BTC", value: 3) }
        }
        let (reconciler, decisions) = reconcile(frames)
        #expect(decisions.map(\.discardReason) == [nil, nil, .staleEpoch])
        #expect(reconciler.counts.count(.staleEpoch) == 1)
        let witness = reconciler.witnesses.witnesses(of: .discard(.staleEpoch)).first
        #expect(witness?.epoch == 1)
        #expect(witness?.seq == 2)
        #expect(witness?.conflict?.epoch == 2)
    }

    @Test("the current epoch is the highest seen and each advance counts as a switch")
    func currentEpochIsTheHighestSeen() {
        var guardRule = R1EpochGuard()
        let verdicts = [1, 3, 3, 2].map { guardRule.admit(epoch: $0) }
        #expect(verdicts == [true, true, true, false])
        #expect(guardRule.current == 3)
        #expect(guardRule.switches == 1)
    }

    @Test("out-of-band and unknown frames from an old epoch are stale too")
    func staleEpochAppliesBeforeClassification() {
        let frames = script {
            at(ms: 0, epoch: 2) { ticker("KRW-BTC") }
            at(ms: 1, epoch: 1) {
                status()
                unknownFrame()
            }
        }
        let (reconciler, _) = reconcile(frames)
        #expect(reconciler.counts.count(.staleEpoch) == 2)
        #expect(reconciler.counts.count(.outOfBand) == 0)
        #expect(reconciler.counts.count(.unknown) == 0)
    }
}
