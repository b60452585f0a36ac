import Primitives
import Simulator
import Testing
import TicktapeTestSupport
import Upbit

@Suite struct UpbitFormatTests {
    func table(_ name: String) -> UpbitFormat.KeyTable? {
        switch name {
        case "orderbook_units": return UpbitFormat.keyTable(for: "orderbook")?.nested["orderbook_units"]
        case "assets": return UpbitFormat.keyTable(for: "myAsset")?.nested["assets"]
        case "result": return UpbitFormat.keyTable(for: "list")?.nested["result"]
        default: return UpbitFormat.keyTable(for: name)
        }
    }

    @Test func everyReferenceFieldIsInTheTables() throws {
        var covered = 0
        for (name, pairs) in ReferenceKeyTables.tables {
            let t = try #require(table(name), "table \(name)")
            #expect(t.pairs.count == pairs.count, "\(name) has exactly the reference's fields")
            for (d, s) in pairs {
                #expect(t.rename(d, to: .simple) == s, "\(name).\(d)")
                #expect(t.rename(s, to: .default) == d, "\(name).\(s)")
                covered += 1
            }
        }
        #expect(covered == 121)
        #expect(UpbitFormat.keyTable(for: "candle.240m") != nil && UpbitFormat.keyTable(for: "news") == nil)
    }

    @Test func examplesRoundTripByteForByte() throws {
        for (name, text) in ReferenceExamples.all {
            let original = Array(text.utf8)
            let isSimple = text.hasPrefix("{\"ty\"")
            let there = try #require(UpbitFormat.convert(original, to: isSimple ? .default : .simple), "\(name)")
            let back = UpbitFormat.convert(there, to: isSimple ? .simple : .default)
            #expect(back == original, "\(name)")
            if !["status", "error"].contains(name) { #expect(there != original, "\(name) changed spelling") }
        }
    }

    @Test func generatedFramesRoundTripByteForByte() throws {
        let types = ["ticker", "trade", "orderbook", "candle.1s", "myOrder", "myAsset"]
        var def = SyntheticFeed(seed: 4, markets: SyntheticFeed.markets(count: 10), types: types, orderbookDepth: 5)
        var simple = SyntheticFeed(
            seed: 4,
            markets: SyntheticFeed.markets(count: 10),
            types: types,
            format: .simple,
            orderbookDepth: 5
        )
        for _ in 0..<3_000 {
            let d = def.next().bytes
            let s = simple.next().bytes
            // Same seed, same values: the SIMPLE feed is exactly the DEFAULT feed re-spelled.
            #expect(UpbitFormat.convert(d, to: .simple) == s)
            #expect(UpbitFormat.convert(s, to: .default) == d)
        }
    }

    @Test func conversionRenamesKeysRecursivelyAndKeepsValues() throws {
        let simple = try #require(UpbitFormat.convert(Array(ReferenceExamples.orderbookDefault.utf8), to: .simple))
        let parsed = try JSONValue.parse(simple)
        let original = try JSONValue.parse(Array(ReferenceExamples.orderbookDefault.utf8))
        #expect(parsed.objectValue?.map(\.0) == ["ty", "cd", "tms", "tas", "tbs", "obu", "lv", "st"])
        #expect(parsed["obu"]?[0]?.objectValue?.map(\.0) == ["ap", "bp", "as", "bs"])
        #expect(parsed["obu"]?[0]?["ap"] == original["orderbook_units"]?[0]?["ask_price"])
        #expect(parsed["tas"]?.numberText == "1.63518927")
        let asset = try #require(UpbitFormat.convert(Array(ReferenceExamples.myAsset.utf8), to: .simple))
        let a = try JSONValue.parse(asset)
        #expect(a["ast"]?[0]?["b"]?.numberText == "1386929.37231066771348207123")
        #expect(a["ast"]?[0]?["cu"] == .string("SGD"))
    }

    @Test func perTypeTablesResolveAmbiguousSimpleKeys() throws {
        let order = try #require(UpbitFormat.convert(Array(ReferenceExamples.myOrder.utf8), to: .simple))
        #expect(try JSONValue.parse(order)["ap"]?.numberText == "0")
        let back = try #require(UpbitFormat.convert(order, to: .default))
        #expect(try JSONValue.parse(back)["avg_price"]?.numberText == "0")
        let ticker = try #require(UpbitFormat.convert(Array(ReferenceExamples.tickerDefault.utf8), to: .simple))
        #expect(try JSONValue.parse(ticker)["tdt"] == .string("20230221"))
    }

    @Test func whitespaceAndListRepliesAreHandled() throws {
        let list =
            #"{ "method" : "LIST_SUBSCRIPTIONS", "result":[{"type":"trade","codes":["KRW-BTC"],"level":0}],"ticket":"t" }"#
        let simple = try #require(UpbitFormat.convert(Array(list.utf8), to: .simple))
        let expected =
            #"{ "mthd" : "LIST_SUBSCRIPTIONS", "rslt":[{"ty":"trade","cds":["KRW-BTC"],"lv":0}],"tckt":"t" }"#
        #expect(simple == Array(expected.utf8))
        #expect(UpbitFormat.convert(simple, to: .default) == Array(list.utf8))
    }

    @Test func unrecognisedOrMalformedPayloadsAreNotConverted() {
        #expect(UpbitFormat.convert(Array(#"{"type":"news"}"#.utf8), to: .simple) == nil)
        #expect(UpbitFormat.convert(Array(#"{"type":"trade","#.utf8), to: .simple) == nil)
        #expect(UpbitFormat.convert([], to: .simple) == nil)
        var gen = FuzzFrames(seed: 3)
        for n in 0..<2_000 {
            let frame = gen.mutate(gen.frame(type: FuzzFrames.types[n % FuzzFrames.types.count], simple: n % 2 == 0))
            if let converted = UpbitFormat.convert(frame, to: .simple) {
                #expect(UpbitScanner.facts(of: converted).type == UpbitScanner.facts(of: frame).type)
            }
        }
    }
}
