import NIOCore
import NIOHTTP1

/// The HTTP request that asks for a WebSocket upgrade, as seen by the server's gate and handler.
public struct UpgradeRequest: Sendable {
    /// The path without the query (`/websocket/v1`).
    public var path: String
    /// The full request target (path and query).
    public var uri: String
    /// Request headers (e.g. `Authorization` on the private endpoint).
    public var headers: HTTPHeaders
    /// The client's address.
    public var remoteAddress: SocketAddress?

    public init(path: String, uri: String, headers: HTTPHeaders, remoteAddress: SocketAddress?) {
        self.path = path
        self.uri = uri
        self.headers = headers
        self.remoteAddress = remoteAddress
    }
}

/// A plain HTTP answer (a refused upgrade, `/status`, a REST reply, 404/426).
public struct HTTPReply: Sendable, Equatable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var body: String
    /// Headers besides `Content-Type`, `Content-Length` and `Connection`, which the server
    /// writes itself (e.g. `Remaining-Req`).
    public var headers: HTTPHeaders

    public init(
        status: HTTPResponseStatus,
        contentType: String = "text/plain; charset=utf-8",
        body: String = "",
        headers: HTTPHeaders = HTTPHeaders()
    ) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// Upbit's answer to too many connects (its 429 body is plain text, per pyupbit).
    public static let tooManyRequests = HTTPReply(status: .tooManyRequests, body: "Too many API requests.")
}

/// Whether a WebSocket upgrade may proceed.
public enum UpgradeDecision: Sendable, Equatable {
    case accept
    /// Answer with this HTTP response instead of 101 (e.g. ``HTTPReply/tooManyRequests``).
    case reject(HTTPReply)
}

/// Serves one upgraded WebSocket connection.
///
/// `inbound` yields the client's messages unmasked and reassembled; pings are answered and a
/// client's close is echoed by the sequence itself, while a text `PING` is an ordinary message
/// left to the handler. `outbound` sends unmasked frames and can close with a code. The
/// connection is closed when `serve` returns (with close 1000 first, if the handler sent none).
/// An error thrown here ends only this connection.
public protocol WebSocketServerHandler: Sendable {
    func serve(_ request: UpgradeRequest, inbound: WebSocketInbound, outbound: WebSocketWriter) async throws
}
