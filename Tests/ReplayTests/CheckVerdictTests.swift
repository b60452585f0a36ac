import Replay
import Rules
import Testing
import Upbit

@Suite("The oracle's verdict")
struct CheckVerdictTests {
    @Test func aCleanStreamPasses() {
        let h = CheckHarness([ConsumerSpec(name: "a"), ConsumerSpec(name: "b", policy: .coalesce)])
        h.pass(checkEvent("ticker", "KRW-BTC", seq: 1, ms: 100, .snapshot), to: [0, 1])
        h.pass(checkEvent("trade", "KRW-BTC", seq: 2, ms: 110, .snapshot, sid: 1), to: [0, 1])
        h.pass(checkEvent("ticker", "KRW-BTC", seq: 3, ms: 120), to: [0, 1])
        h.pass(checkEvent("trade", "KRW-BTC", epoch: 2, seq: 1, ms: 130, sid: 2), to: [0, 1])
        let outcome = h.outcome
        #expect(outcome.verdict == .pass)
        #expect(outcome.reason == nil)
        #expect(outcome.accepted == 4)
        #expect(outcome.violations.map(\.kind) == [.c1, .c2, .c3, .c4, .c5, .c6, .unknown, .lostSubscription])
    }

    @Test func nothingAcceptedIsUnknown() {
        let outcome = CheckHarness().outcome
        #expect(outcome.verdict == .unknown)
        #expect(outcome.reason == "no market event was accepted: nothing to check")
    }

    @Test func noConsumerIsUnknown() {
        let h = CheckHarness([])
        h.accept(checkEvent("ticker", "KRW-BTC", seq: 1, ms: 100))
        #expect(h.outcome.verdict == .unknown)
        #expect(h.outcome.reason == "no consumer to check")
    }

    @Test func theOracleKeepsItsOwnStreamKeysWhenTheRulesIdsAreWrong() {
        let h = CheckHarness()
        // Both events claim rules id 0 although their keys differ: no false C2.
        h.pass(checkEvent("ticker", "KRW-BTC", seq: 1, ms: 2_000, keyID: 0))
        h.pass(checkEvent("ticker", "KRW-ETH", seq: 2, ms: 1_000, keyID: 0))
        h.pass(checkEvent("ticker", "KRW-BTC", seq: 3, ms: 1_500, keyID: 0))
        #expect(h.count(.c2) == 1)
        #expect(h.frames(.c2) == ["(1, 1)", "(1, 3)"])
    }
}
