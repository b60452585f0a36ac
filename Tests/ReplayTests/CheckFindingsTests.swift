import Exchange
import Replay
import Rules
import Testing
import Upbit

@Suite("Findings: anomalies the rules handled, counted with samples")
struct CheckFindingsTests {
    private func input(_ seq: UInt64, type: String? = "trade", ms: Int64 = 100, epoch: UInt32 = 1) -> RuleInput {
        let facts = FrameFacts(type: type, code: "KRW-BTC", eventTime: ms, streamType: .realtime)
        return RuleInput(epoch: epoch, seq: seq, arrivalNs: ms * 1_000_000, facts: facts)
    }

    private func count(_ outcome: OracleOutcome, _ kind: FindingClass) -> Int {
        outcome.findings.first { $0.kind == kind }?.count ?? -1
    }

    @Test func everyDiscardReasonIsCountedUnderItsClass() {
        let h = CheckHarness()
        let reasons: [(DiscardReason, String?, FindingClass)] = [
            (.duplicate, "trade", .duplicate), (.staleEpoch, "trade", .staleEpoch),
            (.staleSnapshot, "ticker", .staleSnapshot), (.beforeSnapshot, "trade", .beforeSnapshot),
            (.outOfOrder, "ticker", .outOfOrder), (.outOfBand, "status", .outOfBand),
            (.outOfBand, "error", .serverError), (.unknown, nil, .unknown), (.malformed, "trade", .decodeError),
        ]
        for (i, (reason, type, _)) in reasons.enumerated() {
            h.oracle.discarded(input(UInt64(i + 1), type: type), reason: reason)
        }
        let outcome = h.outcome
        for (_, _, kind) in reasons { #expect(count(outcome, kind) == 1, "\(kind)") }
        #expect(outcome.findings.map(\.kind) == FindingClass.allCases)
        #expect(outcome.verdict == .unknown)
        let sample = outcome.findings.first { $0.kind == .serverError }?.samples.first
        #expect(sample?.seq == 7)
        #expect(sample?.explanation == "server error message kept from market consumers (R2)")
    }

    @Test func samplesAreLimitedButCountsAreNot() {
        let h = CheckHarness(options: CheckOptions(witnessLimit: 3))
        for seq in 1...10 { h.oracle.discarded(input(UInt64(seq)), reason: .duplicate) }
        let tally = h.outcome.findings.first { $0.kind == .duplicate }
        #expect(tally?.count == 10)
        #expect(tally?.samples.map(\.seq) == [1, 2, 3])
    }

    @Test func silenceLongerThanTheThresholdWithinAnEpochIsAGap() {
        let oracle = CheckOracle(consumers: [ConsumerSpec(name: "a")])
        let inputs: [ReplayInput] = [
            .lifecycle(.connect, epoch: 1, monoNs: 0),
            .frame(epoch: 1, seq: 1, monoNs: 1_000_000_000, facts: checkFacts("trade", "KRW-BTC", ms: 1, sid: 1)),
            .frame(epoch: 1, seq: 2, monoNs: 9_000_000_000, facts: checkFacts("trade", "KRW-BTC", ms: 2, sid: 2)),
            .frame(epoch: 1, seq: 3, monoNs: 10_000_000_000, facts: checkFacts("trade", "KRW-BTC", ms: 3, sid: 3)),
            .lifecycle(.disconnect, epoch: 1, monoNs: 16_000_000_000),
            .lifecycle(.connect, epoch: 2, monoNs: 17_000_000_000),
            .frame(epoch: 2, seq: 1, monoNs: 18_000_000_000, facts: checkFacts("trade", "KRW-BTC", ms: 4, sid: 4)),
            .lifecycle(.sessionEnd, epoch: 2, monoNs: 19_000_000_000),
        ]
        for input in inputs { oracle.observe(input) }
        let gaps = oracle.outcome().findings.first { $0.kind == .gap }
        #expect(gaps?.count == 2)
        #expect(
            gaps?.samples.map(\.explanation) == [
                "no inbound data in epoch 1 for 8.000 s: from seq 1 at 1.000 s to seq 2 at 9.000 s",
                "no inbound data in epoch 1 for 6.000 s: from seq 3 at 10.000 s to its disconnect at 16.000 s",
            ]
        )
        #expect(gaps?.samples.map(\.seq) == [2, 0])
    }

    @Test func aStaleEpochTailNeitherOpensNorClosesAGap() {
        let oracle = CheckOracle(consumers: [ConsumerSpec(name: "a")], options: CheckOptions(gapThresholdNs: 1_000))
        oracle.observe(.frame(epoch: 2, seq: 1, monoNs: 0, facts: checkFacts("trade", "KRW-BTC", ms: 1, sid: 1)))
        oracle.observe(.frame(epoch: 1, seq: 9, monoNs: 500, facts: checkFacts("trade", "KRW-BTC", ms: 1, sid: 2)))
        oracle.observe(.frame(epoch: 2, seq: 2, monoNs: 900, facts: checkFacts("trade", "KRW-BTC", ms: 1, sid: 3)))
        #expect(oracle.outcome().findings.first { $0.kind == .gap }?.count == 0)
    }

    @Test func theTimelineHasEpochSpansMarkersAndPerSecondRates() {
        let oracle = CheckOracle(consumers: [ConsumerSpec(name: "a")])
        let frame = { (epoch: UInt32, seq: UInt64, ms: Int64) -> ReplayInput in
            .frame(epoch: epoch, seq: seq, monoNs: ms * 1_000_000, facts: checkFacts("trade", "KRW-BTC", ms: ms))
        }
        let inputs: [ReplayInput] = [
            .lifecycle(.connect, epoch: 1, monoNs: 0), frame(1, 1, 100), frame(1, 2, 200), frame(1, 3, 1_500),
            .lifecycle(.disconnect, epoch: 1, monoNs: 2_000_000_000),
            .lifecycle(.connectFailed, epoch: 1, monoNs: 2_500_000_000),
            .lifecycle(.connect, epoch: 2, monoNs: 3_000_000_000), frame(2, 1, 3_200),
        ]
        for input in inputs { oracle.observe(input) }
        let timeline = oracle.outcome().timeline
        #expect(timeline.messages == [2, 1, 0, 1])
        #expect(timeline.epochs.map(\.epoch) == [1, 2])
        #expect(timeline.epochs.map(\.ending) == [.disconnect, .open])
        #expect(timeline.epochs.first?.endNs == 2_000_000_000)
        #expect(timeline.markers.map(\.kind) == [.disconnect, .connectFailed])
        #expect(timeline.consumers.map(\.name) == ["a"])
    }

    @Test func aLongSessionCoarsensTheTimelineInsteadOfGrowing() {
        let oracle = CheckOracle(consumers: [], options: CheckOptions(timelineMaxBuckets: 4))
        for second in 0..<10 {
            oracle.observe(
                .frame(epoch: 1, seq: UInt64(second + 1), monoNs: Int64(second) * 1_000_000_000, facts: FrameFacts())
            )
        }
        let timeline = oracle.outcome().timeline
        #expect(timeline.bucketCount <= 4)
        #expect(timeline.bucketNs == 4_000_000_000)
        #expect(timeline.messages.reduce(0, +) == 10)
    }
}
