import Exchange
import Testing
import TicktapeTestSupport
import Upbit

@Suite struct ScannerTests {
    func facts(_ s: String) -> FrameFacts { UpbitScanner.facts(of: Array(s.utf8)) }

    @Test func tradeSnapshotExampleGivesExactSequentialIDAndTradeKey() {
        let f = facts(ReferenceExamples.tradeSnapshot)
        #expect(f.type == "trade")
        #expect(f.code == "KRW-BTC")
        #expect(f.eventTimeMs == 1_730_336_862_082)
        #expect(f.streamType == .snapshot)
        #expect(f.sequentialID == 17_303_368_620_470_000)
        // Pinned: the key is part of the tape format (TapeHash64 of "T" ‖ code ‖ 0 ‖ le64(sid)).
        #expect(f.idempotencyKey == 0x6A9F_6879_165A_990D)
    }

    @Test func simpleTradeIsReadWithSimpleKeys() {
        let f = facts(ReferenceExamples.tradeSimple)
        #expect(f.type == "trade")
        #expect(f.code == "KRW-BTC")
        #expect(f.eventTimeMs == 1_730_336_863_511)
        #expect(f.streamType == .realtime)
        #expect(f.sequentialID == 17_303_368_634_900_001)
    }

    @Test func candleKeyIsPinnedToTheDocumentedDigest() {
        let f = facts(ReferenceExamples.candle)
        #expect(f.type == "candle.1s")
        #expect(f.code == "KRW-USDT")
        #expect(UpbitScanner.payloadDigest(of: Array(ReferenceExamples.candle.utf8)) == 0xF225_3D76_7962_7D3A)
        #expect(f.idempotencyKey == 0xE95D_300A_0B0C_03D3)
    }

    @Test func sequentialIDAboveTwoToThe53IsExact() {
        let f = facts(#"{"ty":"trade","cd":"KRW-BTC","sid":18446744073709551615,"tms":1}"#)
        #expect(f.sequentialID == UInt64.max)
        let g = facts(#"{"ty":"trade","cd":"KRW-BTC","sid":9007199254740993,"tms":1}"#)
        #expect(g.sequentialID == 9_007_199_254_740_993)
        let over = facts(#"{"ty":"trade","cd":"KRW-BTC","sid":18446744073709551616,"tms":1}"#)
        #expect(over.sequentialID == nil && over.idempotencyKey == nil && over.type == "trade")
    }

    @Test func snapshotAndRealtimeCopiesShareTheKey() {
        for (_, text) in ReferenceExamples.all where text.contains("REALTIME") || text.contains("SNAPSHOT") {
            let realtime = text.replacingOccurrencesOf("SNAPSHOT", with: "REALTIME")
            let snapshot = text.replacingOccurrencesOf("REALTIME", with: "SNAPSHOT")
            let a = facts(realtime)
            let b = facts(snapshot)
            #expect(a.idempotencyKey != nil)
            #expect(a.idempotencyKey == b.idempotencyKey)
            #expect(a.streamType == .realtime && b.streamType == .snapshot)
        }
    }

    @Test func anyOtherChangeChangesANonTradeKey() {
        let base = facts(ReferenceExamples.orderbookDefault).idempotencyKey
        let changed = facts(ReferenceExamples.orderbookDefault.replacingOccurrencesOf("0.45", with: "0.46"))
        #expect(base != nil && changed.idempotencyKey != base)
        #expect(changed.eventTimeMs == facts(ReferenceExamples.orderbookDefault).eventTimeMs)
    }

    @Test func depthSuffixIsStripped() {
        #expect(facts(#"{"type":"orderbook","code":"KRW-BTC.15","timestamp":5}"#).code == "KRW-BTC")
        #expect(UpbitScanner.stripDepthSuffix("KRW-BTC.") == "KRW-BTC.")
        #expect(UpbitScanner.stripDepthSuffix(".5") == ".5")
        #expect(UpbitScanner.stripDepthSuffix("KRW-ETH") == "KRW-ETH")
    }

    @Test func onlyTopLevelKeysCount() {
        let f = facts(#"{"x":{"type":"trade","code":"A"},"type":"orderbook","obu":[{"st":"SNAPSHOT"}],"tms":3}"#)
        #expect(f.type == "orderbook")
        #expect(f.code == nil)
        #expect(f.streamType == nil)
        #expect(f.eventTimeMs == 3)
        #expect(facts(#"{"data":{"type":"ticker","code":"KRW-BTC"}}"#) == FrameFacts())
    }

    @Test func myAssetHasNoCodeButAKey() {
        let f = facts(ReferenceExamples.myAsset)
        #expect(f.type == "myAsset" && f.code == nil && f.eventTimeMs == 1_710_146_517_267)
        #expect(f.idempotencyKey != nil)
    }

    @Test func outOfBandMessagesAreClassifiedWithoutKeys() {
        #expect(facts(#"{"status":"UP"}"#) == FrameFacts(type: "status"))
        #expect(facts(ReferenceExamples.error) == FrameFacts(type: "error"))
        #expect(facts(#"{"method":"LIST_SUBSCRIPTIONS","result":[],"ticket":"t"}"#) == FrameFacts(type: "list"))
        #expect(facts(#"{"mthd":"LIST_SUBSCRIPTIONS","rslt":[{"ty":"trade"}],"tckt":"t"}"#) == FrameFacts(type: "list"))
    }

    @Test func unrecognisedOrMalformedInputGivesEmptyFacts() {
        let bad = [
            "", " ", "[]", "null", "{", #"{"type":"trade""#, #"{"type":"trade",}"#, #"{"type":"news","code":"X"}"#,
            #"{"type":"ticker"} x"#, #"{"type":"ticker","p":01}"#, #"{"type":"ticker","s":"\x"}"#,
            #"{"type":"ticker","s":"\ud800"}"#, "{\"type\":\"ticker\",\"s\":\"\u{01}\"}", #"{"status":1}"#,
            #"{"type":"candle.","timestamp":1}"#, "{\"a\":" + String(repeating: "[", count: 100_000),
        ]
        for text in bad { #expect(facts(text) == FrameFacts(), "\(text.prefix(40))") }
        #expect(UpbitScanner.facts(of: UnsafeRawBufferPointer(start: nil, count: 0)) == FrameFacts())
    }

    @Test func whitespaceAndEscapesDoNotChangeTheKey() {
        let compact = #"{"type":"ticker","code":"KRW-BTC","x":"a/b","timestamp":7,"stream_type":"REALTIME"}"#
        let spaced =
            " {\"type\" : \"ti\\u0063ker\",\n\"code\":\"KRW-BTC\", \"x\":\"a\\/b\",\"timestamp\":7,"
            + "\t\"stream_type\" : \"SNAPSHOT\" }\r\n"
        let a = facts(compact)
        let b = facts(spaced)
        #expect(a.idempotencyKey != nil && a.idempotencyKey == b.idempotencyKey)
        #expect(b.type == "ticker")
    }

    @Test func firstOccurrenceOfAKeyDecides() {
        let f = facts(#"{"ty":"ticker","type":"trade","cd":"A","code":"B","tms":1,"timestamp":2}"#)
        #expect(f.type == "ticker" && f.code == "A" && f.eventTimeMs == 1)
    }
}

extension String {
    /// Foundation-free substring replacement for tests.
    func replacingOccurrencesOf(_ target: String, with replacement: String) -> String {
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
