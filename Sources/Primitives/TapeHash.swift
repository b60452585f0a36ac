/// The fixed 64-bit hash behind idempotency keys. It is part of the tape format (every tape
/// stores the keys in `frame_facts`): keys stored in a tape are only comparable while this
/// definition stays exactly as written.
///
/// Definition (tape format v1), an xxHash64-style hash that is streaming and independent of how
/// the input is split into chunks (it is *not* xxHash64-compatible):
/// - constants P1, P2, P3, P5 are xxHash64's primes; `round(a, w) = rotl(a &+ w &* P2, 31) &* P1`;
/// - four lanes start at `P1 &+ P2`, `P2`, `0`, `0 &- P1`; the input is cut into 32-byte
///   stripes, lane k absorbing the k-th little-endian 64-bit word of each stripe with `round`;
/// - then `h = rotl(l1, 1) &+ rotl(l2, 7) &+ rotl(l3, 12) &+ rotl(l4, 18)`; the 0–31 bytes after
///   the last stripe are absorbed as little-endian words, `h = round(h, w)`, a final partial word
///   zero-padded;
/// - finally `h ^= totalByteCount` and xxHash64's avalanche:
///   `h ^= h >> 33; h &*= P2; h ^= h >> 29; h &*= P3; h ^= h >> 32`.
///
/// Four independent lanes keep it near memory speed on ~1 KB frames, where a byte-at-a-time hash
/// such as FNV-1a is several times slower.
public struct TapeHash64: Sendable {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    private var l1: UInt64 = TapeHash64.p1 &+ TapeHash64.p2
    private var l2: UInt64 = TapeHash64.p2
    private var l3: UInt64 = 0
    private var l4: UInt64 = 0 &- TapeHash64.p1
    private var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var buffered = 0
    private var total: UInt64 = 0

    /// An empty hash state.
    public init() {}

    @inline(__always)
    private static func round(_ acc: UInt64, _ word: UInt64) -> UInt64 {
        let mixed = acc &+ word &* p2
        return ((mixed << 31) | (mixed >> 33)) &* p1
    }

    @inline(__always)
    private static func rotl(_ v: UInt64, _ r: UInt64) -> UInt64 { (v << r) | (v >> (64 - r)) }

    @inline(__always)
    private static func word(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Absorbs `count` bytes starting at `start`.
    @inline(__always)
    public mutating func update(_ start: UnsafeRawPointer, count: Int) {
        guard count > 0 else { return }
        total &+= UInt64(count)
        var offset = 0
        if buffered > 0 || count < 32 {
            let take = min(32 - buffered, count)
            let at = buffered
            withUnsafeMutableBytes(of: &buffer) {
                $0.baseAddress!.advanced(by: at).copyMemory(from: start, byteCount: take)
            }
            buffered += take
            offset = take
            guard buffered == 32 else { return }
            let stripe = buffer
            withUnsafeBytes(of: stripe) { absorbStripes($0.baseAddress!, count: 32) }
            buffered = 0
        }
        let whole = (count - offset) & ~31
        absorbStripes(start + offset, count: whole)
        offset += whole
        if offset < count {
            let rest = count - offset
            withUnsafeMutableBytes(of: &buffer) { $0.baseAddress!.copyMemory(from: start + offset, byteCount: rest) }
            buffered = rest
        }
    }

    @inline(__always)
    private mutating func absorbStripes(_ p: UnsafeRawPointer, count: Int) {
        var (a, b, c, d) = (l1, l2, l3, l4)
        var k = 0
        while k < count {
            a = Self.round(a, Self.word(p, k))
            b = Self.round(b, Self.word(p, k + 8))
            c = Self.round(c, Self.word(p, k + 16))
            d = Self.round(d, Self.word(p, k + 24))
            k += 32
        }
        (l1, l2, l3, l4) = (a, b, c, d)
    }

    /// Absorbs the bytes of a buffer.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        update(base, count: bytes.count)
    }

    /// Absorbs the bytes of an array.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Absorbs one byte.
    public mutating func update(byte: UInt8) {
        withUnsafeBytes(of: byte) { update($0) }
    }

    /// Absorbs a 64-bit integer as 8 little-endian bytes.
    public mutating func update(le64 value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { update($0) }
    }

    /// Absorbs the UTF-8 bytes of a string.
    public mutating func update(utf8 string: String) {
        var copy = string
        copy.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The hash of everything absorbed so far (the state is not consumed).
    public func finalize() -> UInt64 {
        var h = Self.rotl(l1, 1) &+ Self.rotl(l2, 7) &+ Self.rotl(l3, 12) &+ Self.rotl(l4, 18)
        let count = buffered
        withUnsafeBytes(of: buffer) { raw in
            var k = 0
            while k + 8 <= count {
                h = Self.round(h, Self.word(raw.baseAddress!, k))
                k += 8
            }
            if k < count {
                let mask: UInt64 = (1 << UInt64(8 * (count - k))) &- 1
                h = Self.round(h, Self.word(raw.baseAddress!, k) & mask)
            }
        }
        h ^= total
        h ^= h >> 33
        h &*= Self.p2
        h ^= h >> 29
        h &*= Self.p3
        h ^= h >> 32
        return h
    }

    /// The hash of one byte array.
    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        var h = TapeHash64()
        h.update(bytes)
        return h.finalize()
    }
}
