import Primitives
import Testing
import TicktapeTestSupport
import Upbit

@Suite struct JSONValueTests {
    @Test func compactExamplesRoundTripByteForByte() throws {
        for (name, text) in ReferenceExamples.all {
            let bytes = Array(text.utf8)
            #expect(try JSONValue.parse(bytes).serialized() == bytes, "\(name)")
        }
    }

    @Test func numbersKeepTheirExactText() throws {
        let v = try JSONValue.parse(Array(#"{"p":100473000.00000000,"sid":17303368620470001,"e":-1.5E+3}"#.utf8))
        #expect(v["p"] == .number("100473000.00000000"))
        #expect(v["sid"]?.uint64Value == 17_303_368_620_470_001)
        #expect(v["sid"]?.int64Value == 17_303_368_620_470_001)
        #expect(v["e"]?.numberText == "-1.5E+3")
        #expect(v["e"]?.int64Value == nil)
        #expect(JSONValue.number("-1").uint64Value == nil)
        #expect(JSONValue.number("18446744073709551616").uint64Value == nil)
    }

    @Test func objectsKeepOrderAndDuplicates() throws {
        let v = try JSONValue.parse(Array(#"{"b":1,"a":2,"b":3}"#.utf8))
        #expect(v.objectValue?.map(\.0) == ["b", "a", "b"])
        #expect(v["b"] == .number("1"))
        #expect(v.serialized() == Array(#"{"b":1,"a":2,"b":3}"#.utf8))
    }

    @Test func stringsAreDecodedAndReEscapedCanonically() throws {
        let v = try JSONValue.parse(
            Array(#" [ "a\/b\u00e9\ud83d\ude00\"\\\b\f\n\r\t\u0001" , true,false , null ] "#.utf8)
        )
        #expect(v[0]?.stringValue == "a/b\u{e9}\u{1F600}\"\\\u{08}\u{0C}\n\r\t\u{01}")
        #expect(v[1]?.boolValue == true && v[3]?.isNull == true && v[4] == nil)
        let expected = "[\"a/b\u{e9}\u{1F600}\\\"\\\\\\b\\f\\n\\r\\t\\u0001\",true,false,null]"
        #expect(v.serialized() == Array(expected.utf8))
    }

    @Test func malformedInputThrowsTypedErrors() {
        func error(_ s: String) -> JSONError? {
            do {
                _ = try JSONValue.parse(Array(s.utf8))
                return nil
            } catch {
                return error
            }
        }
        #expect(error("") == .unexpectedEnd(offset: 0))
        #expect(error("{\"a\":1,}") == .unexpectedByte(UInt8(ascii: "}"), offset: 7))
        #expect(error("01") == .trailingData(offset: 1))
        #expect(error("1.") == .invalidNumber(offset: 0))
        #expect(error(#""\x""#) == .invalidEscape(offset: 1))
        #expect(error(#""\udc00""#) == .invalidEscape(offset: 1))
        #expect(error("[1] 2") == .trailingData(offset: 4))
        #expect(error(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) == .tooDeep(offset: 64))
        #expect(error(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) == nil)
        #expect(throws: JSONError.invalidUTF8(offset: 0)) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
        #expect(error("tru")?.description == "json: unexpected end of input at byte 3")
    }

    @Test func deepInputNeverOverflowsTheStack() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 200_000)
        #expect(throws: JSONError.self) { try JSONValue.parse(deep) }
    }
}
