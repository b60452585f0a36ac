import Primitives
import Replay

/// A minimal JSON document model with ordered object keys and integer-only numbers, so that a
/// rendering is byte-identical on every platform: the same run gives the same JSON bytes.
indirect enum ReportJSON: Sendable {
    case int(Int64)
    case string(String)
    case bool(Bool)
    case null
    case array([ReportJSON])
    case object([(String, ReportJSON)])

    static func int(_ value: Int) -> ReportJSON { .int(Int64(value)) }
    static func uint(_ value: UInt64) -> ReportJSON {
        value <= UInt64(Int64.max) ? .int(Int64(value)) : .string(String(value))
    }

    /// Pretty rendering: two-space indent, keys in insertion order, trailing newline.
    func rendered() -> String {
        var out = ""
        write(into: &out, indent: 0)
        out.append("\n")
        return out
    }

    private func write(into out: inout String, indent: Int) {
        switch self {
        case .int(let value): out.append(String(value))
        case .string(let text): Self.quote(text, into: &out)
        case .bool(let value): out.append(value ? "true" : "false")
        case .null: out.append("null")
        case .array(let items):
            if items.isEmpty {
                out.append("[]")
                return
            }
            out.append("[\n")
            for (i, item) in items.enumerated() {
                out.append(String(repeating: " ", count: indent + 2))
                item.write(into: &out, indent: indent + 2)
                out.append(i + 1 < items.count ? ",\n" : "\n")
            }
            out.append(String(repeating: " ", count: indent) + "]")
        case .object(let fields):
            if fields.isEmpty {
                out.append("{}")
                return
            }
            out.append("{\n")
            for (i, (key, value)) in fields.enumerated() {
                out.append(String(repeating: " ", count: indent + 2))
                Self.quote(key, into: &out)
                out.append(": ")
                value.write(into: &out, indent: indent + 2)
                out.append(i + 1 < fields.count ? ",\n" : "\n")
            }
            out.append(String(repeating: " ", count: indent) + "}")
        }
    }

    private static func quote(_ text: String, into out: inout String) {
        JSONText.appendQuoted(text, to: &out)
    }
}
