import Primitives
import Testing

@Suite struct JSONTextTests {
    @Test func quotesAndBackslashesAndControlsAreEscapedCanonically() {
        #expect(JSONText.quoted("a\"b\\c\n\u{1}\u{8}\u{C}\r\t\u{1F}") == #""a\"b\\c\n\u0001\b\f\r\t\u001f""#)
    }

    @Test func textAndNonASCIIPassThroughUnchanged() {
        #expect(JSONText.quoted("KRW-BTC 비트코인 €") == "\"KRW-BTC 비트코인 €\"")
        #expect(JSONText.quoted("") == "\"\"")
    }

    @Test func theStringAndByteWritersAgree() {
        var random = SplitMix64(seed: 3)
        for _ in 0..<500 {
            let scalars = (0..<Int(random.below(12))).compactMap { _ in
                Unicode.Scalar(UInt32(random.below(3)) == 0 ? UInt32(random.below(0x30)) : UInt32(random.below(0x800)))
            }
            let text = String(String.UnicodeScalarView(scalars))
            var bytes: [UInt8] = []
            JSONText.appendQuoted(text, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == JSONText.quoted(text))
        }
    }
}
