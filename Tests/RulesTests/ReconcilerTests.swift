import Rules
import Testing
import TicktapeTestSupport
import Upbit

@Suite("Reconciler")
struct ReconcilerTests {
    static let faulty = script {
        at(ms: 0) { orderbook("KRW-BTC", time: 1_000, value: 1) }
        at(ms: 1) { orderbook("KRW-BTC", time: 1_000, value: 1) }
        at(ms: 2, epoch: 2) { orderbook("KRW-BTC", time: 900, .snapshot, value: 2) }
        at(ms: 3, epoch: 2) { orderbook("KRW-BTC", time: 950, value: 3) }
    }

    @Test("all rules on: the duplicate and the stale snapshot are discarded")
    func allRulesOn() {
        let (reconciler, decisions) = reconcile(Self.faulty)
        #expect(decisions.map(\.discardReason) == [nil, .duplicate, .staleSnapshot, .outOfOrder])
        #expect(reconciler.counts.discarded == 3)
    }

    @Test("disabling R3 lets the duplicate through for the oracle to catch")
    func disablingR3LetsDuplicatesThrough() {
        let (_, decisions) = reconcile(Self.faulty, options: ReconcilerOptions(disabled: [.r3]))
        #expect(decisions.map(\.discardReason) == [nil, nil, .staleSnapshot, .outOfOrder])
    }

    @Test("disabling R4 lets the stale snapshot regress the state for the oracle to catch")
    func disablingR4LetsStaleSnapshotsThrough() {
        let (_, decisions) = reconcile(Self.faulty, options: ReconcilerOptions(disabled: [.r4]))
        #expect(decisions.map(\.discardReason) == [nil, .duplicate, nil, .outOfOrder])
    }

    @Test("every discard is counted once and witnesses stop at the limit")
    func witnessesAreBounded() {
        var moments: [Moment] = []
        for i in 0..<20 { moments.append(at(ms: Int64(i)) { status() }) }
        let (reconciler, _) = reconcile(place(moments), options: ReconcilerOptions(witnessLimit: 3))
        #expect(reconciler.counts.count(.outOfBand) == 20)
        #expect(reconciler.witnesses.all.map(\.seq) == [1, 2, 3])
        #expect(reconciler.counts.inputs == 20)
    }

    @Test("a missing stream type is read as REALTIME")
    func missingStreamTypeIsRealtime() {
        var frames = script { at(ms: 0) { ticker("KRW-BTC", time: 10) } }
        frames[0].facts.streamType = nil
        let (_, decisions) = reconcile(frames)
        guard case .accept(let event) = decisions[0] else {
            Issue.record("expected accept")
            return
        }
        #expect(event.streamType == .realtime)
        #expect(event.type == "ticker")
        #expect(event.code == "KRW-BTC")
    }

    @Test("witness explanations say what conflicted in plain words")
    func explanationsArePlain() {
        let (reconciler, _) = reconcile(Self.faulty)
        let texts = reconciler.witnesses.all.map(\.explanation)
        #expect(texts.contains("idempotency key already seen at epoch 1 seq 1 (event time 1000 ms)"))
        #expect(texts.contains { $0.hasPrefix("SNAPSHOT at 900 ms is older than the state applied at 1000 ms") })
    }
}
