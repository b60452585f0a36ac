import Primitives

/// The single pass behind ``UpbitScanner``: validates the whole payload against the JSON grammar
/// (RFC 8259, without UTF-8 validation), remembers where the first occurrence of each interesting
/// top-level key's value lies, and feeds the payload digest on the way.
///
/// The digest is defined over the payload's *canonical compact form* (what
/// `JSONValue.serialized()` writes for it) with every top-level `stream_type`/`st` value left
/// out (key and colon stay). For Upbit's compact, escape-free frames that is exactly the raw bytes
/// minus the stream-type value; whitespace outside strings is skipped, and the rare `\/` and
/// `\uXXXX` escapes are re-encoded canonically, so the scanner agrees with a full parse.
struct ScanCore {
    /// Containers may nest this deep (the top-level object is depth 1); deeper is malformed.
    /// Equal to `JSONValue.defaultMaxDepth` (a literal, so the hot path reads a constant).
    static let maxDepth = 64

    enum Key: UInt8 {
        case type, code, timestamp, streamType, sequentialID, status, error, method, other
    }

    enum Kind: UInt8 {
        case string, number, object, array, literal
    }

    /// Where a top-level value lies; for strings, the content between the quotes.
    struct Span {
        var kind: Kind
        var start: Int
        var end: Int
        var escaped: Bool
    }

    let p: UnsafeRawPointer
    let n: Int
    var i = 0
    var runStart = 0
    var suppress = false
    var lastEscaped = false
    var hasher = TapeHash64()
    var spans:
        (
            type: Span?, code: Span?, timestamp: Span?, streamType: Span?,
            sequentialID: Span?, status: Span?, error: Span?, method: Span?
        ) = (nil, nil, nil, nil, nil, nil, nil, nil)

    init(_ base: UnsafeRawPointer, count: Int) {
        p = base
        n = count
    }

    @inline(__always) func at(_ k: Int) -> UInt8 { p.load(fromByteOffset: k, as: UInt8.self) }

    /// Feeds the pending raw run `[runStart, end)` to the digest.
    @inline(__always) mutating func flush(to end: Int) {
        if !suppress && end > runStart { hasher.update(p + runStart, count: end - runStart) }
        runStart = end
    }

    /// Skips insignificant whitespace; the common no-whitespace case costs one compare.
    @inline(__always) mutating func skipWS() {
        if i < n && at(i) <= 0x20 { skipWhitespaceRun() }
    }

    @inline(never) private mutating func skipWhitespaceRun() {
        var c = at(i)
        guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
        flush(to: i)
        repeat {
            i += 1
            guard i < n else { break }
            c = at(i)
        } while c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
        runStart = i
    }

    /// Scans the whole payload; false when it is not one well-formed JSON object.
    mutating func scanTop() -> Bool {
        skipWS()
        guard i < n, at(i) == 0x7B else { return false }
        i += 1
        skipWS()
        guard i < n else { return false }
        if at(i) == 0x7D {
            i += 1
        } else {
            while true {
                guard i < n, at(i) == 0x22 else { return false }
                i += 1
                let keyStart = i
                guard string() else { return false }
                let key = Self.classify(p, n, keyStart, i - 1, escaped: lastEscaped)
                skipWS()
                guard i < n, at(i) == 0x3A else { return false }
                i += 1
                skipWS()
                let valueStart = i
                if key == .streamType {
                    flush(to: i)
                    suppress = true
                }
                // Strings and numbers inline (most members); containers and literals via value().
                let kind: Kind
                let first = i < n ? at(i) : 0
                if first == 0x22 {
                    i += 1
                    guard string() else { return false }
                    kind = .string
                } else if first == 0x2D || (first >= 0x30 && first <= 0x39) {
                    guard number() else { return false }
                    kind = .number
                } else {
                    guard let other = value(depth: 1) else { return false }
                    kind = other
                }
                if key == .streamType {
                    suppress = false
                    runStart = i
                }
                if key != .other { record(key, kind, valueStart, i) }
                skipWS()
                guard i < n else { return false }
                let c = at(i)
                i += 1
                if c == 0x2C {
                    skipWS()
                } else if c == 0x7D {
                    break
                } else {
                    return false
                }
            }
        }
        skipWS()
        guard i == n else { return false }
        flush(to: n)
        return true
    }

