/// Number handling of ``ScanCore``: RFC 8259 number grammar with an eight-digits-at-a-time path.
extension ScanCore {
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, on a local cursor.
    @inline(__always)
    mutating func number() -> Bool {
        var j = i
        defer { i = j }
        if at(j) == 0x2D { j += 1 }
        guard j < n else { return false }
        if at(j) == 0x30 {
            j += 1
        } else {
            guard Self.digits(p, n, &j) else { return false }
        }
        if j < n && at(j) == 0x2E {
            j += 1
            guard Self.digits(p, n, &j) else { return false }
        }
        if j < n && (at(j) == 0x65 || at(j) == 0x45) {
            j += 1
            if j < n && (at(j) == 0x2B || at(j) == 0x2D) { j += 1 }
            guard Self.digits(p, n, &j) else { return false }
        }
        return true
    }

    /// One or more ASCII digits from `j`; eight at a time where possible (a byte is a digit iff its
    /// high nibble is 3 and its low nibble is below 10; no carries cross bytes, so flags are exact).
    @inline(__always)
    private static func digits(_ p: UnsafeRawPointer, _ n: Int, _ j: inout Int) -> Bool {
        let start = j
        while j + 8 <= n {
            let t = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: j, as: UInt64.self)) ^ 0x3030_3030_3030_3030
            let low = t & 0x0F0F_0F0F_0F0F_0F0F
            let flags = (t & 0xF0F0_F0F0_F0F0_F0F0) | ((low &+ 0x0606_0606_0606_0606) & 0x1010_1010_1010_1010)
            if flags != 0 {
                j += flags.trailingZeroBitCount >> 3
                return j > start
            }
            j += 8
        }
        while j < n, case 0x30...0x39 = p.load(fromByteOffset: j, as: UInt8.self) { j += 1 }
        return j > start
    }
}
