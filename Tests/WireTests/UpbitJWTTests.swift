import Foundation
import Testing
import Upbit

@testable import Wire

@Suite struct UpbitJWTTests {
    // Expected tokens computed independently, once, with Python's standard library:
    //   b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=').decode()
    //   si = b64(b'{"alg":"HS512","typ":"JWT"}') + "." + b64(b'{"access_key":"test-access-key",'
    //        b'"nonce":"5f1d3c2e-8a4b-4c6d-9e7f-0123456789ab"}')
    //   si + "." + b64(hmac.new(b"test-secret-key", si.encode(), hashlib.sha512).digest())
    // (and the same with "HS256" / hashlib.sha256).
    private let nonce = "5f1d3c2e-8a4b-4c6d-9e7f-0123456789ab"
    private let claims =
        "eyJhY2Nlc3Nfa2V5IjoidGVzdC1hY2Nlc3Mta2V5Iiwibm9uY2UiOiI1ZjFkM2MyZS04YTRiLTRjNmQtOWU3Zi0wMTIzNDU2Nzg5YWIifQ"

    @Test func hs512MatchesAnIndependentlyComputedToken() {
        let token = UpbitJWT.token(accessKey: "test-access-key", secretKey: "test-secret-key", nonce: nonce)
        #expect(
            token == "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.\(claims)."
                + "eIhLg3FkRjylnViADcjHwUC9_1FO1d8ZsUkSNHHmX9yGOEN-4yVEYIoPywHmHxWWvibp4kbWCua89D1QRUQp9g"
        )
    }

    @Test func hs256MatchesAnIndependentlyComputedToken() {
        let token = UpbitJWT.token(
            accessKey: "test-access-key",
            secretKey: "test-secret-key",
            algorithm: .hs256,
            nonce: nonce
        )
        #expect(
            token == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\(claims).H-FfprD4-WLUfOe_rA4sKNA_ihTSVp97k6dSa2VV42Y"
        )
    }

    @Test func base64URLHasNoPaddingAndUsesTheURLAlphabet() {
        #expect(UpbitJWT.base64URL([0x00, 0xFF, 0xFE]) == "AP_-")
        #expect(UpbitJWT.base64URL(Array("ab".utf8)) == "YWI")
        #expect(UpbitJWT.base64URL(Array("a".utf8)) == "YQ")
        #expect(UpbitJWT.base64URL([]) == "")
    }

    @Test func everyTokenGetsAFreshVersion4Nonce() {
        let nonces = (0..<50).map { _ in UpbitJWT.freshNonce() }
        #expect(Set(nonces).count == 50)
        for nonce in nonces {
            let parts = nonce.split(separator: "-").map(\.count)
            #expect(parts == [8, 4, 4, 4, 12])
            #expect(nonce.dropFirst(14).first == "4")
            #expect("89ab".contains(nonce.dropFirst(19).first!))
            #expect(nonce == nonce.lowercased())
        }
        let (name, value) = UpbitJWT.authorizationHeader(accessKey: "a", secretKey: "s")
        #expect(name == "Authorization")
        #expect(value.hasPrefix("Bearer eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9."))
    }

    @Test func accessKeysAreJSONEscapedInTheClaims() throws {
        let token = UpbitJWT.token(accessKey: "a\"b\\c\n\u{1}", secretKey: "s", nonce: "n")
        var claims = String(token.split(separator: ".")[1])
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while claims.count % 4 != 0 { claims += "=" }
        let decoded = try #require(Data(base64Encoded: claims))
        #expect(String(decoding: decoded, as: UTF8.self) == #"{"access_key":"a\"b\\c\n\u0001","nonce":"n"}"#)
    }
}
