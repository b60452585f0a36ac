import Upbit

/// The API key pair for Upbit's private WebSocket endpoint (Upbit's WebSocket documentation).
///
/// The keys become a fresh JWT per connection, sent only in the upgrade request's
/// `Authorization` header; they are never written to a tape.
public struct UpbitCredentials: Sendable {
    public var accessKey: String
    public var secretKey: String
    /// HS512, as in Upbit's current auth guide; HS256 is also accepted there.
    public var algorithm: UpbitJWT.Algorithm

    public init(accessKey: String, secretKey: String, algorithm: UpbitJWT.Algorithm = .hs512) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.algorithm = algorithm
    }

    /// The environment variables `record --private` reads the keys from.
    public static let accessKeyVariable = "UPBIT_ACCESS_KEY"
    public static let secretKeyVariable = "UPBIT_SECRET_KEY"

    /// Reads `UPBIT_ACCESS_KEY` and `UPBIT_SECRET_KEY`; both must be set and non-empty.
    public static func fromEnvironment(_ environment: [String: String]) throws(RecordingError) -> UpbitCredentials {
        let missing = [accessKeyVariable, secretKeyVariable].filter { (environment[$0] ?? "").isEmpty }
        guard missing.isEmpty else { throw .missingCredentials(missing) }
        return UpbitCredentials(accessKey: environment[accessKeyVariable]!, secretKey: environment[secretKeyVariable]!)
    }

    /// A fresh `Authorization: Bearer <jwt>` header (a new nonce every call).
    public func authorizationHeader() -> (name: String, value: String, token: String) {
        let token = UpbitJWT.token(accessKey: accessKey, secretKey: secretKey, algorithm: algorithm)
        return ("Authorization", "Bearer " + token, token)
    }

    /// Refuses to send credentials in clear: a private stream needs `wss://`, except to a
    /// loopback host (127.0.0.0/8, ::1, `localhost`), where nothing crosses the network. Checked
    /// before any connection is made.
    public static func checkTransport(_ url: WebSocketURL) throws(RecordingError) {
        guard url.isSecure || url.hostIsLoopback else { throw .privateNeedsTLS(url.description) }
    }

    /// The private endpoint for `url`: Upbit's public path `/websocket/v1` becomes
    /// `/websocket/v1/private` (Upbit's WebSocket documentation); any other path is kept as given.
    public static func privateEndpoint(for url: WebSocketURL) -> WebSocketURL {
        let query = url.pathAndQuery.firstIndex(of: "?").map { url.pathAndQuery[$0...] } ?? ""
        let path = url.pathAndQuery.dropLast(query.count)
        guard path == "/websocket/v1" || path == "/websocket/v1/" else { return url }
        var result = url
        result.pathAndQuery = "/websocket/v1/private" + query
        return result
    }
}
