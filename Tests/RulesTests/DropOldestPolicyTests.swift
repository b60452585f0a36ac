import Rules
import Testing
import TicktapeTestSupport
import Upbit

@Suite("drop-oldest policy")
struct DropOldestPolicyTests {
    static let burst = script {
        at(ms: 0) { ticker("KRW-A") }
        at(ms: 10) { ticker("KRW-B") }
        at(ms: 20) { ticker("KRW-C") }
        at(ms: 30) { ticker("KRW-D") }
        at(ms: 40) { ticker("KRW-E") }
    }

    @Test("a full queue drops its oldest event and keeps the newest")
    func fullQueueDropsOldest() throws {
        let (metrics, recorder) = try fanout(
            Self.burst,
            consumers: ["name=c,capacity=2,policy=drop-oldest,service=100ms"]
        )
        let delivered = recorder.delivered(to: 0)
        #expect(delivered.map(\.seq) == [1, 4, 5])
        #expect(delivered.map(\.deliveredAtNs) == [0, 100_000_000, 200_000_000])
        #expect(recorder.drops[0]?.map(\.seq) == [2, 3])
        #expect(metrics[0].dropped == 2)
        #expect(metrics[0].delivered == 3)
        #expect(metrics[0].maxQueueDepth == 2)
        #expect(metrics[0].lagMaxNs == 160_000_000)
        #expect(metrics[0].maxDropsPerMinute == 2)
    }

    @Test("with instant service nothing ever waits or drops")
    func instantServiceNeverQueues() throws {
        let (metrics, _) = try fanout(Self.burst, consumers: ["name=c,capacity=1"])
        #expect(metrics[0].delivered == 5)
        #expect(metrics[0].maxQueueDepth == 0)
        #expect(metrics[0].lagMaxNs == 0)
    }

    @Test("filters choose what a consumer is offered")
    func filtersApply() throws {
        let frames = script {
            at(ms: 0) {
                ticker("KRW-BTC")
                trade("KRW-BTC", sid: 1)
                ticker("KRW-ETH")
            }
        }
        let (metrics, recorder) = try fanout(frames, consumers: ["name=t,types=ticker,codes=KRW-ETH", "name=all"])
        #expect(recorder.delivered(to: 0).map(\.seq) == [3])
        #expect(metrics[0].offered == 1)
        #expect(metrics[1].delivered == 3)
    }
}
