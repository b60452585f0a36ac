extension JSONValue {
    /// Parses exactly one JSON value (RFC 8259) surrounded by optional whitespace.
    ///
    /// Strict: the number grammar, escapes, UTF-8 (no lone surrogates) and a nesting limit are
    /// checked; it throws a ``JSONError`` instead of trapping on any input.
    public static func parse(
        _ bytes: some Collection<UInt8>,
        maxDepth: Int = JSONValue.defaultMaxDepth
    ) throws(JSONError) -> JSONValue {
        let array = Array(bytes)
        var parser = JSONParser(bytes: array, maxDepth: maxDepth)
        parser.skipWS()
        let value = try parser.value(depth: 0)
        parser.skipWS()
        guard parser.i == array.count else { throw .trailingData(offset: parser.i) }
        return value
    }
}

/// One member of a top-level JSON object, with where its bytes are.
public struct JSONMemberSpan: Sendable, Equatable {
    /// The member's name, unescaped.
    public var key: String
    /// The member's value.
    public var value: JSONValue
    /// The byte range of the value's text, exactly as written.
    public var valueRange: Range<Int>
    /// The byte range of the whole member: from its key's opening quote through the value and the
    /// comma after it (or, for the last member, the comma before it), so that removing it leaves
    /// a well-formed object.
    public var memberRange: Range<Int>
}

extension JSONValue {
    /// Parses one JSON object (as ``parse(_:maxDepth:)`` does) and returns its members with the
    /// byte ranges of their text, for callers that must keep a member's bytes exactly as written
    /// (a number's spelling, escapes) or cut a member out. Throws when the input is not one object.
    public static func objectMembers(
        _ bytes: [UInt8],
        maxDepth: Int = JSONValue.defaultMaxDepth
    ) throws(JSONError) -> [JSONMemberSpan] {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWS()
        let open = try parser.peek()
        guard open == UInt8(ascii: "{") else { throw .unexpectedByte(open, offset: parser.i) }
        parser.i += 1
        parser.skipWS()
        var members: [JSONMemberSpan] = []
        if try parser.peek() == UInt8(ascii: "}") {
            parser.i += 1
        } else {
            while true {
                let keyStart = parser.i
                let c = try parser.peek()
                guard c == UInt8(ascii: "\"") else { throw .unexpectedByte(c, offset: parser.i) }
                let key = try parser.string()
                parser.skipWS()
                try parser.expect(UInt8(ascii: ":"))
                parser.skipWS()
                let valueStart = parser.i
                let value = try parser.value(depth: 1)
                let valueEnd = parser.i
                parser.skipWS()
                let sep = try parser.peek()
                parser.i += 1
                if sep == UInt8(ascii: "}") {
                    members.append(
                        JSONMemberSpan(
                            key: key,
                            value: value,
                            valueRange: valueStart..<valueEnd,
                            memberRange: keyStart..<valueEnd
                        )
                    )
                    break
                }
                guard sep == UInt8(ascii: ",") else { throw .unexpectedByte(sep, offset: parser.i - 1) }
                parser.skipWS()
                members.append(
                    JSONMemberSpan(
                        key: key,
                        value: value,
                        valueRange: valueStart..<valueEnd,
                        memberRange: keyStart..<parser.i
                    )
                )
            }
            // The last member takes the comma before it instead, when there is one.
            if members.count > 1 {
                let last = members.count - 1
                var k = members[last - 1].valueRange.upperBound
                while k < bytes.count, bytes[k] != UInt8(ascii: ",") { k += 1 }
                members[last].memberRange = k..<members[last].memberRange.upperBound
            }
        }
        parser.skipWS()
        guard parser.i == bytes.count else { throw .trailingData(offset: parser.i) }
        return members
    }
}

/// Recursive-descent parser over a byte array.
private struct JSONParser {
    let bytes: [UInt8]
    let maxDepth: Int
    var i = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func skipWS() {
        while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
    }

    func peek() throws(JSONError) -> UInt8 {
        guard i < bytes.count else { throw .unexpectedEnd(offset: i) }
        return bytes[i]
    }

    mutating func expect(_ b: UInt8) throws(JSONError) {
        let c = try peek()
        guard c == b else { throw .unexpectedByte(c, offset: i) }
        i += 1
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        let c = try peek()
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw .unexpectedByte(c, offset: i)
        }
    }

    mutating func literal(_ word: String, _ v: JSONValue) throws(JSONError) -> JSONValue {
        for b in word.utf8 { try expect(b) }
        return v
    }

    mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw .tooDeep(offset: i) }
        i += 1
        skipWS()
        var members: [(String, JSONValue)] = []
        if try peek() == UInt8(ascii: "}") {
            i += 1
            return .object(members)
        }
        while true {
            let c = try peek()
            guard c == UInt8(ascii: "\"") else { throw .unexpectedByte(c, offset: i) }
            let key = try string()
            skipWS()
            try expect(UInt8(ascii: ":"))
            skipWS()
            members.append((key, try value(depth: depth)))
            skipWS()
            let sep = try peek()
            i += 1
            if sep == UInt8(ascii: "}") { return .object(members) }
            guard sep == UInt8(ascii: ",") else { throw .unexpectedByte(sep, offset: i - 1) }
            skipWS()
        }
    }

    mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw .tooDeep(offset: i) }
        i += 1
        skipWS()
        var items: [JSONValue] = []
        if try peek() == UInt8(ascii: "]") {
            i += 1
            return .array(items)
        }
        while true {
            items.append(try value(depth: depth))
            skipWS()
            let sep = try peek()
            i += 1
            if sep == UInt8(ascii: "]") { return .array(items) }
            guard sep == UInt8(ascii: ",") else { throw .unexpectedByte(sep, offset: i - 1) }
            skipWS()
        }
    }

    mutating func number() throws(JSONError) -> String {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, isDigit(bytes[i]) else { throw .invalidNumber(offset: start) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else { throw .invalidNumber(offset: start) }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { throw .invalidNumber(offset: start) }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Parses a string starting at its opening quote; the decoded bytes must be valid UTF-8.
    mutating func string() throws(JSONError) -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while true {
            let c = try peek()
            i += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
                return s
            case UInt8(ascii: "\\"):
                try escape(into: &out)
            case 0..<0x20:
                throw .unexpectedByte(c, offset: i - 1)
            default:
                out.append(c)
            }
        }
    }

    mutating func escape(into out: inout [UInt8]) throws(JSONError) {
        let at = i - 1
        let e = try peek()
        i += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(at)
            if (0xD800...0xDBFF).contains(scalar) {
                guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                    throw .invalidEscape(offset: at)
                }
                i += 2
                let low = try hex4(at)
                guard (0xDC00...0xDFFF).contains(low) else { throw .invalidEscape(offset: at) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let u = Unicode.Scalar(scalar) else { throw .invalidEscape(offset: at) }
            out.append(contentsOf: String(Character(u)).utf8)
        default:
            throw .invalidEscape(offset: at)
        }
    }

    mutating func hex4(_ at: Int) throws(JSONError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw .invalidEscape(offset: at) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = Int(String(UnicodeScalar(bytes[i])), radix: 16) else { throw .invalidEscape(offset: at) }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }
}
