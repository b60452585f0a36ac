import Primitives

/// Appends JSON text fragments to a growable raw buffer without going through `String` or
/// per-byte `Array.append` (the synthetic feed writes hundreds of thousands of ~1 KB payloads per
/// second). Non-copyable, so the buffer has exactly one owner and is freed exactly once. Internal.
struct ByteWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(64, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far, as an exactly-sized array.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    @inline(__always) private mutating func ensure(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    @inline(never) private mutating func grow(_ needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = newCapacity
    }

    @inline(__always) mutating func byte(_ b: UInt8) {
        ensure(1)
        base[count] = b
        count += 1
    }

    @inline(__always) mutating func raw(_ s: StaticString) {
        raw(UnsafeRawPointer(s.utf8Start), s.utf8CodeUnitCount)
    }

    @inline(__always) mutating func raw(_ b: [UInt8]) {
        b.withUnsafeBytes { raw($0.baseAddress!, $0.count) }
    }

    @inline(__always) private mutating func raw(_ p: UnsafeRawPointer, _ n: Int) {
        guard n > 0 else { return }
        ensure(n)
        (base + count).update(from: p.assumingMemoryBound(to: UInt8.self), count: n)
        count += n
    }

    /// A member key with its punctuation: `,"name":` (or `"name":` when `first`), DEFAULT or SIMPLE.
    @inline(__always) mutating func key(
        _ simple: Bool,
        _ full: StaticString,
        _ short: StaticString,
        first: Bool = false
    ) {
        if !first { byte(0x2C) }
        byte(0x22)
        raw(simple ? short : full)
        byte(0x22)
        byte(0x3A)
    }

    /// A quoted string known to need no escaping.
    @inline(__always) mutating func quoted(_ s: StaticString) {
        byte(0x22)
        raw(s)
        byte(0x22)
    }

    @inline(__always) mutating func quoted(_ b: [UInt8]) {
        byte(0x22)
        raw(b)
        byte(0x22)
    }

    /// A decimal integer.
    mutating func int(_ v: Int64) {
        if v < 0 { byte(0x2D) }
        unsigned(v.magnitude, minDigits: 1)
    }

    /// The digits of `v`, left-padded with zeros to `minDigits`.
    mutating func unsigned(_ v: UInt64, minDigits: Int) {
        var digits = 1
        var rest = v / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        digits = max(digits, minDigits)
        ensure(digits)
        var x = v
        var k = count + digits
        while k > count {
            k -= 1
            base[k] = UInt8(truncatingIfNeeded: x % 10) &+ 0x30
            x /= 10
        }
        count += digits
    }

    /// A fixed-point decimal: `v / 10^scale`, trailing fraction zeros trimmed but at least
    /// `minFraction` fraction digits (padding with zeros beyond `scale` when asked), e.g.
    /// scale 8: 10_047_300_000_000_000 → `100473000` (min 0) or `100473000.00000000` (min 8).
    mutating func decimal(_ v: Int64, scale: Int, minFraction: Int = 0) {
        if v < 0 { byte(0x2D) }
        let m = v.magnitude
        var p: UInt64 = 1
        for _ in 0..<scale { p &*= 10 }
        unsigned(m / p, minDigits: 1)
        var fraction = m % p
        var digits = scale
        while digits > 0 && fraction % 10 == 0 && digits > minFraction {
            fraction /= 10
            digits -= 1
        }
        guard digits > 0 || minFraction > 0 else { return }
        byte(0x2E)
        if digits > 0 { unsigned(fraction, minDigits: digits) }
        for _ in digits..<max(digits, minFraction) { byte(0x30) }
    }

    /// `yyyy-MM-dd` (dashed) or `yyyyMMdd` of a Unix time in ms, UTC.
    mutating func date(_ ms: Int64, dashed: Bool) {
        let (y, m, d) = CivilTime.date(ms)
        unsigned(UInt64(y), minDigits: 4)
        if dashed { byte(0x2D) }
        unsigned(UInt64(m), minDigits: 2)
        if dashed { byte(0x2D) }
        unsigned(UInt64(d), minDigits: 2)
    }

    /// `HH:mm:ss` (colons) or `HHmmss` of a Unix time in ms, UTC.
    mutating func time(_ ms: Int64, colons: Bool) {
        let s = CivilTime.secondOfDay(ms)
        unsigned(UInt64(s / 3600), minDigits: 2)
        if colons { byte(0x3A) }
        unsigned(UInt64(s / 60 % 60), minDigits: 2)
        if colons { byte(0x3A) }
        unsigned(UInt64(s % 60), minDigits: 2)
    }
}
