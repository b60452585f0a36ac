import CAccel

/// SHA-256 (FIPS 180-4): delivery digests (over each consumer's delivered (epoch, seq)), the
/// simulator's truth log and the benchmarks' comparisons, so that neither the
/// core nor the simulator needs swift-crypto (kept for the JWT of private streams).
///
/// Blocks are compressed with the CPU's SHA instructions where it has them (x86 SHA extensions,
/// through the CAccel target: far faster than portable code, which matters for a simulator
/// hashing every frame it sends) and in portable Swift otherwise; both give the same digests.
///
/// Incremental and allocation-free: state and pending block are inline words. Whole blocks are
/// compressed straight from the caller's bytes; the word API (``update(bigEndian:)-(UInt32)``)
/// appends integers without going through bytes, which is what per-delivery digests do.
public struct SHA256: Sendable {
    /// FIPS 180-4's round constants, kept once, in the C target.
    private static var roundConstants: UnsafeBufferPointer<UInt32> {
        UnsafeBufferPointer(start: ticktape_sha256_round_constants(), count: 64)
    }

    private typealias Words8 = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    private typealias Words16 = (
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32
    )

    /// The eight hash words.
    private var state: Words8 = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    /// The pending block as sixteen big-endian words; bytes not yet written are zero.
    private var words: Words16 = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// Whether this CPU compresses blocks itself (see the type's documentation).
    static let hardware = ticktape_sha256_available() != 0

    /// Bytes in the pending block.
    private var used = 0
    private var byteCount: UInt64 = 0

    /// Whether this hash uses the SHA instructions (``hardware``, unless a test asked for the
    /// portable compression).
    private let accelerated: Bool

    /// A fresh hash state.
    public init() { accelerated = Self.hardware }

    /// A fresh hash state that uses the SHA instructions only if `accelerated` and available:
    /// lets the tests compare the two compressions on the same machine.
    init(accelerated: Bool) { self.accelerated = accelerated && Self.hardware }

    /// Absorbs one byte.
    public mutating func update(_ byte: UInt8) {
        let shift = UInt32(3 - (used & 3)) * 8
        let index = used >> 2
        withWords { $0[index] |= UInt32(byte) << shift }
        used += 1
        byteCount &+= 1
        if used == 64 { compressPending() }
    }

