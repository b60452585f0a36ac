import Primitives
import Rules
import Testing
import Upbit

/// `StreamKeyTable` indexes a direct-mapped cache by the raw bits of its `String` arguments
/// (`unsafeBitCast`) in front of its own open-addressing table. The model is a `Dictionary` from
/// key to the id it got on first sight: every lookup must return the model's id, whatever the
/// strings' storage (inline or on the heap, built one way or another), through cache collisions
/// and table growth.
@Suite("Stream key table against a dictionary")
struct StreamKeyTableModelTests {
    /// Types and codes of every shape: short ones stored in the `String` value, long ones on the
    /// heap, empty, non-ASCII (in NFC: the model's equality is the table's then), and pairs whose
    /// concatenations coincide.
    static let types = [
        "ticker", "trade", "orderbook", "candle.1m", "candle.240m", "myAsset", "myOrder", "status",
        "a-type-name-longer-than-16", "ab", "a", "",
    ]

    static func code(_ n: Int) -> String {
        switch n % 6 {
        case 0: "KRW-C\(n)"
        case 1: "USDT-" + String(repeating: "X", count: 12) + "\(n)"  // heap storage
        case 2: "원화-\(n)"
        case 3: n % 12 == 3 ? "" : "c\(n)"
        case 4: "b" + code(n - 1)  // ("a", "bc3") beside ("ab", "c3")
        default: "BTC-\(n)"
        }
    }

    /// The same characters in a fresh `String` of another making: concatenated, from bytes, or
    /// from a substring, so that long strings get storage of their own.
    static func respelled(_ string: String, _ how: UInt64) -> String {
        switch how {
        case 0: string
        case 1: String(decoding: Array(string.utf8), as: UTF8.self)
        case 2: String(("#" + string).dropFirst())
        default: string.isEmpty ? "" : String(string.prefix(1)) + String(string.dropFirst())
        }
    }

    @Test(
        "every lookup returns the id the key got on first sight, in any string storage",
        arguments: [UInt64(31), 32, 33]
    )
    func matchesTheModel(seed: UInt64) {
        var random = Primitives.SplitMix64(seed: seed)
        var table = StreamKeyTable()
        var model: [StreamKey: Int32] = [:]
        var order: [StreamKey] = []
        for step in 0..<60_000 {
            // Mostly a working set that fits the cache, now and then from a pool far larger.
            let pool = random.chance(1, in: 10) ? 9_000 : 300
            let type = Self.types[Int(random.below(UInt64(Self.types.count)))]
            let code = Self.code(Int(random.below(UInt64(pool))))
            let key = StreamKey(type: type, code: code)
            let want: Int32
            if let known = model[key] {
                want = known
            } else {
                want = Int32(order.count)
                model[key] = want
                order.append(key)
            }
            let got = table.intern(
                type: Self.respelled(type, random.below(4)),
                code: Self.respelled(code, random.below(4))
            )
            guard got == want else {
                Issue.record("step \(step): (\(type), \(code)) got id \(got), the model \(want)")
                return
            }
        }
        #expect(order.count > 5_000)
        #expect(table.count == order.count)
        #expect(table.keys == order)
        #expect(table.classes == order.map { EventClass(type: $0.type) })
    }
}
