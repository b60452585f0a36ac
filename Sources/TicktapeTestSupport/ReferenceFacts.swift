import Exchange
import Primitives
import Upbit

/// The slow, obviously-correct reference for ``UpbitScanner``: a full ``JSONValue`` parse, then the
/// documented rules applied to the parsed members. Written independently of the scanner's code
/// (own depth-suffix, integer and key-framing logic) so the differential tests — and the fuzz
/// driver, `ticktape-fuzz` — can catch it.
public enum ReferenceFacts {
    /// The facts a full parse gives for `bytes`; empty facts when it is not one JSON object.
    public static func facts(_ bytes: [UInt8]) -> FrameFacts {
        guard let value = try? JSONValue.parse(bytes), case .object(let members) = value else {
            return FrameFacts()
        }
        func first(_ names: Set<String>) -> JSONValue? {
            members.first { names.contains($0.0) }?.1
        }
        if let type = first(["type", "ty"])?.stringValue, isMarket(type) {
            var f = FrameFacts(type: type)
            f.code = first(["code", "cd"])?.stringValue.map(stripDepth)
            f.eventTime = first(["timestamp", "tms"])?.numberText.flatMap { wholeNumber($0).flatMap { Int64($0) } }
            f.streamType = first(["stream_type", "st"])?.stringValue.flatMap { StreamType(name: $0) }
            if type == "trade" {
                f.sequentialID = first(["sequential_id", "sid"])?.numberText.flatMap {
                    $0.first == "-" ? nil : wholeNumber($0).flatMap { UInt64($0) }
                }
                if let code = f.code, let sid = f.sequentialID {
                    f.idempotencyKey = TapeHash64.hash([0x54] + Array(code.utf8) + [0] + le(sid))
                }
            } else if let ts = f.eventTime {
                var framed: [UInt8] = [0x45] + Array(type.utf8) + [0]
                if let code = f.code {
                    framed += [1] + Array(code.utf8)
                } else {
                    framed += [2]
                }
                framed += [0] + le(UInt64(bitPattern: ts)) + le(digest(members))
                f.idempotencyKey = TapeHash64.hash(framed)
            }
            return f
        }
        if first(["status"])?.stringValue != nil { return FrameFacts(type: "status") }
        if first(["error"])?.objectValue != nil { return FrameFacts(type: "error") }
        if first(["method", "mthd"])?.stringValue != nil { return FrameFacts(type: "list") }
        return FrameFacts()
    }

    /// The whole number a JSON number literal denotes, as plain decimal digits (`1.5E3` →
    /// `1500`, `-2.0` → `-2`), or nil when it has a fractional part. Text arithmetic only, so it
    /// shares nothing with the scanner's digit loop.
    public static func wholeNumber(_ text: String) -> String? {
        var body = Substring(text)
        let negative = body.first == "-"
        if negative { body = body.dropFirst() }
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(body[body.index(after: e)...].prefix(6)) else { return nil }
            exponent = value
            body = body[..<e]
        }
        var digits = String(body)
        if let dot = digits.firstIndex(of: ".") {
            exponent -= digits.distance(from: dot, to: digits.endIndex) - 1
            digits.remove(at: dot)
        }
        while exponent < 0 {
            guard let last = digits.last else { break }
            guard last == "0" else { return nil }
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { digits = "0" }
        let trimmed = digits.drop { $0 == "0" }
        if trimmed.isEmpty { return "0" }
        guard exponent < 40 else { return nil }
        return (negative ? "-" : "") + trimmed + String(repeating: "0", count: exponent)
    }

    /// The documented digest: the compact serialization with top-level stream-type values omitted.
    public static func digest(_ members: [(String, JSONValue)]) -> UInt64 {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (k, (key, value)) in members.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            if key != "stream_type" && key != "st" { value.write(to: &out) }
        }
        out.append(UInt8(ascii: "}"))
        return TapeHash64.hash(out)
    }

    /// Whether `type` is a market type.
    public static func isMarket(_ type: String) -> Bool {
        ["ticker", "trade", "orderbook", "myOrder", "myAsset"].contains(type)
            || (type.hasPrefix("candle.") && type.count > "candle.".count)
    }

    /// `KRW-BTC.15` → `KRW-BTC`.
    public static func stripDepth(_ code: String) -> String {
        guard let dot = code.lastIndex(of: "."), dot != code.startIndex else { return code }
        let suffix = code[code.index(after: dot)...]
        guard !suffix.isEmpty, suffix.allSatisfy({ $0.isASCII && $0.isNumber }) else { return code }
        return String(code[..<dot])
    }

    /// The 8 little-endian bytes of `v`.
    public static func le(_ v: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
    }
}
