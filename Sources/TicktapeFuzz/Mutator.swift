import Primitives

/// Seeded byte-level mutations of seed inputs: flips, structural bytes, deletion, insertion,
/// truncation, duplication, splicing, numeric edge values and deep nesting.
struct Mutator {
    /// Inputs never grow beyond this (keeps one input's cost bounded).
    static let maxLength = 1 << 16

    /// Tokens worth inserting into JSON-like inputs: structure, escapes, literals, edge numbers.
    static let tokens: [[UInt8]] = [
        "{", "}", "[", "]", "\"", ":", ",", "\\", " ", "\t", "\n", "\r", "\u{0}", "\u{1F}", "\u{7F}",
        "\\u", "\\u0000", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\uDBFF\\uDFFF", "\\/", "\\\"", "\\x",
        "true", "false", "null", "tru", "nul", "-", "+", ".", "e", "E", "e+", "E-",
        "0", "-0", "00", "01", "-01", "0.", ".5", "1e", "1e999", "-1e-999", "1E+2", "0.0e0",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "99999999999999999999999999999",
        "4294967295", "4294967296", "65535", "65536", "-1", "\u{C3}", "\u{C3}\u{28}", "\u{ED}\u{A0}\u{80}",
        "\u{F0}\u{9F}\u{98}", "\u{FF}", "é", "😀", "\u{301}", "\u{200D}", "\\u0301", "\\r\\n", "\"type\"", "\"ty\"",
        "\"code\"", "\"cd\"", "\"timestamp\"",
        "\"tms\"", "\"stream_type\"", "\"st\"", "\"sequential_id\"", "\"sid\"", "\"status\"", "\"error\"",
        "\"method\"", "\"mthd\"", "\"trade\"", "\"ticker\"", "\"orderbook\"", "\"candle.1s\"", "\"candle.\"",
        "\"myOrder\"", "\"myAsset\"", "\"SNAPSHOT\"", "\"REALTIME\"", "\"KRW-BTC.15\"", "\".5\"", "\"a.\"",
    ].map { Array($0.utf8) }

    /// Numbers that sit on a parser's edges, for replacing a digit run.
    static let numbers: [[UInt8]] = [
        "0", "-0", "1", "-1", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "1e308", "1e309", "-1e-400",
        "0.000000000000000000001", "123456789012345678901234567890", "4294967296", "65536", "125", "126", "127",
        "1.618678262712E12", "1618678262712.0", "1691530805062000", "1.8446744073709551615E19",
        "1.8446744073709551616E19",
        "9.223372036854775808E18", "-9.223372036854775808E18", "0E-999", "5E-1000", "1.0E-4", "100E-2", "1.5E0",
    ].map { Array($0.utf8) }

    /// `count` random bytes, biased towards JSON structure one time in two.
    static func randomBytes(_ count: Int, _ rng: inout SplitMix64) -> [UInt8] {
        let special = Array("{}[]\":,\\ 0123456789.eE-+tfnul".utf8)
        return (0..<count).map { _ in
            rng.below(2) == 0 ? UInt8(truncatingIfNeeded: rng.next()) : special[Int(rng.below(UInt64(special.count)))]
        }
    }

    /// Applies `rounds` mutations to `input`; `donors` supply bytes for splicing.
    static func mutate(
        _ input: [UInt8],
        rounds: Int,
        donors: [[UInt8]],
        _ rng: inout SplitMix64
    ) -> [UInt8] {
        var b = input
        for _ in 0..<rounds {
            b = once(b, donors: donors, &rng)
            if b.count > maxLength { b.removeSubrange(maxLength...) }
        }
        return b
    }

    private static func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T {
        items[Int(rng.below(UInt64(items.count)))]
    }

    private static func once(_ input: [UInt8], donors: [[UInt8]], _ rng: inout SplitMix64) -> [UInt8] {
        var b = input
        guard !b.isEmpty else { return pick(tokens, &rng) }
        let at = Int(rng.below(UInt64(b.count)))
        switch rng.below(13) {
        case 0: b[at] ^= 1 << UInt8(rng.below(8))
        case 1: b[at] = UInt8(truncatingIfNeeded: rng.next())
        case 2: b[at] = pick(Array("{}[]\":,\\ 0-.eE".utf8), &rng)
        case 3:
            let len = Int(rng.below(UInt64(min(32, b.count - at)))) + 1
            b.removeSubrange(at..<at + len)
        case 4: b.insert(contentsOf: randomBytes(Int(rng.below(8)) + 1, &rng), at: at)
        case 5: b.removeSubrange(at...)
        case 6:
            // Duplicate a range (repeated members, repeated frames).
            let len = Int(rng.below(UInt64(min(64, b.count - at)))) + 1
            let copy = Array(b[at..<at + len])
            let to = Int(rng.below(UInt64(b.count + 1)))
            for _ in 0..<(1 + Int(rng.below(3))) { b.insert(contentsOf: copy, at: to) }
        case 7:
            // Splice: this input's head with another seed's tail.
            let donor = pick(donors, &rng)
            guard !donor.isEmpty else { break }
            let from = Int(rng.below(UInt64(donor.count)))
            b = Array(b[..<at]) + donor[from...]
        case 8, 9: b.insert(contentsOf: pick(tokens, &rng), at: at)
        case 10:
            // Replace the digit run at or after `at` with an edge value.
            guard let start = b[at...].firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) else { break }
            var end = start
            while end < b.count, b[end] >= 0x30 && b[end] <= 0x39 || b[end] == 0x2E { end += 1 }
            let s = start > 0 && b[start - 1] == 0x2D ? start - 1 : start
            b.replaceSubrange(s..<end, with: pick(numbers, &rng))
        case 11:
            // Deep nesting around the input, near the depth limit or far beyond it.
            let depth = pick([1, 2, 62, 63, 64, 65, 66, 200, 3_000], &rng)
            let object = rng.below(2) == 0
            let open: [UInt8] = object ? Array("{\"a\":".utf8) : [0x5B]
            let close: UInt8 = object ? 0x7D : 0x5D
            var out: [UInt8] = []
            out.reserveCapacity(b.count + depth * (open.count + 1))
            for _ in 0..<depth { out += open }
            out += b
            out += [UInt8](repeating: close, count: depth - Int(rng.below(2)))
            b = out
        default:
            // Swap two bytes.
            let other = Int(rng.below(UInt64(b.count)))
            b.swapAt(at, other)
        }
        return b
    }
}
