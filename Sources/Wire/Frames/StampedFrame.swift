import NIOCore
import NIOWebSocket

/// One wire frame as decoded, with the moment it came off the socket.
public struct StampedFrame: Sendable {
    /// The frame exactly as decoded (possibly still masked: use `frame.unmaskedData`).
    public var frame: WebSocketFrame
    /// Wall-clock arrival time, Unix nanoseconds.
    public var wallNanos: Int64
    /// Monotonic arrival time, nanoseconds.
    public var monotonicNanos: Int64

    public init(frame: WebSocketFrame, wallNanos: Int64, monotonicNanos: Int64) {
        self.frame = frame
        self.wallNanos = wallNanos
        self.monotonicNanos = monotonicNanos
    }
}

/// Stamps every inbound frame on the event loop, before it can wait in any async buffer.
///
/// Frames are stamped on arrival. Taking the time here, and not where the recording
/// task dequeues the frame, keeps backpressure and scheduling delays out of the recorded pacing
/// (the recorder's lag is then measurable as `now − stamp` at commit time).
final class FrameStamper: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = StampedFrame

    private let clock: WireClock

    init(clock: WireClock) {
        self.clock = clock
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        let stamped = StampedFrame(
            frame: frame,
            wallNanos: self.clock.wallNanos(),
            monotonicNanos: self.clock.monotonicNanos()
        )
        context.fireChannelRead(Self.wrapInboundOut(stamped))
    }
}

@available(*, unavailable)
extension FrameStamper: Sendable {}
