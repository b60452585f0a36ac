import Primitives
import Upbit

/// Seeded generator of Upbit-like frames for the differential tests: every type, DEFAULT and
/// SIMPLE keys, with the awkward cases a real feed rarely shows (escapes, whitespace, nested
/// look-alike keys, duplicates, missing or ill-typed facts, huge integers) — and a mutator.
/// Shared by the differential tests and the fuzz driver, `ticktape-fuzz`.
public struct FuzzFrames {
    var rng: SplitMix64

    /// Every message class the generator writes, out-of-band and unknown ones included.
    public static let types = [
        "ticker", "trade", "orderbook", "candle.1s", "candle.240m", "myOrder", "myAsset",
        "status", "error", "list", "unknown",
    ]

    /// A generator whose output depends only on `seed`.
    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.below(UInt64(items.count)))] }

    mutating func text() -> String {
        pick([
            "KRW-BTC", "KRW-ETH.15", "BTC-XRP.5", "é/x", "한국", "😀", "a\"b", "back\\slash", "line\nbreak",
            "\u{01}ctl", "SNAPSHOT", "REALTIME", "", "KRW-A07.", ".5",
        ])
    }

    mutating func number() -> String {
        pick([
            "0", "-0", "17303368620470000", "18446744073709551615", "18446744073709551616", "-1",
            "1730336862082", "100473000.00000000", "1e3", "-2.5E-7", "9223372036854775807",
            "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "0.00014208",
        ])
    }

    mutating func scalar() -> JSONValue {
        switch rng.below(5) {
        case 0: return .string(text())
        case 1: return .number(number())
        case 2: return .bool(rng.below(2) == 0)
        case 3: return .null
        default: return .number(String(rng.below(1_000_000_000)))
        }
    }

    /// A nested value that contains top-level-looking keys, which must not count.
    mutating func nested(simple: Bool) -> JSONValue {
        let unit: JSONValue = .object([
            (simple ? "ap" : "ask_price", .number(number())), (simple ? "ty" : "type", .string("trade")),
            (simple ? "st" : "stream_type", .string("SNAPSHOT")), ("code", .string(text())),
            ("sid", .number("7")), ("timestamp", .number("1")),
        ])
        return .array(Array(repeating: unit, count: Int(rng.below(4))))
    }

    /// One frame of `type` (one of ``types``), SIMPLE keys when `simple`.
    public mutating func frame(type: String, simple: Bool) -> [UInt8] {
        let members: [(String, JSONValue)]
        switch type {
        case "status": members = [("status", rng.below(4) == 0 ? .number("1") : .string("UP"))]
        case "error":
            members = [("error", .object([("name", .string("NO_CODES")), ("message", .string(text()))]))]
        case "list":
            members = [
                (simple ? "mthd" : "method", .string("LIST_SUBSCRIPTIONS")),
                (simple ? "rslt" : "result", .array([.object([("type", .string("trade"))])])),
                (simple ? "tckt" : "ticket", .string(text())),
            ]
        case "unknown": members = [("foo", scalar()), ("type", .string(pick(["candle.", "news", "TICKER"])))]
        default: members = market(type: type, simple: simple)
        }
        return write(.object(members), spaced: rng.below(4) == 0)
    }

    mutating func market(type: String, simple: Bool) -> [(String, JSONValue)] {
        func k(_ d: String, _ s: String) -> String { simple ? s : d }
        let typeText = rng.below(20) == 0 ? pick(["\u{74}rade", "ticker"]) : type
        var m: [(String, JSONValue)] = [(k("type", "ty"), .string(typeText))]
        if type != "myAsset" || rng.below(4) == 0 {
            m.append((k("code", "cd"), rng.below(10) == 0 ? scalar() : .string(pick(["KRW-BTC", text()]))))
        }
        let ms = 1_730_336_862_000 + Int64(rng.below(100_000))
        if rng.below(12) != 0 { m.append((k("timestamp", "tms"), rng.below(8) == 0 ? scalar() : .number("\(ms)"))) }
        for _ in 0..<rng.below(6) { m.append((pick(["trade_price", "tp", "acc", "ab", "level"]), scalar())) }
        m.append((k("orderbook_units", "obu"), nested(simple: simple)))
        if type == "trade" && rng.below(10) != 0 {
            let sid = rng.below(3) == 0 ? number() : String(UInt64(ms) * 10_000 + rng.below(10_000))
            m.append((k("sequential_id", "sid"), .number(sid)))
        }
        if rng.below(10) != 0 {
            let st = rng.below(8) == 0 ? scalar() : .string(rng.below(2) == 0 ? "SNAPSHOT" : "REALTIME")
            m.append((k("stream_type", "st"), st))
        }
        if rng.below(10) == 0, let dup = m.randomElement(using: &rng) { m.append((dup.0, scalar())) }
        if rng.below(5) == 0 { m.shuffle(using: &rng) }
        return m
    }

    // MARK: - A writer with random (valid) spelling variants

    mutating func write(_ v: JSONValue, spaced: Bool) -> [UInt8] {
        var out: [UInt8] = []
        emit(v, spaced: spaced, into: &out)
        return out
    }

    mutating func space(_ spaced: Bool, _ out: inout [UInt8]) {
        guard spaced else { return }
        for _ in 0..<rng.below(3) { out.append(pick([0x20, 0x0A, 0x0D, 0x09])) }
    }

    mutating func emit(_ v: JSONValue, spaced: Bool, into out: inout [UInt8]) {
        space(spaced, &out)
        switch v {
        case .string(let s): emitString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                emit(item, spaced: spaced, into: &out)
            }
            space(spaced, &out)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                space(spaced, &out)
                emitString(key, into: &out)
                space(spaced, &out)
                out.append(UInt8(ascii: ":"))
                emit(value, spaced: spaced, into: &out)
            }
            space(spaced, &out)
            out.append(UInt8(ascii: "}"))
        default: v.write(to: &out)
        }
        space(spaced, &out)
    }

    /// Writes a string, sometimes with `\uXXXX` (surrogate pairs too) or `\/` spellings.
    mutating func emitString(_ s: String, into out: inout [UInt8]) {
        let escapeSome = rng.below(6) == 0
        out.append(UInt8(ascii: "\""))
        for u in s.unicodeScalars {
            if escapeSome && rng.below(3) == 0 {
                let units = Array(String(u).utf16)
                for unit in units { out += Array("\\u".utf8) + Array(hex4(unit, upper: rng.below(2) == 0).utf8) }
            } else if u == "/" && escapeSome {
                out += Array("\\/".utf8)
            } else {
                var quoted: [UInt8] = []
                JSONValue.writeString(String(u), to: &quoted)
                out += quoted[1..<quoted.count - 1]
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    func hex4(_ v: UInt16, upper: Bool) -> String {
        let s = String(v, radix: 16, uppercase: upper)
        return String(repeating: "0", count: 4 - s.count) + s
    }

    /// One seeded byte-level mutation: flip, structural byte, delete, insert, truncate or splice.
    public mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        guard !b.isEmpty else { return [UInt8(ascii: "{")] }
        let at = Int(rng.below(UInt64(b.count)))
        let special = Array("{}[]\":,\\ 0123456789.eE-+tfnu/".utf8)
        switch rng.below(7) {
        case 0: b[at] = UInt8(truncatingIfNeeded: rng.next())
        case 1: b[at] = pick(special)
        case 2: b.remove(at: at)
        case 3: b.insert(pick(special), at: at)
        case 4: b.removeSubrange(at...)
        case 5: b[at] = b[at] ^ (1 << UInt8(rng.below(8)))
        default:
            let from = Int(rng.below(UInt64(b.count)))
            let len = Int(rng.below(UInt64(min(16, b.count - from)) + 1))
            b.insert(contentsOf: b[from..<from + len], at: at)
        }
        return b
    }
}
