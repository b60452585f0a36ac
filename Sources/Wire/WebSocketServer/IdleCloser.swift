import NIOCore
import NIOWebSocket

/// Closes a server connection that saw no data in either direction for the idle timeout.
///
/// Upbit: "the server closes the connection after about 120 s with no data in either direction"
/// Placed after an `IdleStateHandler(allTimeout:)`; sends close 1000 and closes.
final class IdleCloser: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .all? = event as? IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        var payload = context.channel.allocator.buffer(capacity: 16)
        payload.writeInteger(UInt16(1000))
        payload.writeString("idle timeout")
        let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(Self.wrapOutboundOut(close)).whenComplete { _ in
            loopBoundContext.value.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension IdleCloser: Sendable {}
