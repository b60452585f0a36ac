/// Why a WebSocket connection could not be opened.
public enum WebSocketClientError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The URL is not a usable ws/wss URL.
    case invalidURL(String, reason: String)
    /// TCP connect failed (refused, unreachable, timed out).
    case connectFailed(String)
    /// The server answered the upgrade with a non-101 status, e.g. 429 (too many connects),
    /// 401/403 (bad JWT). `body` is the start of the response body.
    case upgradeRejected(status: Int, body: String)
    /// TLS or the WebSocket handshake failed after TCP connected, or the whole connect outlasted
    /// ``WebSocketClient/Options/handshakeTimeout`` (whatever stage it was in).
    case handshakeFailed(String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): return "invalid websocket url \"\(url)\": \(reason)"
        case .connectFailed(let reason): return "connect failed: \(reason)"
        case .upgradeRejected(let status, let body):
            return body.isEmpty ? "upgrade rejected: HTTP \(status)" : "upgrade rejected: HTTP \(status): \(body)"
        case .handshakeFailed(let reason): return "handshake failed: \(reason)"
        }
    }

    /// The HTTP status of a rejected upgrade.
    public var httpStatus: Int? {
        if case .upgradeRejected(let status, _) = self { return status }
        return nil
    }
}
