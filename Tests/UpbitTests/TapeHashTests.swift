import Exchange
import Primitives
import Testing
import Upbit

/// TapeHash64 is part of the tape format: these vectors were computed by an independent
/// implementation of the documented definition and must never change.
@Suite struct TapeHashTests {
    @Test func documentedVectors() {
        #expect(TapeHash64.hash([]) == 0x9090_306C_6E91_ED59)
        #expect(TapeHash64.hash(Array("a".utf8)) == 0x82F1_9D83_61B1_346C)
        #expect(TapeHash64.hash(Array("abc".utf8)) == 0xAC0F_31B5_56B3_ACBB)
        #expect(TapeHash64.hash(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x2FAF_8305_30A0_55A2)
    }

    @Test func resultDoesNotDependOnChunking() {
        var rng = SplitMix64(seed: 7)
        for length in [0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 200, 1_000] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let whole = TapeHash64.hash(bytes)
            for _ in 0..<20 {
                var h = TapeHash64()
                var at = 0
                while at < length {
                    let take = min(length - at, Int(rng.below(40)))
                    h.update(Array(bytes[at..<at + take]))
                    at += take
                }
                #expect(h.finalize() == whole, "length \(length)")
            }
        }
    }

    @Test func keysDistinguishTheirParts() {
        let a = IdempotencyKey.trade(code: "KRW-BTC", sequentialID: 1)
        #expect(a != IdempotencyKey.trade(code: "KRW-BTC", sequentialID: 2))
        #expect(a != IdempotencyKey.trade(code: "KRW-ETH", sequentialID: 1))
        let e = IdempotencyKey.event(type: "ticker", code: "KRW-BTC", timestampMs: 5, digest: 9)
        #expect(e != IdempotencyKey.event(type: "ticker", code: nil, timestampMs: 5, digest: 9))
        #expect(e != IdempotencyKey.event(type: "ticker", code: "KRW-BTC", timestampMs: 6, digest: 9))
        #expect(e != IdempotencyKey.event(type: "ticker", code: "KRW-BTC", timestampMs: 5, digest: 8))
        #expect(e != IdempotencyKey.event(type: "orderbook", code: "KRW-BTC", timestampMs: 5, digest: 9))
    }
}
