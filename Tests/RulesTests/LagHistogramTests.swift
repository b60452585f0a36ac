import Rules
import Testing

@Suite("Lag histogram")
struct LagHistogramTests {
    @Test("values below 128 ns are exact")
    func smallValuesAreExact() {
        var h = LagHistogram()
        for v in 1...100 { h.record(Int64(v)) }
        #expect(h.percentile(50) == 50)
        #expect(h.percentile(99) == 99)
        #expect(h.percentile(100) == 100)
        #expect(h.max == 100)
    }

    @Test("large percentiles are within 1/128 above the true value and never above the max")
    func largeValuesHaveBoundedError() {
        var h = LagHistogram()
        var samples: [Int64] = []
        var x: UInt64 = 12_345
        for _ in 0..<5_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            samples.append(Int64(x >> 34))
        }
        for s in samples { h.record(s) }
        let sorted = samples.sorted()
        for p in [50, 90, 99] {
            let truth = sorted[(sorted.count * p + 99) / 100 - 1]
            let reported = h.percentile(p)
            #expect(reported >= truth)
            #expect(reported - truth <= truth / 128 + 1)
        }
        #expect(h.percentile(100) == sorted.last)
    }

    @Test("an empty histogram reports zero")
    func emptyIsZero() {
        #expect(LagHistogram().percentile(99) == 0)
    }
}
