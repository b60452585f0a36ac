import Primitives
import Replay
import Rules
import Testing
import Upbit

@Suite("C1 against a naive model")
struct CheckC1ModelTests {
    /// Reproducible streams from the project's one seeded generator.
    struct Random {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func next(_ bound: UInt64) -> UInt64 { generator.next() % bound }
    }

    /// With the window table grown from small and sized up front (`expectedWindowKeys`, a hint).
    @Test("every repeat within the window is reported with its first delivery", arguments: [5, 6, 7], [0, 50_000])
    func matchesTheModel(seed: UInt64, expectedKeys: Int) {
        let windowMs: Int64 = 150
        let h = CheckHarness(
            options: CheckOptions(dedupWindowMs: windowMs, witnessLimit: 1_000_000, expectedWindowKeys: expectedKeys)
        )
        var random = Random(state: seed)
        // The model: per stream key, the newest time delivered and the latest delivery of each key.
        var newest: [String: Int64] = [:]
        var latest: [String: [UInt64: (seq: UInt64, timeMs: Int64)]] = [:]
        var expected: [[String]] = []
        var clock: Int64 = 1_000
        let codes = ["KRW-BTC", "KRW-ETH", "KRW-XRP", "BTC-ETH"]
        for seq: UInt64 in 1...30_000 {
            clock += Int64(random.next(3))
            let code = codes[Int(random.next(UInt64(codes.count)))]
            let key = random.next(600)
            let time = clock - Int64(random.next(200))
            let event = MarketEvent(
                epoch: 1,
                seq: seq,
                arrivalNs: Int64(seq),
                marketType: .trade,
                keyID: Int32(codes.firstIndex(of: code)!),
                type: "trade",
                code: code,
                eventTimeMs: time,
                streamType: .realtime,
                idempotencyKey: key
            )
            h.deliver(event)
            let top = max(newest[code] ?? Int64.min, time)
            newest[code] = top
            if let earlier = latest[code]?[key], earlier.timeMs >= top - windowMs {
                expected.append(["(1, \(earlier.seq))", "(1, \(seq))"])
            } else if time >= top - windowMs {
                latest[code, default: [:]][key] = (seq, time)
            }
        }
        #expect(expected.count > 500)
        #expect(h.count(.c1) == expected.count)
        #expect(h.witnesses(.c1).map { $0.deliveries.map(\.frame) } == expected)
    }
}
