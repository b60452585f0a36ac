import Exchange
import Primitives
import Simulator
import TapeLog
import TicktapeTestSupport
import Upbit

/// Every target, in the order `.ci/fuzz` runs them.
func allTargets() -> [FuzzTarget] {
    let payloads = payloadSeeds()
    return [
        FuzzTarget(
            name: "scanner",
            seeds: payloads,
            check: checkScanner,
            generate: { rng in
                var frames = FuzzFrames(seed: rng.next())
                let type = FuzzFrames.types[Int(rng.below(UInt64(FuzzFrames.types.count)))]
                return frames.frame(type: type, simple: rng.below(2) == 0)
            }
        ),
        FuzzTarget(name: "json", seeds: payloads + jsonSeeds(), check: checkJSON),
        FuzzTarget(name: "jsonl", seeds: jsonlSeeds(), check: checkJSONL),
        FuzzTarget(name: "subscription", seeds: subscriptionSeeds(), check: checkSubscription),
        FuzzTarget(
            name: "frames",
            seeds: FrameStreams.seeds(),
            check: FrameStreams.check,
            generate: FrameStreams.generate
        ),
    ]
}

// MARK: - UpbitScanner.facts(of:)

/// Upbit payloads: the documented examples, synthetic feed frames of every type in both formats
/// (with snapshots), and the differential tests' awkward frames.
func payloadSeeds() -> [[UInt8]] {
    var seeds = ReferenceExamples.all.map { Array($0.text.utf8) }
    let types = ["ticker", "trade", "orderbook", "candle.1s", "candle.1m", "myOrder", "myAsset"]
    for format in [UpbitFormat.Format.default, .simple] {
        var feed = SyntheticFeed(
            seed: 7,
            markets: SyntheticFeed.markets(count: 4),
            types: types,
            format: format,
            orderbookDepth: 5
        )
        for _ in 0..<120 {
            let message = feed.next()
            seeds.append(message.bytes)
            if let snapshot = feed.snapshot(type: message.type, code: message.code ?? "") { seeds.append(snapshot) }
        }
    }
    var frames = FuzzFrames(seed: 0xF022)
    for n in 0..<300 {
        seeds.append(frames.frame(type: FuzzFrames.types[n % FuzzFrames.types.count], simple: n % 2 == 0))
    }
    return seeds
}

/// The scanner never traps; where the full parse accepts the payload, its facts and digest are
/// the reference's (`ReferenceFacts`, as in the differential tests); where the parse rejects it
/// for a grammar reason, the scanner rejects it too. The format converter rides along: it never
/// traps, and what it returns for valid JSON is valid JSON.
func checkScanner(_ bytes: [UInt8]) -> Verdict {
    let got = UpbitScanner.facts(of: bytes)
    let digest = UpbitScanner.payloadDigest(of: bytes)
    let value: JSONValue
    do {
        value = try JSONValue.parse(bytes)
    } catch {
        if isGrammarError(error, bytes), got != FrameFacts() || digest != nil {
            return .finding("the scanner accepts a payload the full parse rejects (\(error)): \(got)")
        }
        return .rejected
    }
    let expected = ReferenceFacts.facts(bytes)
    if got != expected { return .finding("facts differ from the full parse: scanner \(got), reference \(expected)") }
    if case .object(let members) = value {
        let want = ReferenceFacts.digest(members)
        if digest != want { return .finding("payloadDigest \(String(describing: digest)) ≠ reference \(want)") }
    } else if digest != nil {
        return .finding("payloadDigest of a payload that is not an object")
    }
    for format in [UpbitFormat.Format.simple, .default] {
        if let out = UpbitFormat.convert(bytes, to: format), (try? JSONValue.parse(out)) == nil {
            return .finding("UpbitFormat.convert(to: \(format)) returned invalid JSON: \(preview(out))")
        }
    }
    return .accepted
}

/// Whether the parser's error is about the JSON grammar, which the scanner checks too, rather than
/// about string contents (UTF-8, lone surrogate escapes), which it does not.
func isGrammarError(_ error: JSONError, _ bytes: [UInt8]) -> Bool {
    switch error {
    case .invalidUTF8: return false
    case .invalidEscape(let at):
        // `\uXXXX` with four hex digits is grammatical; only its meaning (a lone surrogate) is wrong.
        let hex = Array("0123456789abcdefABCDEF".utf8)
        guard at + 5 < bytes.count, bytes[at + 1] == UInt8(ascii: "u") else { return true }
        return !bytes[at + 2...at + 5].allSatisfy(hex.contains)
    default: return true
    }
}

// MARK: - JSONValue.parse

