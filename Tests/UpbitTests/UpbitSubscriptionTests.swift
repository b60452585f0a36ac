import Primitives
import Testing
import Upbit

@Suite struct UpbitSubscriptionTests {
    func parse(_ s: String) throws(UpbitRequestError) -> UpbitSubscription {
        try UpbitSubscription.parse(Array(s.utf8))
    }

    func error(_ s: String) -> UpbitRequestError? {
        do {
            _ = try parse(s)
            return nil
        } catch {
            return error
        }
    }

    @Test func fullRequestIsParsedInOrder() throws {
        let r = try parse(
            #"[{"ticket":"t1"},{"format":"SIMPLE"},{"type":"orderbook","codes":["KRW-BTC.15","KRW-ETH"],"level":10000,"#
                + #""is_only_realtime":true},{"type":"trade","codes":["KRW-XRP"],"isOnlySnapshot":true},{"type":"myAsset"},"#
                + #"{"type":"myOrder"}]"#
        )
        #expect(r.ticket == "t1" && r.format == .simple && !r.listSubscriptions)
        #expect(r.types.map(\.type) == ["orderbook", "trade", "myAsset", "myOrder"])
        #expect(r.types[0].codes == ["KRW-BTC.15", "KRW-ETH"] && r.types[0].markets == ["KRW-BTC", "KRW-ETH"])
        #expect(r.types[0].level == "10000" && r.types[0].isOnlyRealtime && !r.types[0].isOnlySnapshot)
        #expect(r.types[1].isOnlySnapshot && r.types[1].level == nil)
        #expect(r.types[2].codes.isEmpty && r.types[3].codes.isEmpty && r.needsPrivateEndpoint)
        #expect(r.format?.keys == .simple)
    }

    @Test func depthSuffixFollowsUpbitsRules() {
        #expect(UpbitSubscription.TypeRequest.depth(of: "KRW-BTC.15") == 15)
        #expect(UpbitSubscription.TypeRequest.depth(of: "KRW-BTC.1") == 1)
        #expect(UpbitSubscription.TypeRequest.depth(of: "KRW-BTC.7") == 30)
        #expect(UpbitSubscription.TypeRequest.depth(of: "KRW-BTC") == 30)
    }

