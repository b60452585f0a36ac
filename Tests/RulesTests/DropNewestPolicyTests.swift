import Rules
import Testing
import TicktapeTestSupport
import Upbit

@Suite("drop-newest policy")
struct DropNewestPolicyTests {
    @Test("a full queue refuses the new event and keeps what it holds")
    func fullQueueDropsNewest() throws {
        let (metrics, recorder) = try fanout(
            DropOldestPolicyTests.burst,
            consumers: ["name=c,capacity=2,policy=drop-newest,service=100ms"]
        )
        #expect(recorder.delivered(to: 0).map(\.seq) == [1, 2, 3])
        #expect(recorder.drops[0]?.map(\.seq) == [4, 5])
        #expect(metrics[0].dropped == 2)
        #expect(metrics[0].maxQueueDepth == 2)
    }

    @Test("the delivery digest covers exactly the delivered (epoch, seq) in order")
    func digestFollowsDeliveries() throws {
        let (newest, _) = try fanout(
            DropOldestPolicyTests.burst,
            consumers: ["name=c,capacity=2,policy=drop-newest,service=100ms"]
        )
        let (oldest, _) = try fanout(
            DropOldestPolicyTests.burst,
            consumers: ["name=c,capacity=2,policy=drop-oldest,service=100ms"]
        )
        let (again, _) = try fanout(
            DropOldestPolicyTests.burst,
            consumers: ["name=c,capacity=2,policy=drop-newest,service=100ms"]
        )
        #expect(newest[0].digest != oldest[0].digest)
        #expect(newest[0].digest == again[0].digest)
        #expect(newest[0].digest.count == 64)
    }
}
