/// A small, exact JSON value: numbers keep their source text (a `sequential_id` above 2^53 survives
/// unchanged) and objects keep their member order and any duplicate keys, so that
/// `parse` → `serialized()` reproduces a compact payload byte for byte (RFC 8259).
///
/// It is the reference the hot-path `UpbitScanner` is tested against and the parser for the
/// rare, non-hot messages (subscription requests, list replies, errors).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The exact number text as written, e.g. `100473000.00000000`.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in source order; duplicate keys are kept.
    case object([(String, JSONValue)])

    /// Containers may nest this deep by default (the outermost container is depth 1).
    public static let defaultMaxDepth = 64

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The value of the first member named `key`; nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The element at `index`; nil when out of range or not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The text of a string value.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value of a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The exact text of a number.
    public var numberText: String? {
        if case .number(let s) = self { return s }
        return nil
    }

    /// An integer number (no fraction or exponent) that fits Int64, read exactly.
    public var int64Value: Int64? {
        guard case .number(let s) = self else { return nil }
        return Int64(s)
    }

    /// A non-negative integer number that fits UInt64, read exactly (never through Double).
    public var uint64Value: UInt64? {
        guard case .number(let s) = self, !s.hasPrefix("-") else { return nil }
        return UInt64(s)
    }

    /// A number denoting a whole number that fits Int64, read exactly: besides plain integers
    /// this takes `1618678262712.0` and `1.618678262712E12`, which some encoders write for
    /// integers. Nil for a fraction, an overflow or a non-number.
    public var wholeInt64Value: Int64? {
        guard case .number(let s) = self, let (negative, digits) = Self.wholeDigits(s) else { return nil }
        return Int64(negative ? "-" + digits : digits)
    }

    /// A non-negative number denoting a whole number that fits UInt64, read exactly (see
    /// ``wholeInt64Value``).
    public var wholeUInt64Value: UInt64? {
        guard case .number(let s) = self, let (negative, digits) = Self.wholeDigits(s), !negative || digits == "0"
        else { return nil }
        return UInt64(digits)
    }

    /// The sign and plain decimal digits of a whole-number literal, or nil when it has a
    /// fractional part (or needs more than 40 digits, beyond any 64-bit integer).
    private static func wholeDigits(_ text: String) -> (negative: Bool, digits: String)? {
        var body = Substring(text)
        let negative = body.first == "-"
        if negative { body = body.dropFirst() }
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(body[body.index(after: e)...]), abs(value) < 1_000 else { return nil }
            exponent = value
            body = body[..<e]
        }
        var digits = Array(body.utf8)
        if let dot = digits.firstIndex(of: UInt8(ascii: ".")) {
            exponent -= digits.count - dot - 1
            digits.remove(at: dot)
        }
        while exponent < 0, let last = digits.last {
            guard last == UInt8(ascii: "0") else { return nil }
            digits.removeLast()
            exponent += 1
        }
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        if significant.isEmpty { return (negative, "0") }
        guard exponent >= 0, significant.count + exponent <= 40 else { return nil }
        return (negative, String(decoding: significant, as: UTF8.self) + String(repeating: "0", count: exponent))
    }

    /// The elements of an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The members of an object, in order.
    public var objectValue: [(String, JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// Why ``JSONValue/parse(_:maxDepth:)`` rejected its input; `offset` is the byte index.
public enum JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    case unexpectedEnd(offset: Int)
    case unexpectedByte(UInt8, offset: Int)
    case invalidNumber(offset: Int)
    case invalidEscape(offset: Int)
    case invalidUTF8(offset: Int)
    case tooDeep(offset: Int)
    case trailingData(offset: Int)

    public var description: String {
        switch self {
        case .unexpectedEnd(let o): return "json: unexpected end of input at byte \(o)"
        case .unexpectedByte(let b, let o): return "json: unexpected byte 0x\(String(b, radix: 16)) at byte \(o)"
        case .invalidNumber(let o): return "json: invalid number at byte \(o)"
        case .invalidEscape(let o): return "json: invalid escape at byte \(o)"
        case .invalidUTF8(let o): return "json: invalid UTF-8 in string at byte \(o)"
        case .tooDeep(let o): return "json: nesting too deep at byte \(o)"
        case .trailingData(let o): return "json: trailing data at byte \(o)"
        }
    }
}
