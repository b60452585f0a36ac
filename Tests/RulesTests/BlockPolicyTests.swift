import Rules
import Testing
import TicktapeTestSupport
import Upbit

@Suite("block policy")
struct BlockPolicyTests {
    static let steady = script {
        for i in 0..<4 { at(ms: Int64(i) * 10) { ticker("KRW-\(i)") } }
    }

    @Test("the producer waits: nothing drops and lag grows")
    func producerWaits() throws {
        let (metrics, recorder) = try fanout(
            Self.steady,
            consumers: ["name=slow,capacity=1,policy=block,service=100ms"]
        )
        let delivered = recorder.delivered(to: 0)
        #expect(delivered.map(\.seq) == [1, 2, 3, 4])
        #expect(delivered.map { $0.deliveredAtNs - $0.arrivalNs } == [0, 90_000_000, 180_000_000, 270_000_000])
        #expect(metrics[0].dropped == 0)
        #expect(metrics[0].maxQueueDepth == 1)
        #expect(metrics[0].lagMaxNs == 270_000_000)
    }

    @Test("a blocked producer delays every other consumer too")
    func blockingDelaysOthers() throws {
        let (metrics, recorder) = try fanout(
            Self.steady,
            consumers: ["name=slow,capacity=1,policy=block,service=100ms", "name=fast"]
        )
        #expect(recorder.delivered(to: 1).map(\.deliveredAtNs) == [0, 10_000_000, 100_000_000, 200_000_000])
        #expect(metrics[1].dropped == 0)
    }

    @Test("block is refused for live fan-out")
    func blockIsOfflineOnly() throws {
        let spec = try ConsumerSpec.parse("name=slow,policy=block")
        #expect(throws: FanoutError.blockNeedsOffline(consumer: "slow")) {
            try FanoutHub(consumers: [spec], mode: .live)
        }
        #expect(throws: FanoutError.badCapacity(consumer: "x", capacity: 0)) {
            try FanoutHub(consumers: [ConsumerSpec(name: "x", capacity: 0)])
        }
    }
}
