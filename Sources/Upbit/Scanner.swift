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
///   (integer literal within Int64), `stream_type`/`st` (`SNAPSHOT`/`REALTIME`), and for trades
///   `sequential_id`/`sid` (non-negative integer literal within UInt64, never through Double).
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
        if let s = spans.timestamp, s.kind == .number { f.eventTimeMs = int64(s) }
        if let s = spans.streamType, s.kind == .string { f.streamType = StreamType(name: text(s)) }
        if type == "trade" {
            if let s = spans.sequentialID, s.kind == .number { f.sequentialID = uint64(s) }
            if let code = f.code, let sid = f.sequentialID {
                f.idempotencyKey = IdempotencyKey.trade(code: code, sequentialID: sid)
            }
        } else if let ts = f.eventTimeMs {
            f.idempotencyKey = IdempotencyKey.event(
                type: type,
                code: f.code,
                timestampMs: ts,
                digest: hasher.finalize()
            )
        }
        return f
    }

    /// An integer literal (no fraction or exponent) within Int64, else nil.
    private func int64(_ s: Span) -> Int64? {
        var k = s.start
        let negative = at(k) == 0x2D
        if negative { k += 1 }
        guard let magnitude = digitsValue(k, s.end) else { return nil }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// A non-negative integer literal within UInt64, else nil.
    private func uint64(_ s: Span) -> UInt64? {
        at(s.start) == 0x2D ? nil : digitsValue(s.start, s.end)
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
