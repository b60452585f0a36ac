import Primitives

extension UpbitFormat {
    /// Re-spells `payload` in `format`: renames the keys of the message's type table (recursively
    /// into `orderbook_units`, `assets` and list `result` items) and copies every other byte —
    /// values, whitespace, key order — unchanged, so DEFAULT → SIMPLE → DEFAULT is byte-identical.
    ///
    /// Keys not in the table (and the rare keys written with escapes) are left as they are, so a
    /// payload already in `format` comes back unchanged. `status` and `error` messages have no
    /// SIMPLE spelling and are returned as is. Nil when the payload is not a recognised Upbit
    /// message (see ``UpbitScanner``).
    public static func convert(_ payload: [UInt8], to format: Format) -> [UInt8]? {
        guard let type = UpbitScanner.facts(of: payload).type else { return nil }
        if type == "status" || type == "error" { return payload }
        guard let table = keyTable(for: type) else { return nil }
        return payload.withUnsafeBufferPointer { src in
            var renamer = KeyRenamer(src: src, format: format)
            renamer.out.reserveCapacity(src.count)
            guard renamer.value(table), renamer.i == src.count else { return nil }
            return renamer.out
        }
    }
}

/// A copying walk over a payload already validated by the scanner; never traps on bad input.
private struct KeyRenamer {
    let src: UnsafeBufferPointer<UInt8>
    let format: UpbitFormat.Format
    var i = 0
    var out: [UInt8] = []

    init(src: UnsafeBufferPointer<UInt8>, format: UpbitFormat.Format) {
        self.src = src
        self.format = format
    }

    mutating func copyWS() {
        while i < src.count, src[i] == 0x20 || src[i] == 0x0A || src[i] == 0x0D || src[i] == 0x09 {
            out.append(src[i])
            i += 1
        }
    }

    /// Copies one value; object keys are renamed with `table`, array elements share `table`.
    mutating func value(_ table: UpbitFormat.KeyTable?) -> Bool {
        copyWS()
        guard i < src.count else { return false }
        let ok: Bool
        switch src[i] {
        case UInt8(ascii: "{"): ok = object(table)
        case UInt8(ascii: "["): ok = array(table)
        case UInt8(ascii: "\""): ok = string() != nil
        default:
            let start = i
            while i < src.count, !Self.delimiters.contains(src[i]) { i += 1 }
            out.append(contentsOf: src[start..<i])
            ok = i > start
        }
        copyWS()
        return ok
    }

    static let delimiters: Set<UInt8> = [0x2C, 0x7D, 0x5D, 0x20, 0x0A, 0x0D, 0x09]

    /// Skips a string without copying; returns its content range and whether it has escapes.
    mutating func skipString() -> (Range<Int>, Bool)? {
        i += 1
        let start = i
        var escaped = false
        while i < src.count {
            switch src[i] {
            case UInt8(ascii: "\""):
                i += 1
                return (start..<i - 1, escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                i += 2
            default: i += 1
            }
        }
        return nil
    }

    mutating func string() -> Range<Int>? {
        let start = i
        guard let (content, _) = skipString() else { return nil }
        out.append(contentsOf: src[start..<min(i, src.count)])
        return content
    }

    mutating func object(_ table: UpbitFormat.KeyTable?) -> Bool {
        out.append(src[i])
        i += 1
        copyWS()
        guard i < src.count else { return false }
        if src[i] == UInt8(ascii: "}") {
            out.append(src[i])
            i += 1
            return true
        }
        while i < src.count, src[i] == UInt8(ascii: "\"") {
            let start = i
            guard let (content, escaped) = skipString() else { return false }
            let name = String(decoding: src[content], as: UTF8.self)
            if let table, !escaped {
                JSONValue.writeString(table.rename(name, to: format), to: &out)
            } else {
                out.append(contentsOf: src[start..<i])
            }
            copyWS()
            guard i < src.count, src[i] == UInt8(ascii: ":") else { return false }
            out.append(src[i])
            i += 1
            guard value(table?.nestedByAnySpelling[name]) else { return false }
            guard i < src.count else { return false }
            let c = src[i]
            out.append(c)
            i += 1
            if c == UInt8(ascii: "}") { return true }
            guard c == UInt8(ascii: ",") else { return false }
            copyWS()
        }
        return false
    }

    mutating func array(_ table: UpbitFormat.KeyTable?) -> Bool {
        out.append(src[i])
        i += 1
        copyWS()
        guard i < src.count else { return false }
        if src[i] == UInt8(ascii: "]") {
            out.append(src[i])
            i += 1
            return true
        }
        while true {
            guard value(table), i < src.count else { return false }
            let c = src[i]
            out.append(c)
            i += 1
            if c == UInt8(ascii: "]") { return true }
            guard c == UInt8(ascii: ",") else { return false }
        }
    }
}
