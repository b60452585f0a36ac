import Replay
import Rules
import Testing
import Upbit

@Suite("The check through the real replay engine")
struct CheckEndToEndTests {
    @Test func withAllRulesOnAReconnectWithAnomaliesPasses() throws {
        let check = try checkReconnect()
        #expect(check.verdict == .pass)
        #expect(check.violationCount == 0)
        #expect(check.findings(.duplicate).count == 1)
        #expect(check.findings(.duplicate).samples.map { "(\($0.epoch), \($0.seq))" } == ["(2, 2)"])
        #expect(check.findings(.beforeSnapshot).samples.map { "(\($0.epoch), \($0.seq))" } == ["(2, 4)"])
        #expect(check.replay?.consumers.map(\.name) == ["all"])
        #expect(check.run.replay.consumers == [CheckPipeline.defaultConsumer])
        #expect(check.timeline.epochs.map(\.epoch) == [1, 2])
    }

    @Test func withDedupOffTheReconnectSnapshotDuplicateIsAC1Violation() throws {
        let check = try checkReconnect(disabled: [.r3])
        #expect(check.verdict == .fail)
        #expect(check.violations.filter { $0.count > 0 }.map(\.kind) == [.c1])
        let witness = try #require(check.violations(.c1).witnesses.first)
        #expect(witness.deliveries.map(\.frame) == ["(1, 5)", "(2, 2)"])
        #expect(witness.deliveries.map(\.streamType) == [.realtime, .snapshot])
        #expect(witness.explanation.contains("consumer all received ticker KRW-BTC key "))
        #expect(witness.explanation.hasSuffix("twice: first at (1, 5), again at (2, 2) (event time 1200 ms)"))
    }

    @Test func withSnapshotMergeOffTheRealtimeOlderThanItsSnapshotIsAC4Violation() throws {
        let check = try checkReconnect(disabled: [.r4])
        #expect(check.verdict == .fail)
        #expect(check.violations.filter { $0.count > 0 }.map(\.kind) == [.c4])
        let witness = try #require(check.violations(.c4).witnesses.first)
        #expect(witness.deliveries.map(\.frame) == ["(2, 3)", "(2, 4)"])
        #expect(witness.deliveries.map(\.eventTimeMs) == [1_500, 1_400])
        #expect(
            witness.explanation
                == "consumer all received REALTIME trade KRW-BTC at 1400 ms (2, 4) below the SNAPSHOT at 1500 ms "
                + "it received at (2, 3)"
        )
    }

    @Test func everyConsumerIsCheckedAndTheirTalliesBalance() throws {
        let consumers = [
            ConsumerSpec(name: "gui", filter: ConsumerFilter(types: ["ticker"]), capacity: 1, policy: .coalesce),
            ConsumerSpec(name: "slow", capacity: 1, policy: .dropOldest, serviceNs: 500_000_000),
        ]
        let check = try checkReconnect(disabled: [.r3], consumers: consumers)
        #expect(check.violations(.c1).witnesses.compactMap(\.consumer) == ["gui", "slow"])
        let slow = try #require(check.consumers.last)
        #expect(slow.dropped > 0)
        #expect(slow.acceptedTrades == slow.deliveredTrades + slow.droppedTrades)
        #expect(check.violations(.c6).count == 0)
        #expect(check.timeline.consumers.last?.drops.reduce(0, +) == check.replay?.consumers.last?.dropped)
    }

    @Test func integrityProblemsFailAnOtherwiseCleanCheck() throws {
        let integrity = IntegrityResults(problems: ["I1 seq hole in epoch 2: 7…9 missing and no loss event explains it"]
        )
        let check = try checkReconnect(integrity: integrity)
        #expect(check.verdict == .fail)
        #expect(check.violations(.i1).count == 1)
        #expect(check.violations(.i1).witnesses.first?.consumer == nil)
        #expect(try checkReconnect(integrity: IntegrityResults(problems: [])).verdict == .pass)
    }

    @Test func aTapeWithNoMarketDataIsUnknown() throws {
        let replay = ReplayOptions(speed: .max)
        let inputs: [ReplayInput] = [.lifecycle(.connect, epoch: 1, monoNs: 0)]
        let check = try CheckPipeline.check(tape: "empty", inputs: inputs, run: RunInfo(replay: replay))
        #expect(check.verdict == .unknown)
        #expect(check.reason == "no market event was accepted: nothing to check")
    }

    @Test func theOverallVerdictIsTheWorstTape() throws {
        let pass = try checkReconnect()
        let fail = try checkReconnect(disabled: [.r4])
        let unreadable = TapeCheckResult.unreadable(
            tape: "bad.tape",
            reason: "not a ticktape tape",
            run: RunInfo(replay: ReplayOptions())
        )
        #expect(CheckReport(tapes: [pass]).verdict == .pass)
        #expect(CheckReport(tapes: [pass, unreadable]).verdict == .unknown)
        #expect(CheckReport(tapes: [unreadable, fail, pass]).verdict == .fail)
        #expect(CheckReport(tapes: []).verdict == .unknown)
    }
}

@Suite("Coalescing across a reconnect")
struct CheckCoalesceEpochTests {
    /// Coalescing in place would let an epoch-2 value take the queue slot of its epoch-1
    /// predecessor and overtake epoch-1 trades still queued behind it, failing C3. The hub never
    /// merges across an epoch boundary, so the oracle finds nothing here.
    @Test func coalescingNeverLetsANewerEpochOvertakeQueuedEvents() throws {
        let consumers = [ConsumerSpec(name: "gui", capacity: 8, policy: .coalesce, serviceNs: 100_000_000)]
        let inputs: [ReplayInput] = [
            .lifecycle(.connect, epoch: 1, monoNs: 0),
            .frame(epoch: 1, seq: 1, monoNs: 0, facts: checkFacts("trade", "KRW-BTC", ms: 1, sid: 1)),
            .frame(epoch: 1, seq: 2, monoNs: 1, facts: checkFacts("ticker", "KRW-BTC", ms: 2)),
            .frame(epoch: 1, seq: 3, monoNs: 2, facts: checkFacts("trade", "KRW-BTC", ms: 3, sid: 2)),
            .lifecycle(.connect, epoch: 2, monoNs: 3),
            .frame(epoch: 2, seq: 1, monoNs: 4, facts: checkFacts("ticker", "KRW-BTC", ms: 4, .snapshot)),
        ]
        let run = RunInfo(replay: ReplayOptions(speed: .factor(1), consumers: consumers))
        let check = try CheckPipeline.check(tape: "coalesce", inputs: inputs, run: run)
        #expect(check.violations(.c3).count == 0)
        #expect(check.verdict == .pass)
    }
}
