import Exchange
import Replay
import Reports
import Rules
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit

@Suite("Replay engine")
struct ReplayEngineTests {
    static let consumers = try! [
        "name=gui,types=ticker,capacity=256,policy=coalesce,service=200ms",
        "name=algo,types=ticker|trade,capacity=16,policy=drop-oldest,service=200ms",
        "name=audit,capacity=8,policy=block,service=100us",
    ].map { try ConsumerSpec.parse($0) }

    func run(
        speed: ReplaySpeed,
        _ inputs: [ReplayInput],
        observer: (any DeliveryObserver)? = nil
    ) throws -> ReplayResult {
        try ReplayEngine.run(
            inputs,
            options: ReplayOptions(speed: speed, consumers: Self.consumers),
            observer: observer
        )
    }

    @Test("a 200 ms consumer on a 100-market feed stays within capacity, counts drops and keeps the freshest value")
    func slowConsumerOnHundredMarkets() throws {
        let observer = FreshnessObserver()
        let result = try run(speed: .factor(1), replayInputs(hundredMarketFeed()), observer: observer)
        for (metrics, spec) in zip(result.consumers, Self.consumers) {
            #expect(metrics.maxQueueDepth <= spec.capacity)
            #expect(metrics.offered == metrics.delivered + metrics.dropped + metrics.coalesced)
            #expect(metrics.queued == 0)
        }
        let gui = result.consumers[0]
        #expect(gui.coalesced > 0)
        #expect(gui.dropped == 0)
        let tickers = observer.lastAccepted.filter { $0.key.hasPrefix("ticker|") }
        #expect(tickers.count == 100)
        #expect(observer.lastDelivered[0] == tickers)
        let algo = result.consumers[1]
        #expect(algo.dropped > 0)
        #expect(algo.maxDropsPerMinute > 0)
        #expect(algo.lagMaxNs >= 200_000_000)
        #expect(result.consumers[2].dropped == 0)
        #expect(result.consumers[2].delivered == result.rules.accepted)
    }

    @Test("speed 1, 10 and max give identical rule counts; only drops and lag may differ")
    func ruleCountsDoNotDependOnSpeed() throws {
        let inputs = replayInputs(hundredMarketFeed())
        let results = try [ReplaySpeed.factor(1), .factor(10), .max].map { try run(speed: $0, inputs) }
        #expect(results[0].rules.count(.duplicate) == 100)
        #expect(results[0].rules.count(.staleEpoch) == 1)
        for result in results.dropFirst() {
            #expect(result.rules == results[0].rules)
            // Witnesses name the same frames; only their arrival times follow the speed.
            #expect(
                result.witnesses.map { "\($0.kind.name) \($0.epoch)/\($0.seq)" }
                    == results[0].witnesses.map {
                        "\($0.kind.name) \($0.epoch)/\($0.seq)"
                    }
            )
        }
        // A faster feed overwhelms the 200 ms consumer more.
        #expect(results[0].consumers[1].dropped < results[1].consumers[1].dropped)
        #expect(results[1].consumers[1].dropped <= results[2].consumers[1].dropped)
    }

    @Test("the same input twice gives byte-identical JSON and digests")
    func sameInputSameBytes() throws {
        let inputs = replayInputs(hundredMarketFeed(markets: 20))
        let first = try run(speed: .factor(10), inputs)
        let second = try run(speed: .factor(10), inputs)
        #expect(first.json() == second.json())
        #expect(first.consumers.map(\.digest) == second.consumers.map(\.digest))
        #expect(first.text() == second.text())
    }

    @Test("outbound and control frames are counted, never judged, and lifecycle events are totalled")
    func nonDataFramesAreCounted() throws {
        var inputs = replayInputs(script { at(ms: 5) { ticker("KRW-BTC") } })
        inputs.append(.frame(ReplayFrame(epoch: 1, seq: 2, opcode: .ping, monoNs: 6_000_000, facts: FrameFacts())))
        inputs.append(.lifecycle(LifecycleEvent(kind: .loss, epoch: 1, monoNs: 7_000_000, lostFrames: 3)))
        inputs.append(.lifecycle(.sessionEnd, epoch: 1, monoNs: 8_000_000))
        let result = try ReplayEngine.run(inputs, options: ReplayOptions())
        #expect(result.totals.inboundData == 1)
        #expect(result.totals.inboundControl == 1)
        #expect(result.totals.outbound == 1)
        #expect(result.totals.count(.connect) == 1)
        #expect(result.totals.count(.loss) == 1)
        #expect(result.totals.lostFrames == 3)
        #expect(result.rules.inputs == 1)
        #expect(result.totals.lastMonoNs == 8_000_000)
    }

    @Test("a bad speed or consumer set is a typed error")
    func badOptionsAreTyped() throws {
        #expect(throws: ReplayError.badSpeed("0.0")) { try ReplayEngine(options: ReplayOptions(speed: .factor(0))) }
        let twice = [ConsumerSpec(name: "a"), ConsumerSpec(name: "a")]
        #expect(throws: ReplayError.consumers(.duplicateName("a"))) {
            try ReplayEngine(options: ReplayOptions(consumers: twice))
        }
        #expect(ReplaySpeed("max") == .max)
        #expect(ReplaySpeed("2.5") == .factor(2.5))
        #expect(ReplaySpeed("-1") == nil)
    }
}
