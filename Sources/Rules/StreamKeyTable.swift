/// A stream key (SPEC §4): (type, code). Types include the candle interval (`candle.1m`);
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
/// costs one hash lookup. Grows with the number of distinct (type, code) pairs, never with
/// input length.
public struct StreamKeyTable: Sendable {
    private var ids: [StreamKey: Int32] = [:]
    /// Keys by id.
    public private(set) var keys: [StreamKey] = []
    /// Classification of each key's type, by id.
    public private(set) var classes: [EventClass] = []

    public init() {}

    /// The id of `(type, code)`, assigning the next one on first sight.
    public mutating func intern(type: String, code: String) -> Int32 {
        let key = StreamKey(type: type, code: code)
        if let id = ids[key] { return id }
        let id = Int32(keys.count)
        ids[key] = id
        keys.append(key)
        classes.append(EventClass(type: type))
        return id
    }

    /// Number of distinct keys seen.
    public var count: Int { keys.count }
}
