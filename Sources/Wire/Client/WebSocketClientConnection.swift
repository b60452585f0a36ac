import NIOCore
import NIOWebSocket

/// An open client WebSocket connection (handshake done), to be used exactly once through
/// ``executeThenClose(_:)``.
public struct WebSocketClientConnection: Sendable {
    let channel: NIOAsyncChannel<WebSocketMessage, WebSocketFrame>
    let clock: WireClock

    /// Where we are connected to.
    public let url: WebSocketURL
    /// The moment the handshake completed (wall ns, monotonic ns): an epoch's start.
    public let openedWallNanos: Int64
    public let openedMonotonicNanos: Int64

    /// Runs `body` with the inbound messages and a (masking) writer, then closes the connection.
    ///
    /// The inbound sequence answers pings and a peer's close by itself (see ``WebSocketInbound``).
    /// When `body` returns, the TCP (and TLS) connection is closed whether or not a close frame
    /// was exchanged; send ``WebSocketWriter/close(code:reason:)`` first for a clean close.
    public func executeThenClose<Result: Sendable>(
        _ body: (WebSocketInbound, WebSocketWriter) async throws -> Result
    ) async throws -> Result {
        try await self.channel.executeThenClose { inbound, outbound in
            let writer = WebSocketWriter(
                outbound: outbound,
                eventLoop: self.channel.channel.eventLoop,
                masks: true,
                clock: self.clock
            )
            return try await body(WebSocketInbound(stream: inbound, writer: writer), writer)
        }
    }
}
