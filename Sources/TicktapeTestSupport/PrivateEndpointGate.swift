import Foundation
import Primitives
import Wire

/// The upgrade gate of a test's private endpoint: it accepts only `/websocket/v1/private` with a
/// valid HS512 token for one key pair, and refuses the first attempt whatever it carries, with a
/// body that echoes the Authorization header back, as a careless server might — so a test can
/// prove the echo never reaches the tape. Pass ``decide(_:)`` as the server's gate.
public final class PrivateEndpointGate: Sendable {
    /// Every bearer token presented on the private path, in order.
    public let tokens = Locked<[String]>([])
    private let attempts = Locked(0)
    private let accessKey: String
    private let secretKey: String

    public init(accessKey: String, secretKey: String) {
        self.accessKey = accessKey
        self.secretKey = secretKey
    }

    /// Accepts or refuses one upgrade request.
    public func decide(_ request: UpgradeRequest) -> UpgradeDecision {
        let attempt = attempts.withLock {
            $0 += 1
            return $0
        }
        let header = request.headers["Authorization"].first ?? ""
        guard request.path == "/websocket/v1/private", header.hasPrefix("Bearer ") else {
            return .reject(HTTPReply(status: .unauthorized, body: "no token"))
        }
        let token = String(header.dropFirst("Bearer ".count))
        tokens.withLock { $0.append(token) }
        if attempt == 1 { return .reject(HTTPReply(status: .unauthorized, body: "invalid: \(header)")) }
        return isValid(token) ? .accept : .reject(HTTPReply(status: .unauthorized, body: "bad signature"))
    }

    /// True when `token` is an HS512 JWT for this key pair: the claims name the access key and
    /// re-signing them with the secret gives the same token.
    public func isValid(_ token: String) -> Bool {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let claims = Self.base64URLDecoded(String(parts[1])),
            let object = try? JSONSerialization.jsonObject(with: claims) as? [String: String],
            object["access_key"] == accessKey, let nonce = object["nonce"]
        else { return false }
        return UpbitJWT.token(accessKey: accessKey, secretKey: secretKey, algorithm: .hs512, nonce: nonce) == token
    }

    /// Decodes unpadded base64url (RFC 4648 §5).
    public static func base64URLDecoded(_ text: String) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard)
    }
}
