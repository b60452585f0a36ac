import NIOCore
import NIOWebSocket

/// Turns stamped frames into messages, and is the connection's protocol-error handler.
///
/// Both upgraders are built with `enableAutomaticErrorHandling: false`: NIO's own handler would
/// close the connection *before* the error reaches the `NIOAsyncChannel`, so the reading loop
/// would end as if the peer had left normally. Here a decoder
/// or reassembly error sends the matching close frame (1009 for too large, 1002 otherwise; masked
/// when we are the client, RFC 6455 §5.3), closes the channel and passes the error on, so the
/// reading loop throws it.
final class MessageAssemblyHandler: ChannelInboundHandler {
    typealias InboundIn = StampedFrame
    typealias InboundOut = WebSocketMessage
    typealias OutboundOut = WebSocketFrame

    private var assembler: MessageAssembler
    private let isClient: Bool
    private var failed = false

    init(maxMessageSize: Int, isClient: Bool) {
        self.assembler = MessageAssembler(maxMessageSize: maxMessageSize)
        self.isClient = isClient
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.failed else { return }
        do {
            if let message = try self.assembler.push(Self.unwrapInboundIn(data)) {
                context.fireChannelRead(Self.wrapInboundOut(message))
            }
        } catch {
            let tooLarge: Bool
            if case .messageTooLarge = error { tooLarge = true } else { tooLarge = false }
            self.fail(context: context, error: error, code: tooLarge ? 1009 : 1002)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard !self.failed else { return }
        switch error as? NIOWebSocketError {
        case .invalidFrameLength?: self.fail(context: context, error: error, code: 1009)
        case .fragmentedControlFrame?, .multiByteControlFrameLength?:
            self.fail(context: context, error: error, code: 1002)
        case nil: context.fireErrorCaught(error)
        }
    }

    private func fail(context: ChannelHandlerContext, error: Error, code: UInt16) {
        self.failed = true
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.writeInteger(code)
        let close = WebSocketFrame(
            fin: true,
            opcode: .connectionClose,
            maskKey: self.isClient ? .random() : nil,
            data: payload
        )
        context.writeAndFlush(Self.wrapOutboundOut(close), promise: nil)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension MessageAssemblyHandler: Sendable {}