    @Test func listSubscriptionsAloneIsValid() throws {
        let r = try parse(#"[{"ticket":"x"},{"method":"LIST_SUBSCRIPTIONS"}]"#)
        #expect(r.listSubscriptions && r.types.isEmpty)
    }

    @Test func errorsUseUpbitsNames() {
        let cases: [(String, UpbitRequestError.Name)] = [
            ("not json", .wrongFormat), (#"{"ticket":"x"}"#, .wrongFormat), ("[]", .noTicket),
            (#"[{"type":"trade","codes":["KRW-BTC"]}]"#, .noTicket), (#"[{"ticket":""}]"#, .noTicket),
            (#"[{"ticket":5},{"type":"trade","codes":["A"]}]"#, .wrongFormat), (#"[{"ticket":"x"}]"#, .noType),
            (#"[{"ticket":"x"},{"format":"SIMPLE"}]"#, .noType), (#"[{"ticket":"x"},{"type":"trade"}]"#, .noCodes),
            (#"[{"ticket":"x"},{"type":"trade","codes":[]}]"#, .noCodes),
            (#"[{"ticket":"x"},{"type":"trade","codes":"KRW-BTC"}]"#, .wrongFormat),
            (#"[{"ticket":"x"},{"type":"trade","codes":[1]}]"#, .wrongFormat),
            (#"[{"ticket":"x"},{"type":"myAsset","codes":["KRW-BTC"]}]"#, .wrongFormat),
            (#"[{"ticket":"x"},{"type":"news","codes":["KRW-BTC"]}]"#, .invalidParam),
            (#"[{"ticket":"x"},{"type":"candle.2m","codes":["KRW-BTC"]}]"#, .invalidParam),
            (#"[{"ticket":"x"},{"type":"trade","codes":["A"]},{"format":"XML"}]"#, .invalidParam),
            (#"[{"ticket":"x"},{"method":"LIST_ALL"}]"#, .invalidParam),
            (#"[{"ticket":"x"},{"type":"trade","codes":["A"],"is_only_snapshot":"yes"}]"#, .wrongFormat),
            (
                #"[{"ticket":"x"},{"type":"trade","codes":["A"],"is_only_snapshot":true,"isOnlyRealtime":true}]"#,
                .invalidParam
            ),
            (#"[{"ticket":"x"},{"type":"orderbook","codes":["A"],"level":"abc"}]"#, .invalidParam),
            (#"[{"ticket":"x"},{"type":"trade","codes":["A"]},{"foo":1}]"#, .invalidParam),
            (#"[{"ticket":"x"},{"type":"trade","codes":["A"]},7]"#, .wrongFormat),
        ]
        for (request, name) in cases { #expect(error(request)?.name == name, "\(request)") }
    }

    @Test func errorPayloadIsUpbitsShape() throws {
        let e = try #require(error(#"[{"ticket":"x"},{"type":"trade"}]"#))
        let v = try JSONValue.parse(e.errorPayload())
        #expect(v["error"]?["name"] == .string("NO_CODES"))
        #expect(v["error"]?["message"]?.stringValue == e.message && !e.message.isEmpty)
        #expect(UpbitScanner.facts(of: e.errorPayload()).type == "error")
        #expect(e.description.hasPrefix("NO_CODES: "))
    }

    /// Found by `.ci/fuzz` (target subscription, seed 1, inputs 96942 and 110024): a numeric-string
    /// level with whitespace was kept with it, so `serialized()` wrote `"level": 100` and parsed
    /// back as a different request; a space also hid the sign of a negative level.
    @Test func aNumericStringLevelKeepsOnlyTheNumber() throws {
        let found: [(hex: String, level: String)] = [
            (
                "5b7b227469636b6574223a2274227d2c7b2274797065223a226f72646572626f6f6b222c22636f646573223a5b224b72"
                    + "572d4254432e3330225d2c226c6576656c223a2220313030227d5d",
                "100"
            ),
            (
                "5b7b227469636b6574223a2274227d2c7b2274797065223a226f72646572626f6f6b222c22636f646573223a5b224b52"
                    + "572d4254432e3330225d2c226c6576656c223a22313020227d5d",
                "10"
            ),
        ]
        for (hex, level) in found {
            let r = try UpbitSubscription.parse(Self.bytes(hex: hex))
            #expect(r.types[0].level == level)
            #expect(try UpbitSubscription.parse(r.serialized()) == r)
        }
        let tabbed = try parse(#"[{"ticket":"t"},{"type":"orderbook","codes":["A"],"level":"\t7\n"}]"#)
        #expect(tabbed.types[0].level == "7")
        #expect(error(#"[{"ticket":"t"},{"type":"orderbook","codes":["A"],"level":" -5"}]"#)?.name == .invalidParam)
    }

    private static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16) ?? 0
        }
    }

    @Test func serializedRequestsParseBackEqual() throws {
        let r = try parse(
            #"[{"ticket":"a"},{"type":"orderbook","codes":["KRW-BTC.5"],"level":"0.1"},{"type":"trade","#
                + #""codes":["KRW-ETH"],"isOnlyRealtime":true},{"type":"myOrder","codes":["KRW-BTC"]},"#
                + #"{"method":"LIST_SUBSCRIPTIONS"},{"format":"JSON_LIST"}]"#
        )
        let text = String(decoding: r.serialized(), as: UTF8.self)
        #expect(try UpbitSubscription.parse(r.serialized()) == r)
        #expect(text.contains(#""is_only_realtime":true"#) && text.contains(#""level":0.1"#))
        #expect(text.hasPrefix(#"[{"ticket":"a"},"#) && text.hasSuffix(#"{"format":"JSON_LIST"}]"#))
    }

    @Test func shorthandBuildsTheRequestJSON() throws {
        let r = try UpbitSubscription.shorthand("ticker,trade,orderbook:KRW-BTC,KRW-ETH", ticket: "tt")
        #expect(
            String(decoding: r.serialized(), as: UTF8.self)
                == #"[{"ticket":"tt"},{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},"#
                + #"{"type":"trade","codes":["KRW-BTC","KRW-ETH"]},{"type":"orderbook","codes":["KRW-BTC","KRW-ETH"]}]"#
        )
        let groups = try UpbitSubscription.shorthand(
            "trade:KRW-BTC; orderbook:KRW-ETH.5 ;myAsset;myOrder",
            ticket: "t",
            format: .simple
        )
        #expect(groups.types.map(\.type) == ["trade", "orderbook", "myAsset", "myOrder"])
        #expect(groups.types[1].codes == ["KRW-ETH.5"] && groups.format == .simple)
        #expect(throws: UpbitRequestError(.noCodes, #"codes are required for type "trade""#)) {
            try UpbitSubscription.shorthand("trade", ticket: "t")
        }
        #expect(throws: UpbitRequestError.self) { try UpbitSubscription.shorthand("myAsset:KRW-BTC", ticket: "t") }
        #expect(throws: UpbitRequestError.self) { try UpbitSubscription.shorthand(":KRW-BTC", ticket: "t") }
        #expect(throws: UpbitRequestError.self) { try UpbitSubscription.shorthand("", ticket: "t") }
        #expect(throws: UpbitRequestError.self) { try UpbitSubscription.shorthand("tickr:KRW-BTC", ticket: "t") }
    }

    @Test func listReplyMatchesTheReferenceShapeInBothFormats() throws {
        let current = [
            UpbitSubscription.TypeRequest(type: "trade", codes: ["KRW-BTC"]),
            UpbitSubscription.TypeRequest(type: "orderbook", codes: ["KRW-ETH.5"], level: "10000"),
        ]
        let reply = UpbitSubscription.listReply(ticket: "t", current: current, keys: .default)
        #expect(
            String(decoding: reply, as: UTF8.self)
                == #"{"method":"LIST_SUBSCRIPTIONS","result":[{"type":"trade","codes":["KRW-BTC"]},"#
                + #"{"type":"orderbook","codes":["KRW-ETH.5"],"level":10000}],"ticket":"t"}"#
        )
        let simple = UpbitSubscription.listReply(ticket: "t", current: current, keys: .simple)
        #expect(
            String(decoding: simple, as: UTF8.self).hasPrefix(
                #"{"mthd":"LIST_SUBSCRIPTIONS","rslt":[{"ty":"trade","cds""#
            )
        )
        #expect(UpbitScanner.facts(of: simple).type == "list")
    }
}