/// Hand-written JSON with escapes, edge numbers and nesting.
func jsonSeeds() -> [[UInt8]] {
    [
        #"[]"#, #"{}"#, #"null"#, #"true"#, #"-0"#, #"0.5e-3"#, #"1E+400"#, #""""#,
        #"[1,-0,0.5e-3,1E+400,18446744073709551616,-9223372036854775809]"#,
        #""\u0000\u001f\"\\\/\b\f\n\r\t""#, #""\ud83d\ude00 é 😀 \u00e9\uFFFF""#,
        #"{"a":{"b":[{"c":null}]},"a":1," k ":"v"}"#, " \t\n\r[ 1 , { \"x\" : [ ] } ]\r\n",
        #"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"#,
    ].map { Array($0.utf8) }
}

/// The parser never traps and reports an offset inside the input; what it accepts serializes to
/// a form that parses back to the same value and serializes identically.
func checkJSON(_ bytes: [UInt8]) -> Verdict {
    let value: JSONValue
    do {
        value = try JSONValue.parse(bytes)
    } catch {
        let offset: Int
        switch error {
        case .unexpectedEnd(let o), .unexpectedByte(_, let o), .invalidNumber(let o), .invalidEscape(let o),
            .invalidUTF8(let o), .tooDeep(let o), .trailingData(let o):
            offset = o
        }
        return (0...bytes.count).contains(offset)
            ? .rejected : .finding("error offset \(offset) outside the input: \(error)")
    }
    let text = value.serialized()
    let again: JSONValue
    do { again = try JSONValue.parse(text) } catch { return .finding("the serialized form does not parse (\(error))") }
    if again != value { return .finding("parse → serialized → parse changed the value: \(preview(text))") }
    if again.serialized() != text { return .finding("serialization is not stable") }
    return checkMembers(bytes, value)
}

/// `objectMembers` (import's byte-exact member cutter) agrees with the parser: the same members
/// in order, each value range parsing to the member's value, and cutting any one member out
/// leaving an object of the others.
func checkMembers(_ bytes: [UInt8], _ value: JSONValue) -> Verdict {
    let members: [JSONMemberSpan]
    do { members = try JSONValue.objectMembers(bytes) } catch {
        return value.objectValue == nil ? .accepted : .finding("objectMembers rejects an object the parser took")
    }
    guard let parsed = value.objectValue else { return .finding("objectMembers took a non-object") }
    guard members.map(\.key) == parsed.map(\.0) else { return .finding("objectMembers' keys differ") }
    for (index, member) in members.enumerated() {
        guard (try? JSONValue.parse(bytes[member.valueRange])) == parsed[index].1 else {
            return .finding("member \(index)'s value range does not parse to its value")
        }
        let cut = Array(bytes[..<member.memberRange.lowerBound]) + bytes[member.memberRange.upperBound...]
        var rest = parsed
        rest.remove(at: index)
        guard let left = try? JSONValue.parse(cut), left == .object(rest) else {
            return .finding("cutting member \(index) out does not leave the other members: \(preview(cut))")
        }
    }
    return .accepted
}

// MARK: - JSONLCodec.decode

/// Export lines of every kind: sessions, text and base64 frames of every opcode, events.
func jsonlSeeds() -> [[UInt8]] {
    var lines: [String] = []
    lines.append(
        JSONLCodec.line(SessionInfo(toolVersion: "0.1.0", url: "wss://api.upbit.com/websocket/v1", startedNs: 1))
    )
    lines.append(
        JSONLCodec.line(
            SessionInfo(
                toolVersion: "0.1.0 \"dev\"",
                url: "wss://user:pw@127.0.0.1:9000/ws?token=x#frag",
                subscription: #"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]"#,
                startedNs: Int64.max,
                sync: .full,
                commitMs: 0,
                chaos: "drop=0.1"
            )
        )
    )
    let payloads: [[UInt8]] = [
        Array(ReferenceExamples.tradeSnapshot.utf8), Array(ReferenceExamples.status.utf8), [], [0xFF, 0x00, 0x80],
        Array("é😀\n\t\"\\".utf8), [0x03, 0xE8] + Array("bye".utf8),
    ]
    let opcodes: [FrameOpcode] = [.text, .binary, .close, .ping, .pong, .continuation, 3, 15]
    for (k, opcode) in opcodes.enumerated() {
        for (j, payload) in payloads.enumerated() where (k + j) % 2 == 0 {
            let record = FrameRecord(
                epoch: k == 0 ? UInt32.max : UInt32(k + 1),
                seq: j == 0 ? UInt64(Int64.max) : UInt64(j + 1),
                direction: j % 2 == 0 ? .inbound : .outbound,
                opcode: opcode,
                fragments: k == 1 ? UInt16.max : 1,
                recvNs: Int64.min,
                monoNs: 42,
                payload: payload
            )
            lines.append(JSONLCodec.line(.frame(TapeFrame(record: record, facts: FrameFacts()))))
        }
    }
    for (k, kind) in LifecycleKind.allCases.enumerated() {
        let event = LifecycleRecord(
            kind: kind,
            epoch: UInt32(k),
            afterSeq: UInt64(k) * 1_000,
            wallNs: 1_700_000_000_000_000_000,
            monoNs: -1,
            closeCode: k % 2 == 0 ? 1006 : nil,
            count: k % 3 == 0 ? Int64.min : nil,
            detail: k % 2 == 1 ? "peer went away: \"eof\" \u{1}" : nil
        )
        lines.append(JSONLCodec.line(.event(event)))
    }
    return lines.map { Array($0.utf8) }
}

