import Rules
import Testing

@Suite("Stream key table")
struct StreamKeyTableTests {
    @Test("ids are dense, in first-seen order, and stable as the table grows")
    func denseAndStable() {
        var table = StreamKeyTable()
        var expected: [StreamKey] = []
        for type in ["ticker", "trade", "orderbook", "candle.1m", "myAsset", "a-type-name-longer-than-16"] {
            for i in 0..<300 {
                let code = type == "myAsset" && i == 0 ? "" : "KRW-C\(i)"
                #expect(table.intern(type: type, code: code) == Int32(expected.count))
                expected.append(StreamKey(type: type, code: code))
            }
        }
        #expect(table.count == expected.count)
        #expect(table.keys == expected)
        for (id, key) in expected.enumerated().reversed() {
            #expect(table.intern(type: key.type, code: key.code) == Int32(id))
        }
        #expect(table.count == expected.count)
    }

    @Test("equal keys in different string storage get one id; the in-value cache never merges keys")
    func equalStringsFromDifferentStorage() {
        var table = StreamKeyTable()
        let longType = String(repeating: "candle.", count: 3) + "1m"  // heap storage, not inline
        let first = table.intern(type: longType, code: "KRW-" + String(repeating: "X", count: 20))
        let again = table.intern(
            type: ["candle.", "candle.", "candle.", "1m"].joined(),
            code: "KRW-" + String(repeating: "X", count: 20)
        )
        #expect(first == again)
        // Thousands of distinct keys through the 4096-line cache: every lookup still finds its own.
        var ids: [Int32] = []
        for i in 0..<6_000 { ids.append(table.intern(type: "trade", code: "C\(i)")) }
        for i in (0..<6_000).reversed() { #expect(table.intern(type: "trade", code: "C\(i)") == ids[i]) }
        #expect(Set(ids).count == 6_000)
    }

    @Test("type and code are kept apart: (ab, c) and (a, bc) are different keys")
    func fieldsDoNotRunTogether() {
        var table = StreamKeyTable()
        let first = table.intern(type: "ab", code: "c")
        let second = table.intern(type: "a", code: "bc")
        #expect(first != second)
        #expect(table.classes.count == 2)
    }
}
