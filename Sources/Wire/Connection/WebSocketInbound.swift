import NIOCore
import NIOWebSocket

/// The inbound messages of one connection, answering the peer's control frames on the way.
///
/// NIO answers neither pings nor closes. This sequence does, in
/// "record first, then reply" order: a ping is handed to the consumer first and its pong is sent
/// when the consumer asks for the next message; likewise a peer's close is answered (unless we
/// closed first) and then the sequence ends. Text `PING` messages are ordinary data: left to the
/// consumer. Iterate it once.
public struct WebSocketInbound: AsyncSequence, Sendable {
    public typealias Element = WebSocketMessage

    private let stream: NIOAsyncChannelInboundStream<WebSocketMessage>
    private let writer: WebSocketWriter

    init(stream: NIOAsyncChannelInboundStream<WebSocketMessage>, writer: WebSocketWriter) {
        self.stream = stream
        self.writer = writer
    }

    /// The same sequence, with its automatic replies sent through `writer` (e.g. an observed one).
    public func replying(through writer: WebSocketWriter) -> WebSocketInbound {
        WebSocketInbound(stream: self.stream, writer: writer)
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: self.stream.makeAsyncIterator(), writer: self.writer)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private enum Reply {
            case pong(ByteBuffer)
            case close(code: UInt16?)
        }

        private var base: NIOAsyncChannelInboundStream<WebSocketMessage>.AsyncIterator
        private let writer: WebSocketWriter
        private var pending: Reply?
        private var finished = false

        init(base: NIOAsyncChannelInboundStream<WebSocketMessage>.AsyncIterator, writer: WebSocketWriter) {
            self.base = base
            self.writer = writer
        }

        public mutating func next() async throws -> WebSocketMessage? {
            if let reply = self.pending {
                self.pending = nil
                switch reply {
                case .pong(let payload): try await self.writer.pong(payload)
                case .close(let code): try await self.writer.replyToClose(code: code)
                }
            }
            guard !self.finished, let message = try await self.base.next() else {
                self.finished = true
                return nil
            }
            switch message.opcode {
            case .ping:
                self.pending = .pong(message.payload)
            case .connectionClose:
                self.finished = true
                self.pending = .close(code: message.closeCode)
            default:
                break
            }
            return message
        }
    }
}

@available(*, unavailable)
extension WebSocketInbound.AsyncIterator: Sendable {}
