/// String handling of ``ScanCore``: the fast no-escape path, escape validation with canonical
/// re-encoding for the digest, and decoding of the few strings whose text is needed.
extension ScanCore {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Scans string content from `i` (just after the opening quote) through the closing quote.
    /// Sets `lastEscaped` when the content holds any escape.
    @inline(__always)
    mutating func string() -> Bool {
        // A local cursor: stores through `self` would otherwise be forced by every raw load.
        var j = i
        var escaped = false
        while true {
            if j + 8 <= n {
                // SWAR: flag bytes that are `"`, `\` or below 0x20. The lowest flag is exact (borrows
                // only run upwards from a true hit), so we can jump straight to the first one.
                let w = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                let quote = w ^ 0x2222_2222_2222_2222
                let slash = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let flags =
                    (((quote &- Self.ones) & ~quote) | ((slash &- Self.ones) & ~slash)
                        | ((w &- Self.ones &* 0x20) & ~w)) & Self.highs
                if flags == 0 {
                    j += 8
                    continue
                }
                j += flags.trailingZeroBitCount >> 3
            } else if j >= n {
                i = j
                return false
            }
            let c = p.load(fromByteOffset: j, as: UInt8.self)
            if c == 0x22 {
                i = j + 1
                lastEscaped = escaped
                return true
            }
            if c == 0x5C {
                escaped = true
                i = j
                guard escape() else { return false }
                j = i
                continue
            }
            if c < 0x20 {
                i = j
                return false
            }
            j += 1
        }
    }

    /// Validates the escape at `i`. Escapes whose canonical form differs from their text (`\/`
    /// and `\uXXXX`) break the raw run: the canonical bytes go to the digest instead.
    private mutating func escape() -> Bool {
        guard i + 1 < n else { return false }
        switch at(i + 1) {
        case 0x22, 0x5C, 0x62, 0x66, 0x6E, 0x72, 0x74:
            i += 2
            return true
        case 0x2F:
            flush(to: i)
            absorbCanonical(0x2F)
            i += 2
            runStart = i
            return true
        case 0x75:
            guard let (scalar, end) = unicodeEscape(at: i) else { return false }
            flush(to: i)
            absorbCanonical(scalar)
            i = end
            runStart = i
            return true
        default:
            return false
        }
    }

    /// Decodes `\uXXXX` (with a following low surrogate when the first is a high one) at `k`.
    /// Lone surrogates are malformed, as in `JSONValue.parse(_:maxDepth:)`.
    func unicodeEscape(at k: Int) -> (UInt32, Int)? { Self.unicodeEscape(p, n, at: k) }

    static func unicodeEscape(_ p: UnsafeRawPointer, _ n: Int, at k: Int) -> (UInt32, Int)? {
        func at(_ j: Int) -> UInt8 { p.load(fromByteOffset: j, as: UInt8.self) }
        func hex4(at j: Int) -> UInt32? { Self.hex4(p, n, at: j) }
        guard let high = hex4(at: k + 2) else { return nil }
        switch high {
        case 0xD800...0xDBFF:
            guard k + 12 <= n, at(k + 6) == 0x5C, at(k + 7) == 0x75, let low = hex4(at: k + 8),
                (0xDC00...0xDFFF).contains(low)
            else { return nil }
            return (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), k + 12)
        case 0xDC00...0xDFFF:
            return nil
        default:
            return (high, k + 6)
        }
    }

    private static func hex4(_ p: UnsafeRawPointer, _ n: Int, at k: Int) -> UInt32? {
        guard k + 4 <= n else { return nil }
        var v: UInt32 = 0
        for j in k..<k + 4 {
            let c = p.load(fromByteOffset: j, as: UInt8.self)
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// Feeds the canonical serialization of one scalar (see `JSONValue.serialized()`).
    private mutating func absorbCanonical(_ scalar: UInt32) {
        guard !suppress else { return }
        var word: UInt64 = 0
        var count = 0
        func put(_ b: UInt32) {
            word |= UInt64(b & 0xFF) << (8 * count)
            count += 1
        }
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        switch scalar {
        case 0x22, 0x5C:
            put(0x5C)
            put(scalar)
        case 0x08:
            put(0x5C)
            put(0x62)
        case 0x0C:
            put(0x5C)
            put(0x66)
        case 0x0A:
            put(0x5C)
            put(0x6E)
        case 0x0D:
            put(0x5C)
            put(0x72)
        case 0x09:
            put(0x5C)
            put(0x74)
        case 0..<0x20:
            for b in [0x5C, 0x75, 0x30, 0x30] as [UInt32] { put(b) }
            put(UInt32(hex[Int(scalar >> 4)]))
            put(UInt32(hex[Int(scalar & 0xF)]))
        case 0..<0x80: put(scalar)
        case 0..<0x800:
            put(0xC0 | scalar >> 6)
            put(0x80 | scalar & 0x3F)
        case 0..<0x10000:
            put(0xE0 | scalar >> 12)
            put(0x80 | scalar >> 6 & 0x3F)
            put(0x80 | scalar & 0x3F)
        default:
            put(0xF0 | scalar >> 18)
            put(0x80 | scalar >> 12 & 0x3F)
            put(0x80 | scalar >> 6 & 0x3F)
            put(0x80 | scalar & 0x3F)
        }
        let bytes = word.littleEndian
        withUnsafeBytes(of: bytes) { hasher.update($0.baseAddress!, count: count) }
    }

    /// The decoded UTF-8 bytes of already validated string content `[start, end)`.
    static func decode(_ p: UnsafeRawPointer, _ start: Int, _ end: Int) -> [UInt8] {
        func at(_ j: Int) -> UInt8 { p.load(fromByteOffset: j, as: UInt8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var k = start
        while k < end {
            let c = at(k)
            guard c == 0x5C, k + 1 < end else {
                out.append(c)
                k += 1
                continue
            }
            let e = at(k + 1)
            k += 2
            switch e {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard let (scalar, next) = unicodeEscape(p, end, at: k - 2), let u = Unicode.Scalar(scalar) else {
                    return out
                }
                out.append(contentsOf: UTF8.encode(u)!)
                k = next
            default: out.append(e)
            }
        }
        return out
    }

    /// The text of a string span.
    func text(_ span: Span) -> String {
        if span.escaped { return String(decoding: Self.decode(p, span.start, span.end), as: UTF8.self) }
        return String(
            decoding: UnsafeRawBufferPointer(start: p + span.start, count: span.end - span.start),
            as: UTF8.self
        )
    }
}
