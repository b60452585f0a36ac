import Primitives
import Replay
import Simulator
import Testing
import Upbit

@testable import Wire

@Suite struct ExchangePayloadTests {
    @Test func markingSnapshotChangesOnlyTheStreamTypeValueInEitherSpelling() {
        let full = Array(#"{"type":"trade","note":"REALTIME","stream_type":"REALTIME"}"#.utf8)
        #expect(
            String(decoding: ExchangePayloads.markingSnapshot(full), as: UTF8.self)
                == #"{"type":"trade","note":"REALTIME","stream_type":"SNAPSHOT"}"#
        )
        let simple = Array(#"{"ty":"trade","st":"REALTIME"}"#.utf8)
        #expect(
            String(decoding: ExchangePayloads.markingSnapshot(simple), as: UTF8.self)
                == #"{"ty":"trade","st":"SNAPSHOT"}"#
        )
        let none = Array(#"{"status":"REALTIME"}"#.utf8)
        #expect(ExchangePayloads.markingSnapshot(none) == none)
    }

    @Test func decimalSumsAreExact() {
        #expect(DecimalText.sum(["0.43139478", "0.1", "2"]) == "2.53139478")
        #expect(DecimalText.sum(["0.00000001", "0.00000002"]) == "0.00000003")
        #expect(DecimalText.sum(["1", "2"]) == "3")
        #expect(DecimalText.sum(["1e5"]) == nil)
        #expect(DecimalText.sum(["-1"]) == nil)
    }

    @Test func truncationKeepsTheFirstUnitsInSimpleKeysToo() throws {
        var feed = SyntheticFeed(
            seed: 3,
            markets: ["KRW-ETH"],
            types: ["orderbook"],
            format: .simple,
            orderbookDepth: 15
        )
        let book = feed.next().bytes
        let cut = ExchangePayloads.truncatingOrderbook(book, depth: 1)
        let value = try JSONValue.parse(cut)
        let units = try #require(value["obu"]?.arrayValue)
        #expect(units.count == 1)
        #expect(units.first == (try JSONValue.parse(book))["obu"]?[0])
        #expect(value["tas"]?.numberText == units.first?["as"]?.numberText)
        #expect(ExchangePayloads.truncatingOrderbook(book, depth: 30) == book)
    }

    @Test func subscriptionsFilterByTypeAndCodeAndListTheirSnapshots() throws {
        let request = try UpbitSubscription.parse(
            Array(
                (#"[{"ticket":"t"},{"type":"orderbook","codes":["KRW-BTC.15","KRW-ETH"]},"#
                    + #"{"type":"trade","codes":["KRW-BTC"],"is_only_snapshot":true},{"type":"myOrder"}]"#).utf8
            )
        )
        let subscription = ActiveSubscription(request, format: .default)
        #expect(subscription.accepts(type: "orderbook", code: "KRW-BTC") == .some(15))
        #expect(subscription.accepts(type: "orderbook", code: "KRW-ETH") == .some(nil))
        #expect(subscription.accepts(type: "trade", code: "KRW-BTC") == nil)
        #expect(subscription.accepts(type: "ticker", code: "KRW-BTC") == nil)
        #expect(subscription.accepts(type: "myOrder", code: "KRW-XRP") == .some(nil))
        #expect(subscription.snapshots.map(\.code) == ["KRW-BTC", "KRW-ETH", "KRW-BTC"])
        #expect(subscription.snapshots.map(\.type) == ["orderbook", "orderbook", "trade"])
    }

    private func frames(_ count: Int) -> [OutboundFrame] {
        (0..<count).map { OutboundFrame(payload: [UInt8($0)], type: "trade", code: "KRW-BTC", streamType: .realtime) }
    }

    private func run(_ spec: String, seed: UInt64, count: Int = 200) throws -> [([UInt8], Int64)] {
        var faults = ConnectionFaults(spec: try ChaosSpec.parse(spec), seed: seed)
        var out: [([UInt8], Int64)] = []
        for (i, frame) in self.frames(count).enumerated() {
            out += faults.process(frame, now: Int64(i) * 1_000).map { ($0.payload, $0.dueNanos) }
        }
        return out
    }

    @Test func connectionFaultsAreSeededAndDoWhatTheySay() throws {
        let spec = "drop 0.1; dup 0.1,window:3; reorder 4; delay 5ms,jitter:2ms"
        let a = try self.run(spec, seed: 9)
        let b = try self.run(spec, seed: 9)
        let c = try self.run(spec, seed: 10)
        #expect(a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1))
        #expect(a.map(\.0) != c.map(\.0))
        #expect(zip(a, a.dropFirst()).allSatisfy { $0.1 <= $1.1 })  // delay keeps arrival order
        #expect(try self.run("drop 1", seed: 1).isEmpty)
        let reordered = try self.run("reorder 5", seed: 1, count: 100).map(\.0)
        #expect(reordered != self.frames(100).map(\.payload))
        #expect(Set(reordered) == Set(self.frames(100).map(\.payload)))
        let duplicated = try self.run("dup 1,window:1", seed: 1, count: 10).map(\.0)
        #expect(duplicated.count == 19)  // the last copy would follow an 11th frame
        #expect(try self.run("", seed: 1, count: 10).map(\.0) == self.frames(10).map(\.payload))
    }
}
