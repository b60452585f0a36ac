import Crypto
import Primitives

/// Checks the bearer tokens of private connections as Upbit does: a JWT signed with HMAC
/// (HS256 or HS512) over one key pair's secret, whose claims name that pair's access key and a
/// nonce never presented before. `ticktape simulate --private-keys` puts one in front of its
/// private endpoint, so a recorder's token handling meets the checks a real exchange makes.
///
/// Nonces are remembered up to ``nonceMemory`` (default one million, the oldest forgotten
/// first), so the verifier's memory stays bounded however long it runs.
public final class UpbitTokenVerifier: Sendable {
    /// Why a token was refused.
    public enum Rejection: String, Sendable, Hashable, CaseIterable {
        /// No `Authorization: Bearer …` header.
        case missing = "no bearer token"
        /// Not three base64url parts with JSON header and claims.
        case malformed = "token is not a JWT"
        /// An `alg` other than HS256 or HS512.
        case algorithm = "unsupported signing algorithm"
        /// The signature does not match the secret key.
        case signature = "signature does not verify"
        /// The claims name another access key (or none).
        case accessKey = "unknown access key"
        /// No `nonce` claim.
        case noNonce = "no nonce"
        /// The nonce was presented before.
        case nonceReused = "nonce already used"
    }

    public let accessKey: String
    private let secretKey: String
    public let nonceMemory: Int
    private struct State {
        var seen: Set<String> = []
        var order: [String] = []
        var head = 0
        var accepted = 0
        var rejected = 0
    }
    private let state = Locked(State())

    public init(accessKey: String, secretKey: String, nonceMemory: Int = 1_000_000) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.nonceMemory = max(1, nonceMemory)
    }

    /// Tokens accepted so far.
    public var accepted: Int { state.withLock { $0.accepted } }
    /// Tokens refused so far.
    public var rejected: Int { state.withLock { $0.rejected } }

    /// Checks the value of an `Authorization` header (nil when absent); nil when the token is
    /// good (its nonce is then spent), else why not.
    public func check(authorization: String?) -> Rejection? {
        let rejection = verdict(authorization)
        state.withLock { if rejection == nil { $0.accepted += 1 } else { $0.rejected += 1 } }
        return rejection
    }

    private func verdict(_ authorization: String?) -> Rejection? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return .missing }
        let token = authorization.dropFirst("Bearer ".count)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Self.base64URLDecoded(parts[0]),
            let claimBytes = Self.base64URLDecoded(parts[1]), let signature = Self.base64URLDecoded(parts[2]),
            let header = try? JSONValue.parse(headerBytes), let claims = try? JSONValue.parse(claimBytes)
        else { return .malformed }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let key = SymmetricKey(data: Array(secretKey.utf8))
        switch header["alg"]?.stringValue {
        case "HS256":
            guard HMAC<Crypto.SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key)
            else { return .signature }
        case "HS512":
            guard HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key)
            else { return .signature }
        default: return .algorithm
        }
        guard claims["access_key"]?.stringValue == accessKey else { return .accessKey }
        guard let nonce = claims["nonce"]?.stringValue, !nonce.isEmpty else { return .noNonce }
        return state.withLock { state in
            guard state.seen.insert(nonce).inserted else { return .nonceReused }
            state.order.append(nonce)
            if state.order.count - state.head > nonceMemory {
                state.seen.remove(state.order[state.head])
                state.head += 1
                if state.head > 65_536 {
                    state.order.removeFirst(state.head)
                    state.head = 0
                }
            }
            return nil
        }
    }

    /// Unpadded base64url (RFC 4648 §5); nil for any other character or a bad length.
    static func base64URLDecoded(_ text: Substring) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "_"): value = 63
            default: return nil
            }
            buffer = (buffer << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return bits >= 6 ? nil : output
    }
}
