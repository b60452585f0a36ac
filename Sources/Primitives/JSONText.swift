/// Quoting strings as JSON string literals (RFC 8259 §7), the one escaping every writer of JSON in
/// the project uses: exports, reports, chaos metadata, JWT claims and the canonical form behind
/// payload digests.
///
/// Canonical and minimal: `"` and `\` are escaped, U+0008/0009/000A/000C/000D as `\b \t \n \f \r`,
/// other controls below U+0020 as `\u00XX` with lower-case hex; everything else, non-ASCII
/// included, is written as it is (UTF-8). The bytes are part of the tape format (payload digests),
/// so this must never change.
public enum JSONText {
    /// `s` as a quoted JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out = ""
        appendQuoted(s, to: &out)
        return out
    }

    /// Appends `s` as a quoted JSON string literal to `out`, copying runs that need no escape whole.
    public static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        let utf8 = s.utf8
        var plainStart = utf8.startIndex
        var index = plainStart
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 {
                out += String(Substring(utf8[plainStart..<index]))
                out += String(decoding: escape(byte), as: UTF8.self)
                plainStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        out += String(Substring(utf8[plainStart..<utf8.endIndex]))
        out += "\""
    }

    /// Appends `s` as a quoted JSON string literal to a byte buffer.
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        for b in s.utf8 {
            if b == 0x22 || b == 0x5C || b < 0x20 {
                out.append(contentsOf: escape(b))
            } else {
                out.append(b)
            }
        }
        out.append(0x22)
    }

    /// The escape sequence of one byte that needs one.
    private static func escape(_ byte: UInt8) -> [UInt8] {
        switch byte {
        case 0x22: return [0x5C, 0x22]
        case 0x5C: return [0x5C, 0x5C]
        case 0x08: return [0x5C, UInt8(ascii: "b")]
        case 0x09: return [0x5C, UInt8(ascii: "t")]
        case 0x0A: return [0x5C, UInt8(ascii: "n")]
        case 0x0C: return [0x5C, UInt8(ascii: "f")]
        case 0x0D: return [0x5C, UInt8(ascii: "r")]
        default:
            let hex = Array("0123456789abcdef".utf8)
            return Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
        }
    }
}
