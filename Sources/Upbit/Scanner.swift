import Exchange

/// Extracts `FrameFacts` from an Upbit DEFAULT or SIMPLE payload without a full parse: one pass,
/// no allocation beyond the two short strings it returns, because extraction runs on the
/// recording's hot path.
///
/// Rules (each proven equal to a full `JSONValue` parse by the differential tests):
/// - The payload must be exactly one well-formed JSON object (whitespace around it allowed,
///   nesting at most `JSONValue.defaultMaxDepth`); anything else gives `FrameFacts()`.
///   UTF-8 inside strings is not validated here.
/// - Only top-level keys count, DEFAULT and SIMPLE spellings alike; for each fact the *first*
///   top-level occurrence of its key (either spelling) decides.
/// - Classification, first match wins: a string `type`/`ty` that is `ticker`, `trade`, `orderbook`,
///   `candle.*`, `myOrder` or `myAsset` → a market message; else a string `status` → `status`;
///   else an object `error` → `error`; else a string `method`/`mthd` → `list`; else unrecognised.
///   Out-of-band messages carry only their `type`.
/// - Market facts: `code`/`cd` (string, a trailing `.N` depth suffix removed), `timestamp`/`tms`
///   (a number denoting a whole number within Int64, kept in the unit it was sent in: see
///   `EventTimeUnit`), `stream_type`/`st` (`SNAPSHOT`/`REALTIME`), and for trades
///   `sequential_id`/`sid` (a number denoting a non-negative whole number within UInt64, never
///   through Double). A fraction or exponent is accepted when the value stays whole
///   (`1.618678262712E12`); any other number gives no fact.
/// - Idempotency key: trade → `IdempotencyKey.trade(code:sequentialID:)` when code and sid are
///   present; any other market type → `IdempotencyKey.event(type:code:timestampMs:digest:)` when
///   the timestamp is present, with ``payloadDigest(of:)`` as digest.
public enum UpbitScanner {
    /// The facts of one payload. Never fails or traps: unknown or malformed input gives empty facts.
    public static func facts(of bytes: UnsafeRawBufferPointer) -> FrameFacts {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return FrameFacts() }
        var core = ScanCore(base, count: bytes.count)
        guard core.scanTop() else { return FrameFacts() }
        return core.facts()
    }

    /// Convenience for arrays.
    public static func facts(of bytes: [UInt8]) -> FrameFacts {
        bytes.withUnsafeBytes { facts(of: $0) }
    }

    /// The payload digest used in non-trade idempotency keys: `TapeHash64` of the payload's
    /// canonical compact form (as `JSONValue.serialized()` writes it) with the value of every
    /// top-level `stream_type`/`st` member left out, key and colon kept. For Upbit's compact frames
    /// this is the raw bytes minus the stream-type value, so a SNAPSHOT and a REALTIME copy of one
    /// event share it. Nil when the payload is not one well-formed JSON object.
    public static func payloadDigest(of bytes: [UInt8]) -> UInt64? {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, !raw.isEmpty else { return nil }
            var core = ScanCore(base, count: raw.count)
            return core.scanTop() ? core.hasher.finalize() : nil
        }
    }

    /// Whether `type` is a market message type the scanner recognises.
    public static func isMarketType(_ type: String) -> Bool {
        switch type {
        case "ticker", "trade", "orderbook", "myOrder", "myAsset": return true
        default: return type.hasPrefix("candle.") && type.utf8.count > 7
        }
    }

    /// `KRW-BTC.15` → `KRW-BTC`: removes a trailing `.` + digits (Upbit's orderbook depth suffix).
    public static func stripDepthSuffix(_ code: String) -> String {
        guard let last = code.utf8.last, (0x30...0x39).contains(last) else { return code }
        let u = Array(code.utf8)
        var k = u.count
        while k > 0, (0x30...0x39).contains(u[k - 1]) { k -= 1 }
        guard k < u.count, k >= 2, u[k - 1] == 0x2E else { return code }
        return String(decoding: u[..<(k - 1)], as: UTF8.self)
    }
}

