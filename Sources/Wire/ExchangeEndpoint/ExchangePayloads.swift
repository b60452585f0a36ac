import Primitives
import Upbit

/// The bytes an Upbit-like server writes besides market data, and the two rewrites a market
/// message may need on its way to one connection.
enum ExchangePayloads {
    /// The keep-alive answer to a text `PING` (one of the two documented keep-alives).
    static let statusUp: [UInt8] = Array(#"{"status":"UP"}"#.utf8)

    /// `{"error":{"name":NAME,"message":MESSAGE}}`, Upbit's error shape (Upbit's WebSocket documentation).
    static func error(name: String, message: String) -> [UInt8] {
        JSONValue.object([
            ("error", .object([("name", .string(name)), ("message", .string(message))]))
        ]).serialized()
    }

    /// Private types asked for without the private endpoint or without a bearer token.
    static func invalidAuth(_ message: String) -> [UInt8] {
        error(name: "INVALID_AUTH", message: message)
    }

    /// Over the per-connection message limit. Upbit documents no answer for this;
    /// ticktape sends this error and ignores the request, so a client can see why.
    static let tooManyRequests = error(
        name: "TOO_MANY_REQUESTS",
        message: "too many messages on this connection (limit 5/s and 100/min)"
    )

    /// `payload` with its `stream_type` (or SIMPLE `st`) value `REALTIME` changed to `SNAPSHOT`;
    /// unchanged when it has none. Same length, so nothing else moves.
    static func markingSnapshot(_ payload: [UInt8]) -> [UInt8] {
        let value = Array(#""REALTIME""#.utf8)
        guard payload.count >= value.count else { return payload }
        var start = payload.count - value.count
        while start >= 0 {
            if payload[start] == 0x22, payload[start..<start + value.count].elementsEqual(value),
                Self.isStreamTypeValue(payload, at: start)
            {
                var copy = payload
                copy.replaceSubrange(start + 1..<start + value.count - 1, with: "SNAPSHOT".utf8)
                return copy
            }
            start -= 1
        }
        return payload
    }

    /// Whether the string at `start` is the value of a `"stream_type"` or `"st"` member.
    private static func isStreamTypeValue(_ payload: [UInt8], at start: Int) -> Bool {
        var i = start - 1
        while i >= 0, payload[i] == 0x20 { i -= 1 }
        guard i >= 0, payload[i] == UInt8(ascii: ":") else { return false }
        i -= 1
        while i >= 0, payload[i] == 0x20 { i -= 1 }
        for key in [#""stream_type""#, #""st""#] {
            let k = Array(key.utf8)
            if i + 1 >= k.count, payload[(i + 1 - k.count)...i].elementsEqual(k) { return true }
        }
        return false
    }

    /// An orderbook payload cut to its first `depth` units, with `total_ask_size`/`total_bid_size`
    /// recomputed over the units kept (Upbit's documentation: "the totals are the sums of those N levels").
    /// Either key spelling. Returned unchanged when it has `depth` units or fewer, or cannot be
    /// parsed; totals that are not plain decimals keep their value.
    static func truncatingOrderbook(_ payload: [UInt8], depth: Int) -> [UInt8] {
        // An orderbook's only nested objects are its units: counting `{` bounds the units
        // without a parse, so the common case (as deep as asked, or shallower) costs one scan.
        var braces = 0
        for byte in payload where byte == UInt8(ascii: "{") { braces += 1 }
        guard depth > 0, braces - 1 > depth, case .object(var members)? = try? JSONValue.parse(payload) else {
            return payload
        }
        guard let unitsIndex = members.firstIndex(where: { $0.0 == "orderbook_units" || $0.0 == "obu" }),
            case .array(let units) = members[unitsIndex].1, units.count > depth
        else { return payload }
        let kept = Array(units.prefix(depth))
        members[unitsIndex].1 = .array(kept)
        for (total, size, short) in [("total_ask_size", "ask_size", "as"), ("total_bid_size", "bid_size", "bs")] {
            guard let index = members.firstIndex(where: { $0.0 == total || $0.0 == Self.simpleTotal(total) }) else {
                continue
            }
            let sizes = kept.compactMap { ($0[size] ?? $0[short])?.numberText }
            if sizes.count == kept.count, let sum = DecimalText.sum(sizes) { members[index].1 = .number(sum) }
        }
        return JSONValue.object(members).serialized()
    }

    private static func simpleTotal(_ name: String) -> String { name == "total_ask_size" ? "tas" : "tbs" }
}

/// Exact sums of non-negative decimal number texts (`0.43139478`), without Double.
enum DecimalText {
    /// The sum, written with the largest number of fraction digits among the terms; nil when a
    /// term is not a plain decimal or the sum does not fit 18 significant digits.
    static func sum(_ terms: [String]) -> String? {
        var scale = 0
        var parts: [(Substring, Substring)] = []
        for term in terms {
            let split = term.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            let whole = split[0]
            let fraction = split.count > 1 ? split[1] : ""
            guard !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit),
                split.count == 1 || !fraction.isEmpty
            else { return nil }
            scale = max(scale, fraction.count)
            parts.append((whole, fraction))
        }
        guard scale <= 12 else { return nil }
        var total: Int64 = 0
        for (whole, fraction) in parts {
            let padded = fraction + String(repeating: "0", count: scale - fraction.count)
            guard let value = Int64(whole + padded) else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(value)
            guard !overflow else { return nil }
            total = sum
        }
        var digits = String(total)
        guard scale > 0 else { return digits }
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        return digits.prefix(digits.count - scale) + "." + digits.suffix(scale)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
