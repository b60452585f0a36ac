import Primitives
import Simulator
import Testing
import TicktapeTestSupport
import Upbit

/// The targeted scanner is proven equal to a full JSON parse.
@Suite struct DifferentialTests {
    @Test func everyReferenceExampleAgreesWithTheFullParse() {
        for (name, text) in ReferenceExamples.all {
            let bytes = Array(text.utf8)
            let expected = ReferenceFacts.facts(bytes)
            #expect(expected.type != nil, "\(name) is recognised by the reference")
            #expect(UpbitScanner.facts(of: bytes) == expected, "\(name)")
        }
    }

    @Test(arguments: [false, true])
    func generatedFramesOfEveryTypeAgree(simple: Bool) {
        var gen = FuzzFrames(seed: simple ? 0x5151 : 0xDEF)
        var recognised = 0
        var keyed = 0
        for n in 0..<6_000 {
            let type = FuzzFrames.types[n % FuzzFrames.types.count]
            let frame = gen.frame(type: type, simple: simple)
            let expected = ReferenceFacts.facts(frame)
            let got = UpbitScanner.facts(of: frame)
            #expect(got == expected, "\(String(decoding: frame, as: UTF8.self))")
            if expected.type != nil { recognised += 1 }
            if expected.idempotencyKey != nil { keyed += 1 }
        }
        // The generator must exercise the interesting paths, not only rejections.
        #expect(recognised > 4_000)
        #expect(keyed > 2_000)
    }

    @Test(arguments: [UpbitFormat.Format.default, .simple])
    func syntheticFeedFramesOfEveryTypeAgree(format: UpbitFormat.Format) {
        let types = ["ticker", "trade", "orderbook", "candle.1s", "candle.1m", "myOrder", "myAsset"]
        var feed = SyntheticFeed(
            seed: 77,
            markets: SyntheticFeed.markets(count: 30),
            types: types,
            format: format,
            orderbookDepth: 15
        )
        var perType: [String: Int] = [:]
        for _ in 0..<7_000 {
            let msg = feed.next()
            perType[msg.type, default: 0] += 1
            let expected = ReferenceFacts.facts(msg.bytes)
            #expect(expected.idempotencyKey != nil)
            #expect(UpbitScanner.facts(of: msg.bytes) == expected)
            if let snap = feed.snapshot(type: msg.type, code: msg.code ?? "") {
                #expect(UpbitScanner.facts(of: snap) == ReferenceFacts.facts(snap))
            }
        }
        #expect(perType.count == types.count && perType.values.allSatisfy { $0 > 700 })
    }

    @Test func mutatedFramesNeverCrashAndAgreeWhenStillJSON() {
        var gen = FuzzFrames(seed: 0xBAD)
        var feed = SyntheticFeed(
            seed: 0xBAD,
            markets: SyntheticFeed.markets(count: 8),
            types: ["ticker", "trade", "orderbook", "myAsset"],
            orderbookDepth: 5
        )
        var stillJSON = 0
        var total = 0
        for n in 0..<3_000 {
            let type = FuzzFrames.types[n % FuzzFrames.types.count]
            var frame = n % 3 == 0 ? feed.next().bytes : gen.frame(type: type, simple: n % 2 == 0)
            for _ in 0..<4 {
                frame = gen.mutate(frame)
                total += 1
                let got = UpbitScanner.facts(of: frame)
                if (try? JSONValue.parse(frame)) != nil {
                    stillJSON += 1
                    #expect(got == ReferenceFacts.facts(frame), "\(String(decoding: frame, as: UTF8.self))")
                }
            }
        }
        #expect(stillJSON > total / 10)
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            let bytes = (0..<Int(rng.below(64))).map { _ in
                UInt8(
                    truncatingIfNeeded: rng.below(2) == 0
                        ? rng.next() : UInt64(Array("{}[]\":,\\0e-".utf8)[Int(rng.below(11))])
                )
            }
            let got = UpbitScanner.facts(of: bytes)
            if (try? JSONValue.parse(bytes)) != nil { #expect(got == ReferenceFacts.facts(bytes)) }
        }
    }
}
