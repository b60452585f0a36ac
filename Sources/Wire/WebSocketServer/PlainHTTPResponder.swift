import NIOCore
import NIOHTTP1

/// A plain HTTP request that did not ask for a WebSocket upgrade (a REST call, `curl`).
public struct PlainHTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path without the query (`/v1/ticker`).
    public var path: String
    /// The full request target (`/v1/ticker?markets=KRW-BTC`).
    public var uri: String
    public var headers: HTTPHeaders
    /// The client's address (rate limits are kept per client IP).
    public var remoteAddress: SocketAddress?

    public init(
        method: HTTPMethod,
        uri: String,
        headers: HTTPHeaders = HTTPHeaders(),
        remoteAddress: SocketAddress? = nil
    ) {
        self.method = method
        self.path = String(uri.prefix { $0 != "?" })
        self.uri = uri
        self.headers = headers
        self.remoteAddress = remoteAddress
    }
}

/// Answers plain HTTP requests on a ``WebSocketServer``'s port, beside its WebSocket paths and
/// `GET /status` (``WebSocketServerConfiguration/httpResponder``).
public protocol PlainHTTPResponder: Sendable {
    /// The reply to `request`, or nil when the path is not this responder's (the server then
    /// answers 404, or 426 on a WebSocket path).
    func reply(to request: PlainHTTPRequest) async -> HTTPReply?
}