/// Each line decodes to a record or fails with a `JSONLError` naming that line; a decoded record
/// survives export → import unchanged.
func checkJSONL(_ bytes: [UInt8]) -> Verdict {
    let line = 1 + bytes.count % 1_000
    let decoded: JSONLLine
    do {
        decoded = try JSONLCodec.decode(bytes, line: line)
    } catch {
        return error.line == line ? .rejected : .finding("the error names line \(error.line), not \(line): \(error)")
    }
    let text: String
    switch decoded {
    case .session(let session): text = JSONLCodec.line(session)
    case .entry(let entry): text = JSONLCodec.line(entry)
    }
    let again: JSONLLine
    do { again = try JSONLCodec.decode(Array(text.utf8), line: line) } catch {
        return .finding("its own export line does not import: \(error) — \(text)")
    }
    switch (decoded, again) {
    case (.session(let a), .session(let b)) where a == b: return .accepted
    case (.entry(let a), .entry(let b)) where a == b: return .accepted
    default: return .finding("export → import changed the record: \(text)")
    }
}

// MARK: - UpbitSubscription.parse

/// Valid requests of every shape: both flag spellings, depth suffixes, levels, formats, the
/// LIST_SUBSCRIPTIONS method, and private types.
func subscriptionSeeds() -> [[UInt8]] {
    typealias T = UpbitSubscription.TypeRequest
    let built = [
        UpbitSubscription(ticket: "t", types: [T(type: "ticker", codes: ["KRW-BTC", "KRW-ETH"])]),
        UpbitSubscription(
            ticket: "ticktape-😀",
            types: [
                T(type: "trade", codes: ["KRW-BTC"], isOnlyRealtime: true),
                T(type: "orderbook", codes: ["KRW-BTC.15", "BTC-XRP.5"], isOnlySnapshot: true, level: "10000"),
                T(type: "candle.1s", codes: ["KRW-USDT"]),
            ],
            format: .simple
        ),
        UpbitSubscription(ticket: "p", types: [T(type: "myOrder"), T(type: "myAsset")], format: .jsonList),
        UpbitSubscription(ticket: "l", types: [], listSubscriptions: true),
        UpbitSubscription(
            ticket: "x",
            types: [T(type: "orderbook", codes: ["KRW-A.1"], level: "0.5")],
            format: .simpleList
        ),
    ].map { $0.serialized() }
    let written = [
        #"[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"],"isOnlySnapshot":true},{"format":"DEFAULT"}]"#,
        #"[{"ticket":"t"},{"type":"orderbook","codes":["KRW-BTC.30"],"level":"100"}]"#,
        #"[{"ticket":"t"},{"method":"LIST_SUBSCRIPTIONS"},{"ticket":"again"}]"#,
        #"[ {"ticket" : "t"} , {"type":"myOrder","codes":["KRW-BTC"],"isOnlyRealtime":false} ]"#,
    ].map { Array($0.utf8) }
    return built + written
}

/// The parser gives a subscription or an `UpbitRequestError`, never a trap; an accepted request
/// serializes to one that parses to the same subscription, and the values derived from it (markets,
/// depths, the list reply) are computed without trapping; an error's payload is valid JSON.
func checkSubscription(_ bytes: [UInt8]) -> Verdict {
    let request: UpbitSubscription
    do {
        request = try UpbitSubscription.parse(bytes)
    } catch {
        return (try? JSONValue.parse(error.errorPayload())) == nil
            ? .finding("the error payload is not JSON") : .rejected
    }
    for t in request.types {
        _ = t.markets
        for code in t.codes { _ = UpbitSubscription.TypeRequest.depth(of: code) }
    }
    _ = request.needsPrivateEndpoint
    for keys in [UpbitFormat.Format.default, .simple] {
        let reply = UpbitSubscription.listReply(ticket: request.ticket, current: request.types, keys: keys)
        if (try? JSONValue.parse(reply)) == nil { return .finding("the list reply is not JSON: \(preview(reply))") }
    }
    let text = request.serialized()
    do {
        let again = try UpbitSubscription.parse(text)
        return again == request ? .accepted : .finding("serialized() parses to a different request: \(preview(text))")
    } catch {
        return .finding("serialized() is rejected (\(error)): \(preview(text))")
    }
}
