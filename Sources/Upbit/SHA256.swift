import CAccel

/// SHA-256 (FIPS 180-4): delivery digests (SPEC §7: "SHA-256 over delivered
/// (epoch, seq)"), the simulator's truth log and the benchmarks' comparisons, so that neither the
/// core nor the simulator needs swift-crypto (kept for the JWT of private streams).
///
/// Blocks are compressed with the CPU's SHA instructions where it has them (x86 SHA extensions,
/// through the CAccel target: about ten times faster, which matters for a simulator hashing
/// every frame it sends) and in portable Swift otherwise; both give the same digests.
///
/// Incremental and allocation-free: state and pending block are inline words. Whole blocks are
/// compressed straight from the caller's bytes; the word API (``update(bigEndian:)-(UInt32)``)
/// appends integers without going through bytes, which is what per-delivery digests do.
public struct SHA256: Sendable {
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

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
            Self.roundConstants.withUnsafeBufferPointer { k in
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
        withUnsafeMutablePointer(to: &block) { blockPointer in
            blockPointer.withMemoryRebound(to: UInt32.self, capacity: 16) { w in
                Self.roundConstants.withUnsafeBufferPointer { k in
                    withState { h in Self.compress(k: k, w: w, h: h) }
                }
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