    private mutating func record(_ key: Key, _ kind: Kind, _ start: Int, _ end: Int) {
        let span =
            kind == .string
            ? Span(kind: kind, start: start + 1, end: end - 1, escaped: lastEscaped)
            : Span(kind: kind, start: start, end: end, escaped: false)
        switch key {
        case .type: if spans.type == nil { spans.type = span }
        case .code: if spans.code == nil { spans.code = span }
        case .timestamp: if spans.timestamp == nil { spans.timestamp = span }
        case .streamType: if spans.streamType == nil { spans.streamType = span }
        case .sequentialID: if spans.sequentialID == nil { spans.sequentialID = span }
        case .status: if spans.status == nil { spans.status = span }
        case .error: if spans.error == nil { spans.error = span }
        case .method: if spans.method == nil { spans.method = span }
        case .other: break
        }
    }

    /// Classifies a top-level key (both DEFAULT and SIMPLE spellings) by comparing its bytes, read
    /// as two little-endian words, with the packed key names. Static and pointer-based so the hot
    /// loop never copies the scanner state.
    @inline(__always)
    private static func classify(_ p: UnsafeRawPointer, _ n: Int, _ start: Int, _ end: Int, escaped: Bool) -> Key {
        if escaped {
            let bytes = decode(p, start, end)
            return bytes.withUnsafeBytes { classify($0.baseAddress!, $0.count, 0, $0.count, escaped: false) }
        }
        let count = end - start
        guard count >= 2 && count <= 13 else { return .other }
        let w0 = packed(p, n, start, min(count, 8))
        let w1 = count > 8 ? packed(p, n, start + 8, count - 8) : 0
        switch (count, w0, w1) {
        case (2, 0x7974, _), (4, 0x6570_7974, _): return .type
        case (2, 0x6463, _), (4, 0x6564_6F63, _): return .code
        case (2, 0x7473, _), (11, 0x745F_6D61_6572_7473, 0x65_7079): return .streamType
        case (3, 0x73_6D74, _), (9, 0x6D61_7473_656D_6974, 0x70): return .timestamp
        case (3, 0x64_6973, _), (13, 0x6974_6E65_7571_6573, 0x64_695F_6C61): return .sequentialID
        case (4, 0x6468_746D, _), (6, 0x646F_6874_656D, _): return .method
        case (5, 0x72_6F72_7265, _): return .error
        case (6, 0x7375_7461_7473, _): return .status
        default: return .other
        }
    }

    /// `count` (1…8) bytes at `start` as a little-endian word, upper bytes zero.
    @inline(__always)
    private static func packed(_ p: UnsafeRawPointer, _ n: Int, _ start: Int, _ count: Int) -> UInt64 {
        if start + 8 <= n {
            let w = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            return count == 8 ? w : w & ((1 << UInt64(8 * count)) &- 1)
        }
        var w: UInt64 = 0
        for k in 0..<count { w |= UInt64(p.load(fromByteOffset: start + k, as: UInt8.self)) << UInt64(8 * k) }
        return w
    }

    private static func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafeRawPointer?, _ count: Int) -> Bool {
        guard let b else { return count == 0 }
        for k in 0..<count where a[k] != b.load(fromByteOffset: k, as: UInt8.self) { return false }
        return true
    }

    /// Scans one value starting at `i`; nil when malformed.
    @inline(__always)
    mutating func value(depth: Int) -> Kind? {
        guard i < n else { return nil }
        switch at(i) {
        case 0x22:
            i += 1
            return string() ? .string : nil
        case 0x7B: return container(depth: depth + 1, close: 0x7D) ? .object : nil
        case 0x5B: return container(depth: depth + 1, close: 0x5D) ? .array : nil
        case 0x74: return literal("true") ? .literal : nil
        case 0x66: return literal("false") ? .literal : nil
        case 0x6E: return literal("null") ? .literal : nil
        case 0x2D, 0x30...0x39: return number() ? .number : nil
        default: return nil
        }
    }

    private mutating func container(depth: Int, close: UInt8) -> Bool {
        guard depth <= Self.maxDepth else { return false }
        let isObject = close == 0x7D
        i += 1
        skipWS()
        guard i < n else { return false }
        if at(i) == close {
            i += 1
            return true
        }
        while true {
            if isObject {
                guard i < n, at(i) == 0x22 else { return false }
                i += 1
                guard string() else { return false }
                skipWS()
                guard i < n, at(i) == 0x3A else { return false }
                i += 1
                skipWS()
            }
            let first = i < n ? at(i) : 0
            if first == 0x22 {
                i += 1
                guard string() else { return false }
            } else if first == 0x2D || (first >= 0x30 && first <= 0x39) {
                guard number() else { return false }
            } else {
                guard value(depth: depth) != nil else { return false }
            }
            skipWS()
            guard i < n else { return false }
            let c = at(i)
            i += 1
            if c == 0x2C {
                skipWS()
            } else {
                return c == close
            }
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard n - i >= count, Self.memcmpEqual(word.utf8Start, p + i, count) else { return false }
        i += count
        return true
    }
}
