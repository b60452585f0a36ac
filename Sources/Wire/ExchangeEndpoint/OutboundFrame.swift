import Exchange
import Upbit

/// One data frame queued for a connection: market data (SNAPSHOT or REALTIME) or a reply
/// (`status`, `error`, `list`), with what the truth log needs to know about it.
struct OutboundFrame: Sendable {
    /// The exact bytes to send (sent as one binary frame).
    var payload: [UInt8]
    /// Upbit type, or `status` / `error` / `list` for replies.
    var type: String
    var code: String?
    /// Nil for replies.
    var streamType: StreamType?
    /// Monotonic time before which it must not be sent (chaos delay); 0 = at once.
    var dueNanos: Int64 = 0
    /// The tape frame it was recorded as (`serve`), for the sent log.
    var origin: FrameOrigin?

    /// Market data counts against the connection's buffer and is subject to chaos; replies are not.
    var isMarket: Bool { self.streamType != nil }

    static func reply(_ payload: [UInt8], type: String) -> OutboundFrame {
        OutboundFrame(payload: payload, type: type, code: nil, streamType: nil)
    }
}
