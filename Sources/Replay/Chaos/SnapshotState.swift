import TapeLog

/// The exchange's latest (and previous) message per stream key, from which a reconnect's
/// SNAPSHOT burst is made: the latest payload with its stream type switched to SNAPSHOT. For
/// trades that is the last trade again (same sequential_id), which is how Upbit's snapshot
/// re-sends a trade that was already delivered.
///
/// A *stale* snapshot is the latest state stamped one second older, as from a lagging server
/// cache: a value the client never saw (so dedup cannot catch it) that is older than the state
/// it holds — exactly what snapshot merge (R4) must refuse.
struct SnapshotState {
    private var latest: [String: [UInt8]] = [:]

    /// Types Upbit sends a SNAPSHOT for after a (re)subscription.
    static func hasSnapshot(_ type: String) -> Bool {
        type == "ticker" || type == "trade" || type == "orderbook" || type.hasPrefix("candle.")
    }

    mutating func observe(_ frame: TapeFrame) {
        guard let type = frame.facts.type, Self.hasSnapshot(type), frame.facts.streamType != nil else { return }
        let key = type + "\u{1F}" + (frame.facts.code ?? "")
        latest[key] = frame.record.payload
    }

    /// Stream keys in a fixed order, so the burst is deterministic.
    var keys: [String] { latest.keys.sorted() }

    /// The SNAPSHOT for `key`: the latest state, one second older when `stale`.
    func snapshot(_ key: String, stale: Bool) -> [UInt8] {
        let payload = Self.asSnapshot(latest[key] ?? [])
        return stale ? Self.shiftingTimestamp(payload, byMs: -1000) : payload
    }

    /// Rewrites the top-level `"timestamp":N` (or SIMPLE `"tms":N`) to N + delta, digits only.
    static func shiftingTimestamp(_ payload: [UInt8], byMs delta: Int64) -> [UInt8] {
        for key in [Array(#""timestamp":"#.utf8), Array(#""tms":"#.utf8)] {
            guard let start = firstIndex(of: key, in: payload) else { continue }
            let digitsStart = start + key.count
            var end = digitsStart
            while end < payload.count, payload[end] >= 0x30, payload[end] <= 0x39 { end += 1 }
            guard end > digitsStart, let value = Int64(String(decoding: payload[digitsStart..<end], as: UTF8.self))
            else { continue }
            var bytes = payload
            bytes.replaceSubrange(digitsStart..<end, with: Array(String(max(0, value + delta)).utf8))
            return bytes
        }
        return payload
    }

    private static func firstIndex(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        for i in 0...(bytes.count - pattern.count) where bytes[i] == pattern[0] {
            if bytes[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
        }
        return nil
    }

    /// Switches `"stream_type":"REALTIME"` (or SIMPLE `"st":"REALTIME"`) to SNAPSHOT in place;
    /// both words have eight letters, so every other byte stays where it was.
    static func asSnapshot(_ payload: [UInt8]) -> [UInt8] {
        var bytes = payload
        for pattern in [Array(#""stream_type":"REALTIME""#.utf8), Array(#""st":"REALTIME""#.utf8)] {
            guard bytes.count >= pattern.count else { continue }
            var i = 0
            while i <= bytes.count - pattern.count {
                if bytes[i] == pattern[0] && bytes[i..<(i + pattern.count)].elementsEqual(pattern) {
                    let start = i + pattern.count - 9
                    bytes.replaceSubrange(start..<(start + 8), with: Array("SNAPSHOT".utf8))
                    return bytes
                }
                i += 1
            }
        }
        return bytes
    }
}
