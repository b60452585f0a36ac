import Replay
import Reports
import Rules
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit

@Suite("Replay reports")
struct ReplayReportTests {
    static let result: ReplayResult = {
        let frames = script {
            at(ms: 0, epoch: 1) { orderbook("KRW-\"Q\"", time: 200) }
            at(ms: 1, epoch: 1) { orderbook("KRW-\"Q\"", time: 100) }
            at(ms: 2, epoch: 1) { status() }
        }
        let options = ReplayOptions(speed: .factor(2), consumers: [ConsumerSpec(name: "all")])
        return try! ReplayEngine.run(replayInputs(frames), options: options)
    }()

    @Test("JSON keeps a fixed key order, escapes strings and carries witnesses with explanations")
    func jsonShape() {
        let json = Self.result.json()
        let order = ["options", "totals", "stream_keys", "rules", "consumers"].map { "\n  \"\($0)\":" }
        let positions = order.compactMap { json.firstRange(of: $0)?.lowerBound }
        #expect(positions.count == order.count)
        #expect(positions == positions.sorted())
        #expect(json.contains("\"speed\": \"2\""))
        #expect(json.contains("\"code\": \"KRW-\\\"Q\\\"\""))
        #expect(json.contains("\"out_of_order\": 1"))
        #expect(json.contains("\"status\": 1"))
        #expect(json.contains("\"kind\": \"out_of_order\""))
        #expect(!json.contains("e+"))
        #expect(json.hasSuffix("}\n"))
    }

    @Test("the text summary names each consumer and each finding")
    func textSummary() {
        let text = Self.result.text()
        #expect(text.contains("rules: 1 accepted, 2 discarded (out_of_band 1, out_of_order 1)"))
        #expect(text.contains("consumer all: delivered 1"))
        #expect(text.contains("speed 2"))
    }
}