extension ScanCore {
    /// Builds the facts from the recorded spans (after a successful ``scanTop()``).
    func facts() -> FrameFacts {
        if let s = spans.type, s.kind == .string {
            let type = text(s)
            if UpbitScanner.isMarketType(type) { return marketFacts(type) }
        }
        if let s = spans.status, s.kind == .string { return FrameFacts(type: "status") }
        if let s = spans.error, s.kind == .object { return FrameFacts(type: "error") }
        if let s = spans.method, s.kind == .string { return FrameFacts(type: "list") }
        return FrameFacts()
    }

    private func marketFacts(_ type: String) -> FrameFacts {
        var f = FrameFacts(type: type)
        if let s = spans.code, s.kind == .string {
            f.code = UpbitScanner.stripDepthSuffix(text(s))
        }
        if let s = spans.timestamp, s.kind == .number { f.eventTime = int64(s) }
        if let s = spans.streamType, s.kind == .string { f.streamType = StreamType(name: text(s)) }
        if type == "trade" {
            if let s = spans.sequentialID, s.kind == .number { f.sequentialID = uint64(s) }
            if let code = f.code, let sid = f.sequentialID {
                f.idempotencyKey = IdempotencyKey.trade(code: code, sequentialID: sid)
            }
        } else if let ts = f.eventTime {
            f.idempotencyKey = IdempotencyKey.event(
                type: type,
                code: f.code,
                timestampMs: ts,
                digest: hasher.finalize()
            )
        }
        return f
    }

    /// The integer a number literal denotes exactly, within Int64, else nil. A fraction or an
    /// exponent is fine when the value is still a whole number (`1618678262712.0`,
    /// `1.618678262712E12`): some encoders write integers that way, and the value is what counts,
    /// never a rounded one.
    private func int64(_ s: Span) -> Int64? {
        var k = s.start
        let negative = at(k) == 0x2D
        if negative { k += 1 }
        guard let magnitude = exactValue(k, s.end) else { return nil }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// A non-negative number literal denoting a whole number within UInt64, else nil.
    private func uint64(_ s: Span) -> UInt64? {
        at(s.start) == 0x2D ? nil : exactValue(s.start, s.end)
    }

    /// The whole number the unsigned literal in `start..<end` denotes (grammar-checked already):
    /// mantissa digits times ten to the exponent less the fraction's length. Nil when it is
    /// not whole or exceeds UInt64.
    private func exactValue(_ start: Int, _ end: Int) -> UInt64? {
        var k = start
        var mantissaEnd = end
        var exponent = 0
        var fractionDigits = 0
        var dot = -1
        while k < end {
            let c = at(k)
            if c == 0x2E {
                dot = k
            } else if c == 0x65 || c == 0x45 {
                mantissaEnd = k
                var j = k + 1
                var negative = false
                if at(j) == 0x2D || at(j) == 0x2B {
                    negative = at(j) == 0x2D
                    j += 1
                }
                while j < end {
                    // Beyond any exponent a whole UInt64 can need; the clamp keeps this exact.
                    exponent = min(exponent * 10 + Int(at(j) &- 0x30), 1_000)
                    j += 1
                }
                if negative { exponent = -exponent }
                break
            }
            k += 1
        }
        if dot >= 0 { fractionDigits = mantissaEnd - dot - 1 }
        if dot < 0 && exponent == 0 { return digitsValue(start, mantissaEnd) }
        // The mantissa's digits without the dot; `scale` is the power of ten they are multiplied by.
        var scale = exponent - fractionDigits
        var last = mantissaEnd - 1
        // Trailing zeros absorb a negative scale; any other digit there means a fraction.
        while scale < 0 {
            guard last >= start else { return 0 }
            let c = at(last)
            if c == 0x2E {
                last -= 1
                continue
            }
            guard c == 0x30 else { return nil }
            last -= 1
            scale += 1
        }
        var v: UInt64 = 0
        var j = start
        while j <= last {
            let c = at(j)
            j += 1
            if c == 0x2E { continue }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(c &- 0x30))
            guard !o1, !o2 else { return nil }
            v = a
        }
        while scale > 0, v != 0 {
            let (m, o) = v.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
            v = m
            scale -= 1
        }
        return v
    }

    private func digitsValue(_ start: Int, _ end: Int) -> UInt64? {
        guard start < end else { return nil }
        var v: UInt64 = 0
        for k in start..<end {
            let d = at(k) &- 0x30
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            guard !o1, !o2 else { return nil }
            v = a
        }
        return v
    }
}
