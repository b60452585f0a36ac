import Crypto
import Primitives
import Upbit

/// Tokens for Upbit's private WebSocket endpoint (`Authorization: Bearer <token>`).
///
/// Upbit's auth guide: a JWT signed with HMAC over the secret key, claims `access_key` and a
/// `nonce` that is a fresh random UUID for every token; no `exp`/`iat`. The current docs' sample
/// header is `{"alg":"HS512","typ":"JWT"}`; older samples and ccxt use HS256. Every connection
/// gets a fresh token, so call this from the recorder's header provider.
public enum UpbitJWT {
    public enum Algorithm: String, Sendable {
        case hs512 = "HS512"
        case hs256 = "HS256"
    }

    /// A compact JWS: `base64url(header).base64url(claims).base64url(signature)`, no padding (RFC 7515).
    public static func token(
        accessKey: String,
        secretKey: String,
        algorithm: Algorithm = .hs512,
        nonce: String = UpbitJWT.freshNonce()
    ) -> String {
        let header = #"{"alg":"\#(algorithm.rawValue)","typ":"JWT"}"#
        let claims = #"{"access_key":\#(JSONText.quoted(accessKey)),"nonce":\#(JSONText.quoted(nonce))}"#
        let signingInput = base64URL(Array(header.utf8)) + "." + base64URL(Array(claims.utf8))
        let key = SymmetricKey(data: Array(secretKey.utf8))
        let signature: [UInt8]
        switch algorithm {
        case .hs512: signature = Array(HMAC<SHA512>.authenticationCode(for: Array(signingInput.utf8), using: key))
        case .hs256:
            signature = Array(HMAC<Crypto.SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key))
        }
        return signingInput + "." + base64URL(signature)
    }

    /// The `Authorization` header for a fresh token.
    public static func authorizationHeader(
        accessKey: String,
        secretKey: String,
        algorithm: Algorithm = .hs512
    ) -> (String, String) {
        ("Authorization", "Bearer " + token(accessKey: accessKey, secretKey: secretKey, algorithm: algorithm))
    }

    /// A random (version 4) UUID in lower-case text form, as Python's `str(uuid.uuid4())`.
    public static func freshNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        let hex = bytes.map { byte in
            String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }

    /// Base64url without padding (RFC 4648 §5, as JWS requires).
    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = UInt32(0)
            for (offset, byte) in chunk.enumerated() { value |= UInt32(byte) << (16 - 8 * offset) }
            for position in 0...chunk.count {
                output.append(alphabet[Int((value >> (18 - 6 * position)) & 0x3F)])
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
