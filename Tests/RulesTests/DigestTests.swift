import Testing

@testable import Rules

@Suite("SHA-256 (FIPS 180-4 vectors)")
struct DigestTests {
    func hex(_ text: String) -> String {
        var hasher = RulesSHA256()
        hasher.update(Array(text.utf8))
        return hasher.hex()
    }

    @Test("the empty message")
    func emptyMessage() {
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("abc")
    func abc() {
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("the 448-bit two-block message")
    func twoBlockMessage() {
        #expect(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }

    @Test("one million 'a'")
    func millionA() {
        var hasher = RulesSHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1_000)
        for _ in 0..<1_000 { hasher.update(chunk) }
        #expect(hasher.hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("finalizing leaves the hasher usable and integers are appended big-endian")
    func finalizingIsNonDestructive() {
        var hasher = RulesSHA256()
        hasher.update(bigEndian: UInt32(0x6162_6300))
        _ = hasher.hex()
        var bytes = RulesSHA256()
        bytes.update([0x61, 0x62, 0x63, 0x00])
        #expect(hasher.hex() == bytes.hex())
    }
}

@Suite("Delivery digests")
struct DeliveryDigestTests {
    @Test("(epoch, seq) records hash as their big-endian bytes, whatever the alignment")
    func recordsEqualTheirBytes() {
        for prefix in 0..<5 {
            var words = RulesSHA256()
            var bytes = RulesSHA256()
            for _ in 0..<prefix {
                words.update(0x7F)
                bytes.update(0x7F)
            }
            for i in 0..<1_000 {
                let epoch = UInt32(i / 97 + 1)
                let seq = UInt64(i) &* 0x0001_0203_0405_0607
                words.update(bigEndian: epoch)
                words.update(bigEndian: seq)
                bytes.update((0..<4).map { UInt8(truncatingIfNeeded: epoch >> (24 - 8 * $0)) })
                bytes.update((0..<8).map { UInt8(truncatingIfNeeded: seq >> (56 - 8 * $0)) })
            }
            #expect(words.hex() == bytes.hex())
        }
    }
}
