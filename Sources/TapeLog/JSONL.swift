import Primitives

/// The JSONL line format of `ticktape export` / `import`: one object per line,
/// keys in a fixed order so that export → import → export is identical line for line.
///
/// First line: `{"kind":"session",…}`. Frames: `kind` "frame", `epoch`, `seq`, `dir`, `opcode`,
/// `fragments`, `recv_ns`, `mono_ns`, and the payload as `text` when it is valid UTF-8, else
/// `base64`. Events: `kind` is the event name, `seq` its position (after that frame), `recv_ns`
/// its wall time, plus `close_code`, `count` and `detail` when set.
public enum JSONLCodec {
    /// The session line.
    public static func line(_ session: SessionInfo) -> String {
        var w = LineWriter()
        w.field("kind", string: "session")
        w.field("tool_version", string: session.toolVersion)
        w.field("url", string: session.url)
        if let subscription = session.subscription { w.field("subscription", string: subscription) }
        w.field("started_ns", int: session.startedNs)
        w.field("sync", string: session.sync.rawValue)
        w.field("commit_ms", int: session.commitMs)
        if let chaos = session.chaos { w.field("chaos", string: chaos) }
        return w.finish()
    }

    /// One entry's line.
    public static func line(_ entry: TapeEntry) -> String {
        var w = LineWriter()
        switch entry {
        case .frame(let frame):
            let r = frame.record
            w.field("kind", string: "frame")
            w.field("epoch", int: Int64(r.epoch))
            w.field("seq", int: Int64(r.seq))
            w.field("dir", string: r.direction.name)
            w.field("opcode", string: r.opcode.name)
            w.field("fragments", int: Int64(r.fragments))
            w.field("recv_ns", int: r.recvNs)
            w.field("mono_ns", int: r.monoNs)
            if let text = String(validating: r.payload, as: UTF8.self) {
                w.field("text", string: text)
            } else {
                w.field("base64", string: Base64.encode(r.payload))
            }
        case .event(let e):
            w.field("kind", string: e.kind.rawValue)
            w.field("epoch", int: Int64(e.epoch))
            w.field("seq", int: Int64(e.afterSeq))
            w.field("recv_ns", int: e.wallNs)
            w.field("mono_ns", int: e.monoNs)
            if let code = e.closeCode { w.field("close_code", int: code) }
            if let count = e.count { w.field("count", int: count) }
            if let detail = e.detail { w.field("detail", string: detail) }
        }
        return w.finish()
    }
}

/// Builds one compact JSON object, escaping strings per RFC 8259 §7.
struct LineWriter {
    private var out = "{"
    private var first = true

    mutating func field(_ key: String, string value: String) {
        appendKey(key)
        Self.appendQuoted(value, to: &out)
    }

    mutating func field(_ key: String, int value: Int64) {
        appendKey(key)
        out += String(value)
    }

    private mutating func appendKey(_ key: String) {
        if !first { out += "," }
        first = false
        Self.appendQuoted(key, to: &out)
        out += ":"
    }

    mutating func finish() -> String {
        out += "}"
        return out
    }

    static func appendQuoted(_ s: String, to out: inout String) {
        JSONText.appendQuoted(s, to: &out)
    }
}

/// RFC 4648 base64 with padding.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out.append(alphabet[Int((n >> 18) & 63)])
            out.append(alphabet[Int((n >> 12) & 63)])
            out.append(rest == 2 ? alphabet[Int((n >> 6) & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes padded base64; nil on any invalid character or length.
    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        var padding = 0
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(c - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(c - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(c + 4)
            case UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="):
                padding += 1
                values.append(0)
            default: return nil
            }
            if padding > 0 && c != UInt8(ascii: "=") { return nil }
        }
        guard values.count % 4 == 0, padding <= 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(values.count / 4 * 3)
        var i = 0
        while i < values.count {
            let n =
                UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12 | UInt32(values[i + 2]) << 6
                | UInt32(values[i + 3])
            out.append(UInt8((n >> 16) & 0xFF))
            out.append(UInt8((n >> 8) & 0xFF))
            out.append(UInt8(n & 0xFF))
            i += 4
        }
        out.removeLast(padding)
        return out
    }
}