    /// Absorbs bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        // Fill the pending block first, a byte at a time (at most 63 bytes).
        while used != 0, offset < bytes.count {
            update(bytes[offset])
            offset += 1
        }
        // Whole blocks straight from the input.
        if bytes.count - offset >= 64, accelerated {
            let blocks = (bytes.count - offset) / 64
            let start = bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
            withState { h in ticktape_sha256_blocks(h, start, blocks) }
            offset += blocks * 64
            byteCount &+= UInt64(blocks * 64)
        } else if bytes.count - offset >= 64 {
            let blocks = (bytes.count - offset) / 64
            let k = Self.roundConstants
            withState { h in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
                    for b in 0..<blocks {
                        let base = offset + b * 64
                        for t in 0..<16 {
                            let word = bytes.loadUnaligned(fromByteOffset: base + 4 * t, as: UInt32.self)
                            w[t] = UInt32(bigEndian: word)
                        }
                        Self.compress(k: k, w: w.baseAddress!, h: h)
                    }
                }
            }
            offset += blocks * 64
            byteCount &+= UInt64(blocks * 64)
        }
        while offset < bytes.count {
            update(bytes[offset])
            offset += 1
        }
    }

    /// Absorbs the bytes of an array.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Appends `value` as its four big-endian bytes.
    public mutating func update(bigEndian value: UInt32) {
        guard used & 3 == 0 else {
            update(UInt8(truncatingIfNeeded: value >> 24))
            update(UInt8(truncatingIfNeeded: value >> 16))
            update(UInt8(truncatingIfNeeded: value >> 8))
            update(UInt8(truncatingIfNeeded: value))
            return
        }
        let index = used >> 2
        withWords { $0[index] = value }
        used += 4
        byteCount &+= 4
        if used == 64 { compressPending() }
    }

    /// Appends `value` as its eight big-endian bytes.
    public mutating func update(bigEndian value: UInt64) {
        update(bigEndian: UInt32(truncatingIfNeeded: value >> 32))
        update(bigEndian: UInt32(truncatingIfNeeded: value))
    }

    /// The 32-byte digest of everything absorbed so far; the state can keep absorbing afterwards.
    public func finalize() -> [UInt8] {
        var copy = self
        let bitLength = byteCount &* 8
        copy.update(0x80)
        while copy.used != 56 { copy.update(0) }
        copy.update(bigEndian: bitLength)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for i in 0..<8 {
            let word = copy.withState { $0[i] }
            out.append(UInt8(truncatingIfNeeded: word >> 24))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word))
        }
        return out
    }

    /// The digest as lower-case hex.
    public var hex: String { Self.hex(finalize()) }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            digits.withUTF8Buffer { digits in
                for (i, byte) in bytes.enumerated() {
                    out[2 * i] = digits[Int(byte >> 4)]
                    out[2 * i + 1] = digits[Int(byte & 0xF)]
                }
            }
            return bytes.count * 2
        }
    }

    /// The digest of one array.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var s = SHA256()
        s.update(bytes)
        return s.finalize()
    }

    @inline(__always)
    private mutating func withWords<R>(_ body: (UnsafeMutablePointer<UInt32>) -> R) -> R {
        withUnsafeMutablePointer(to: &words) { $0.withMemoryRebound(to: UInt32.self, capacity: 16, body) }
    }

    @inline(__always)
    private mutating func withState<R>(_ body: (UnsafeMutablePointer<UInt32>) -> R) -> R {
        withUnsafeMutablePointer(to: &state) { $0.withMemoryRebound(to: UInt32.self, capacity: 8, body) }
    }

    /// Compresses the full pending block and empties it.
    private mutating func compressPending() {
        used = 0
        if accelerated {
            withUnsafeMutablePointer(to: &state) { state in
                withUnsafeMutablePointer(to: &words) { words in
                    state.withMemoryRebound(to: UInt32.self, capacity: 8) { h in
                        words.withMemoryRebound(to: UInt32.self, capacity: 16) { w in ticktape_sha256_words(h, w) }
                    }
                }
            }
            words = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            return
        }
        var block = words
        words = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let k = Self.roundConstants
        withUnsafeMutablePointer(to: &block) { blockPointer in
            blockPointer.withMemoryRebound(to: UInt32.self, capacity: 16) { w in
                withState { h in Self.compress(k: k, w: w, h: h) }
            }
        }
    }

    /// One block; `w` holds its sixteen words and is reused as the rolling message schedule.
    private static func compress(
        k: UnsafeBufferPointer<UInt32>,
        w: UnsafeMutablePointer<UInt32>,
        h: UnsafeMutablePointer<UInt32>
    ) {
        var a = h[0]
        var b = h[1]
        var c = h[2]
        var d = h[3]
        var e = h[4]
        var f = h[5]
        var g = h[6]
        var hh = h[7]
        for i in 0..<64 {
            let wi: UInt32
            if i < 16 {
                wi = w[i]
            } else {
                let w15 = w[(i - 15) & 15]
                let w2 = w[(i - 2) & 15]
                let s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3)
                let s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10)
                wi = w[i & 15] &+ s0 &+ w[(i - 7) & 15] &+ s1
                w[i & 15] = wi
            }
            let sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let choice = (e & f) ^ (~e & g)
            let t1 = hh &+ sum1 &+ choice &+ k[i] &+ wi
            let sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = sum0 &+ majority
            hh = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
        }
        h[0] &+= a
        h[1] &+= b
        h[2] &+= c
        h[3] &+= d
        h[4] &+= e
        h[5] &+= f
        h[6] &+= g
        h[7] &+= hh
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
}
