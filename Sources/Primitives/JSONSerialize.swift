extension JSONValue {
    /// Compact JSON: no whitespace, members in order, number text exactly as stored.
    ///
    /// Strings are written in the canonical form the tape's payload digest is defined over:
    /// `"` and `\` escaped, U+0008/0009/000A/000C/000D as `\b \t \n \f \r`, other controls below
    /// U+0020 as `\u00xx` (lower-case hex), everything else (including `/` and non-ASCII) as raw UTF-8.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    /// Appends the compact serialization to `out`.
    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (k, member) in members.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.0, to: &out)
                out.append(UInt8(ascii: ":"))
                member.1.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `s` as a quoted, canonically escaped JSON string (``JSONText``).
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        JSONText.appendQuoted(s, to: &out)
    }
}
