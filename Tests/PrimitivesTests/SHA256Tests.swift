import Testing

@testable import Primitives

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

/// The word API the delivery digests use (SHA-256 over delivered (epoch, seq)).
@Suite struct SHA256WordTests {
    @Test("(epoch, seq) records hash as their big-endian bytes, whatever the alignment")
    func recordsEqualTheirBytes() {
        for prefix in 0..<5 {
            var words = SHA256()
            var bytes = SHA256()
            for _ in 0..<prefix {
                words.update(UInt8(0x7F))
                bytes.update(UInt8(0x7F))
            }
            for i in 0..<1_000 {
                let epoch = UInt32(i / 97 + 1)
                let seq = UInt64(i) &* 0x0001_0203_0405_0607
                words.update(bigEndian: epoch)
                words.update(bigEndian: seq)
                bytes.update((0..<4).map { UInt8(truncatingIfNeeded: epoch >> (24 - 8 * $0)) })
                bytes.update((0..<8).map { UInt8(truncatingIfNeeded: seq >> (56 - 8 * $0)) })
            }
            #expect(words.hex == bytes.hex)
        }
    }

    @Test("whole blocks taken straight from the input hash as byte-at-a-time updates do")
    func blockPathEqualsBytePath() {
        var rng = SplitMix64(seed: 7)
        for length in [0, 1, 63, 64, 65, 127, 128, 129, 1_000, 4_096 + 3] {
            let data = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for split in [0, 1, 5, 63, 64] where split <= length {
                var whole = SHA256()
                whole.update(Array(data[..<split]))
                whole.update(Array(data[split...]))
                var single = SHA256()
                for byte in data { single.update(byte) }
                #expect(whole.hex == single.hex, "length \(length), split \(split)")
            }
        }
    }
}

/// The SHA-instruction compression against the portable one (both run where the CPU has the
/// instructions; elsewhere both are the portable one and the vectors above cover it).
@Suite struct SHA256AccelerationTests {
    @Test("hardware and portable compression give the same digests, through bytes and words")
    func bothCompressionsAgree() {
        var rng = SplitMix64(seed: 11)
        for length in [0, 3, 55, 56, 64, 100, 128, 1_000, 10_000] {
            let data = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var fast = Primitives.SHA256(accelerated: true)
            var portable = Primitives.SHA256(accelerated: false)
            fast.update(data)
            portable.update(data)
            for i in 0..<UInt32(40) {
                fast.update(bigEndian: i &* 0x9E37_79B9)
                portable.update(bigEndian: i &* 0x9E37_79B9)
            }
            #expect(fast.hex == portable.hex, "length \(length)")
        }
    }
}
