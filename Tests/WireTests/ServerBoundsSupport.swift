import NIOCore
import NIOPosix
import Primitives
import Wire

/// A raw TCP peer for tests of what one misbehaving client can cost a server: it writes raw
/// bytes, reads only when told to (autoRead off, a small receive buffer, so a peer that "never
/// reads" fills its socket quickly), and keeps every byte it read.
final class RawPeer: Sendable {
    private final class Collect: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let keeps: Bool
        let bytes = Locked<[UInt8]>([])
        let count = Locked(0)
        let closed = Locked(false)

        init(keeps: Bool) { self.keeps = keeps }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = Self.unwrapInboundIn(data)
            self.count.withLock { $0 += buffer.readableBytes }
            if self.keeps { self.bytes.withLock { $0.append(contentsOf: buffer.readableBytesView) } }
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.closed.withLock { $0 = true }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    let channel: any Channel
    private let collect: Collect

    private init(channel: any Channel, collect: Collect) {
        self.channel = channel
        self.collect = collect
    }

    /// Connects to 127.0.0.1:`port`; reads nothing until ``startReading()`` unless `reading`.
    /// Without `keeps`, only the number of bytes read is kept.
    static func connect(
        port: Int,
        reading: Bool = false,
        receiveBuffer: Int = 4096,
        keeps: Bool = true
    ) async throws -> RawPeer {
        let collect = Collect(keeps: keeps)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: reading)
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collect) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawPeer(channel: channel, collect: collect)
    }

    /// Every byte read so far.
    var received: [UInt8] { self.collect.bytes.withLock { $0 } }
    /// How many bytes were read so far.
    var receivedCount: Int { self.collect.count.withLock { $0 } }
    /// Whether the server has closed the connection (seen once reading, or on a write error).
    var isClosed: Bool { self.collect.closed.withLock { $0 } }

    func write(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    func write(_ text: String) async throws { try await self.write(Array(text.utf8)) }

    func startReading() async throws {
        try await self.channel.setOption(.autoRead, value: true).get()
    }

    /// Reads once every `interval`, on the event loop: a client that keeps reading, slowly and
    /// steadily, whatever the load on the test's task pool.
    func readSteadily(every interval: TimeAmount) {
        let channel = self.channel
        channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { task in
            guard channel.isActive else { return task.cancel() }
            channel.read()
        }
    }

    func close() { self.channel.close(promise: nil) }

    /// The server frames after the HTTP response head (opcode, payload), as far as complete.
    var frames: [(opcode: UInt8, payload: [UInt8])] {
        let bytes = self.received
        let separator = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4,
            let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
        else { return [] }
        var i = end + 4
        var out: [(UInt8, [UInt8])] = []
        while i + 2 <= bytes.count {
            let opcode = bytes[i] & 0x0F
            var length = Int(bytes[i + 1] & 0x7F)
            var at = i + 2
            if length == 126 {
                guard at + 2 <= bytes.count else { break }
                length = Int(bytes[at]) << 8 | Int(bytes[at + 1])
                at += 2
            } else if length == 127 {
                guard at + 8 <= bytes.count else { break }
                length = bytes[at..<at + 8].reduce(0) { $0 << 8 | Int($1) }
                at += 8
            }
            guard at + length <= bytes.count else { break }
            out.append((opcode, Array(bytes[at..<at + length])))
            i = at + length
        }
        return out
    }

    /// The close code of the first close frame the server sent, if one was read.
    var closeCode: UInt16? {
        guard let close = self.frames.first(where: { $0.opcode == 0x8 }), close.payload.count >= 2 else { return nil }
        return UInt16(close.payload[0]) << 8 | UInt16(close.payload[1])
    }
}

/// An upgrade request for `path`, with `extraHeaders` lines (each ending in CRLF).
func upgradeRequest(path: String = "/websocket/v1", extraHeaders: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n"
}

/// A masked client text frame (mask key 0: valid, and the payload stays readable).
func maskedText(_ text: String) -> [UInt8] {
    let payload = Array(text.utf8)
    precondition(payload.count < 126)
    return [0x81, 0x80 | UInt8(payload.count), 0, 0, 0, 0] + payload
}
