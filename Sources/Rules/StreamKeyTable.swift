/// A stream key: (type, code). Types include the candle interval (`candle.1m`);
/// myAsset has no code and uses the empty string.
public struct StreamKey: Sendable, Hashable, Comparable {
    public var type: String
    public var code: String

    public init(type: String, code: String) {
        self.type = type
        self.code = code
    }

    public static func < (lhs: StreamKey, rhs: StreamKey) -> Bool {
        (lhs.type, lhs.code) < (rhs.type, rhs.code)
    }
}

/// Interns stream keys into dense ids so that per-key state lives in arrays and each event
/// costs one lookup. Grows with the number of distinct (type, code) pairs, never with input
/// length.
///
/// The lookup is on the per-event path, so it hashes the two strings' UTF-8 bytes a word at a
/// time into an open-addressing table of ids (no `Hasher`, no allocation) and confirms the
/// match by comparing the strings.
public struct StreamKeyTable: Sendable {
    /// Keys by id.
    public private(set) var keys: [StreamKey] = []
    /// Classification of each key's type, by id.
    public private(set) var classes: [EventClass] = []
    /// Hash of each key, by id (for growing the table).
    private var hashes: [UInt64] = []
    /// Open-addressing slots holding ids; −1 is empty. Load ≤ 1/2.
    private var slots = [Int32](repeating: -1, count: 64)
    /// A direct-mapped cache in front of the table, indexed by the strings' in-memory
    /// representation: a type or code of up to 15 UTF-8 bytes (every Upbit type and market code)
    /// is stored inside the `String` value itself, so equal keys have equal bits and the lookup
    /// reads no bytes. A hit is confirmed by comparing the strings; a miss takes the table.
    private var recent = [Int32](repeating: -1, count: 4_096)

    public init() {}

    /// The id of `(type, code)`, assigning the next one on first sight.
    public mutating func intern(type: String, code: String) -> Int32 {
        let line = Self.cacheLine(type, code, mask: recent.count - 1)
        let cached = recent[line]
        if cached >= 0, keys[Int(cached)].type == type, keys[Int(cached)].code == code { return cached }
        let id = lookup(type: type, code: code)
        recent[line] = id
        return id
    }

    /// The cache line of (type, code): a mix of the two `String` values' 16 bytes each. The bits
    /// serve only as an index: a hit is always confirmed by comparing the strings, so equal
    /// strings stored differently (on the heap, bridged) at worst miss and take the table.
    private static func cacheLine(_ type: String, _ code: String, mask: Int) -> Int {
        let (t0, t1) = unsafeBitCast(type, to: (UInt64, UInt64).self)
        let (c0, c1) = unsafeBitCast(code, to: (UInt64, UInt64).self)
        var h = (t0 &* 0x9E37_79B9_7F4A_7C15) ^ (t1 &* 0xC2B2_AE3D_27D4_EB4F)
        h ^= (c0 &* 0x1656_67B1_9E37_79F9) ^ (c1 &* 0xFF51_AFD7_ED55_8CCD)
        h ^= h >> 32
        h ^= h >> 16
        return Int(truncatingIfNeeded: h) & mask
    }

    private mutating func lookup(type: String, code: String) -> Int32 {
        let hash = Self.hash(type, code)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = slots[i]
            if id < 0 { break }
            if hashes[Int(id)] == hash, keys[Int(id)].type == type, keys[Int(id)].code == code { return id }
            i = (i + 1) & mask
        }
        let id = Int32(keys.count)
        keys.append(StreamKey(type: type, code: code))
        classes.append(EventClass(type: type))
        hashes.append(hash)
        if keys.count * 2 > slots.count {
            rebuild(capacity: slots.count * 2)
        } else {
            slots[i] = id
        }
        return id
    }

    /// Number of distinct keys seen.
    public var count: Int { keys.count }

    private mutating func rebuild(capacity: Int) {
        slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (id, hash) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: hash) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(id)
        }
    }

    /// A 64-bit hash of (type, code): both UTF-8 byte strings, eight bytes per step, finished so
    /// that the low bits (the slot) depend on every input bit.
    static func hash(_ type: String, _ code: String) -> UInt64 {
        let seed = mix(0x243F_6A88_85A3_08D3, utf8: type)
        var h = mix(seed, utf8: code)
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }

    /// Folds a string's length and UTF-8 bytes into `seed`: the bytes are gathered into 64-bit
    /// words, each mixed in with one multiply.
    private static func mix(_ seed: UInt64, utf8 string: String) -> UInt64 {
        var h = (seed ^ UInt64(string.utf8.count)) &* 0x9E37_79B9_7F4A_7C15
        var word: UInt64 = 0
        var shift: UInt64 = 0
        for byte in string.utf8 {
            word |= UInt64(byte) << shift
            shift += 8
            if shift == 64 {
                h = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
                h ^= h >> 29
                word = 0
                shift = 0
            }
        }
        h = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
        return h ^ (h >> 31)
    }
}
