import Primitives

/// How idempotency keys are composed from the extracted facts (tape format v1): every profile
/// composes its keys this way, so keys of one tape compare whatever exchange recorded it.
public enum IdempotencyKey {
    /// Trade key: `TapeHash64("T" ‖ code ‖ 0x00 ‖ le64(sequential_id))`.
    public static func trade(code: String, sequentialID: UInt64) -> UInt64 {
        var h = TapeHash64()
        h.update(byte: 0x54)
        h.update(utf8: code)
        h.update(byte: 0)
        h.update(le64: sequentialID)
        return h.finalize()
    }

    /// Key of every other market type:
    /// `TapeHash64("E" ‖ type ‖ 0x00 ‖ (0x01 ‖ code | 0x02) ‖ 0x00 ‖ le64(timestamp) ‖ le64(digest))`,
    /// where `digest` is the profile's payload digest (Upbit: a hash of the canonical payload without its
    /// stream-type value, so a SNAPSHOT and a REALTIME copy of one event share a key).
    public static func event(type: String, code: String?, timestampMs: Int64, digest: UInt64) -> UInt64 {
        var h = TapeHash64()
        h.update(byte: 0x45)
        h.update(utf8: type)
        h.update(byte: 0)
        if let code {
            h.update(byte: 1)
            h.update(utf8: code)
        } else {
            h.update(byte: 2)
        }
        h.update(byte: 0)
        h.update(le64: UInt64(bitPattern: timestampMs))
        h.update(le64: digest)
        return h.finalize()
    }
}
