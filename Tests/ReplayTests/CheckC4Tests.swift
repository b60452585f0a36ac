import Replay
import Rules
import Testing
import Upbit

@Suite("C4: no REALTIME event below the latest delivered SNAPSHOT of its key")
struct CheckC4Tests {
    @Test func aRealtimeTradeBelowItsSnapshotIsAViolation() {
        let h = CheckHarness()
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 2, seq: 4, ms: 2_000, .snapshot, sid: 9))
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 2, seq: 5, ms: 1_950, sid: 8))
        #expect(h.count(.c4) == 1)
        #expect(h.frames(.c4) == ["(2, 4)", "(2, 5)"])
        #expect(
            h.witnesses(.c4).first?.explanation
                == "consumer gui received REALTIME trade KRW-BTC at 1950 ms (2, 5) below the SNAPSHOT at 2000 ms "
                + "it received at (2, 4)"
        )
    }

    @Test func realtimeAtOrAfterTheSnapshotPasses() {
        let h = CheckHarness()
        h.pass(checkEvent("trade", "KRW-BTC", seq: 1, ms: 2_000, .snapshot, sid: 9))
        h.pass(checkEvent("trade", "KRW-BTC", seq: 2, ms: 2_000, sid: 10))
        h.pass(checkEvent("trade", "KRW-BTC", seq: 3, ms: 2_100, sid: 11))
        #expect(h.total == 0)
    }

    @Test func anotherKeysSnapshotDoesNotMatter() {
        let h = CheckHarness()
        h.pass(checkEvent("trade", "KRW-ETH", seq: 1, ms: 5_000, .snapshot, sid: 1))
        h.pass(checkEvent("trade", "KRW-BTC", seq: 2, ms: 1_000, sid: 2))
        #expect(h.count(.c4) == 0)
    }

    @Test func theMarkIsTheHighestSnapshotDelivered() {
        let h = CheckHarness()
        h.pass(checkEvent("trade", "KRW-BTC", seq: 1, ms: 3_000, .snapshot, sid: 1))
        h.pass(checkEvent("trade", "KRW-BTC", seq: 2, ms: 2_000, .snapshot, sid: 2))
        h.pass(checkEvent("trade", "KRW-BTC", seq: 3, ms: 2_500, sid: 3))
        #expect(h.frames(.c4) == ["(1, 1)", "(1, 3)"])
    }
}
