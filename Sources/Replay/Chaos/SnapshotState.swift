import TapeLog
import Upbit

/// The exchange's latest (and previous) message per stream key, from which a reconnect's
/// SNAPSHOT burst is made: the latest payload with its stream type switched to SNAPSHOT. For
/// trades that is the last trade again (same sequential_id), which is how Upbit's snapshot
/// re-sends a trade that was already delivered.
struct SnapshotState {
    private var latest: [String: [UInt8]] = [:]
    private var previous: [String: [UInt8]] = [:]

    /// Types Upbit sends a SNAPSHOT for after a (re)subscription.
    static func hasSnapshot(_ type: String) -> Bool {
        type == "ticker" || type == "trade" || type == "orderbook" || type.hasPrefix("candle.")
    }

    mutating func observe(_ frame: TapeFrame) {
        guard let type = frame.facts.type, Self.hasSnapshot(type), frame.facts.streamType != nil else { return }
        let key = type + "\u{1F}" + (frame.facts.code ?? "")
        if let old = latest[key] { previous[key] = old }
        latest[key] = frame.record.payload
    }

    /// Stream keys in a fixed order, so the burst is deterministic.
    var keys: [String] { latest.keys.sorted() }

    /// The SNAPSHOT for `key`: the latest state, or the one before it when `stale`.
    func snapshot(_ key: String, stale: Bool) -> [UInt8] {
        let payload = (stale ? previous[key] : nil) ?? latest[key] ?? []
        return Self.asSnapshot(payload)
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
