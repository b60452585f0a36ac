import Primitives

/// What one input did: accepted or rejected by the code under test (every property held), or
/// the property it broke.
enum Verdict {
    case accepted
    case rejected
    case finding(String)
}

/// One fuzz target: a parser of untrusted bytes, the seeds its inputs are mutated from, and the
/// properties every input must satisfy.
struct FuzzTarget {
    /// Short name used on the command line and in reports.
    let name: String
    /// Valid inputs that mutations start from.
    let seeds: [[UInt8]]
    /// Runs the code under test on one input and checks the properties.
    let check: ([UInt8]) -> Verdict
    /// A target-specific generator used for some inputs instead of a mutated seed (nil: none).
    var generate: ((inout SplitMix64) -> [UInt8])? = nil

    /// Input number `index` of a run seeded with `seed`; depends on nothing else, so any input of
    /// a run can be regenerated alone (`--index`).
    func input(seed: UInt64, index: Int) -> [UInt8] {
        var salt: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { salt = (salt ^ UInt64(b)) &* 0x100_0000_01B3 }
        var rng = SplitMix64(seed: seed ^ salt ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        _ = rng.next()
        let roll = rng.below(100)
        if roll < 4 {
            // Purely random bytes.
            return Mutator.randomBytes(Int(rng.below(256)), &rng)
        }
        var base: [UInt8]
        if let generate, roll < 30 {
            base = generate(&rng)
        } else {
            base = seeds[Int(rng.below(UInt64(seeds.count)))]
        }
        // One input in ten is left valid, so the properties of accepted inputs are checked too.
        let rounds = rng.below(10) == 0 ? 0 : 1 + Int(rng.below(rng.below(2) == 0 ? 3 : 10))
        base = Mutator.mutate(base, rounds: rounds, donors: seeds, &rng)
        return base
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hex, two digits a byte.
    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses lower- or upper-case hex; nil on an odd length or a non-hex character.
    init?(hex: String) {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x57
            case 0x41...0x46: return c - 0x37
            default: return nil
            }
        }
        var out: [UInt8] = []
        var k = 0
        while k < chars.count {
            guard let hi = nibble(chars[k]), let lo = nibble(chars[k + 1]) else { return nil }
            out.append(hi << 4 | lo)
            k += 2
        }
        self = out
    }
}

/// Printable text of an input for messages: the bytes as UTF-8, shortened.
func preview(_ bytes: [UInt8], limit: Int = 160) -> String {
    let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
    return bytes.count > limit ? text + "…" : text
}
