import Testing
import Upbit

/// FIPS 180-2 Appendix B test vectors.
@Suite struct SHA256Tests {
    @Test func abc() {
        #expect(
            SHA256.hex(SHA256.hash(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
    }

    @Test func fourHundredFortyEightBitMessage() {
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(SHA256.hash(message)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func oneMillionAs() {
        var s = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000)
        for _ in 0..<1_000 { s.update(chunk) }
        #expect(s.hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func emptyInputAndChunkingIndependence() {
        #expect(SHA256().hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var rng = SplitMix64(seed: 1)
        for length in [55, 56, 63, 64, 65, 119, 120, 128, 1_000] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var s = SHA256()
            var at = 0
            while at < length {
                let take = min(length - at, Int(rng.below(70)))
                s.update(Array(bytes[at..<at + take]))
                at += take
            }
            #expect(s.finalize() == SHA256.hash(bytes), "length \(length)")
            #expect(s.finalize().count == 32)
        }
    }

    @Test func finalizeDoesNotConsumeTheState() {
        var s = SHA256()
        s.update(Array("ab".utf8))
        _ = s.finalize()
        s.update(Array("c".utf8))
        #expect(s.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
