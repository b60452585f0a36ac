import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import Testing

@testable import Wire

@Suite struct ClientUpgradeEmbeddedTests {
    // Fixed key/accept pair from swift-nio's WebSocketClientEndToEndTests.
    private let key = "OfS0wDaT5NoxF2gqm7Zj2YtetzM="
    private let accept = "yKEqitDFPE81FyIhKTm+ojBqigk="

    private enum Outcome: Sendable, Equatable {
        case upgraded
        case refused
    }

    private func upgrade(
        strategy: RemoveAfterUpgradeStrategy,
        url: String = "ws://example.com:8443/websocket/v1"
    ) throws -> (EmbeddedChannel, EventLoopFuture<Outcome>, String) {
        let channel = EmbeddedChannel()
        var setup = ClientPipelineSetup(
            url: try WebSocketURL(url),
            headers: HTTPHeaders([("Authorization", "Bearer abc")]),
            requestKey: key,
            maxFrameSize: 1 << 24,
            maxMessageSize: 1 << 24,
            clock: SteppingClock().wireClock
        )
        setup.leftOverBytesStrategy = strategy
        let result: EventLoopFuture<Outcome> = try setup.configure(
            channel: channel,
            upgraded: { _ in Outcome.upgraded },
            refused: { _ in Outcome.refused }
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8443)).wait()
        var request = ""
        while let chunk = try channel.readOutbound(as: ByteBuffer.self) { request += String(buffer: chunk) }
        return (channel, result, request)
    }

    private func response101() -> String {
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
            + "Sec-WebSocket-Accept: \(accept)\r\n\r\n"
    }

    @Test func requestCarriesHostWithPortAuthAndNoOrigin() throws {
        let (channel, _, request) = try upgrade(strategy: .forwardBytes)
        let lines = request.split(separator: "\r\n").map { $0.lowercased() }
        #expect(lines.first == "get /websocket/v1 http/1.1")
        #expect(lines.contains("host: example.com:8443"))
        #expect(lines.contains("authorization: bearer abc"))
        #expect(lines.contains("sec-websocket-key: \(key.lowercased())"))
        #expect(!lines.contains { $0.hasPrefix("origin:") })
        _ = try? channel.finish()
    }

    /// Upgrades, then delivers the 101 and `frames` in one inbound buffer.
    private func upgradeWith101(
        followedBy frames: [WebSocketFrame],
        strategy: RemoveAfterUpgradeStrategy
    ) throws -> (EmbeddedChannel, EventLoopFuture<Outcome>) {
        let (channel, result, _) = try upgrade(strategy: strategy)
        var buffer = ByteBuffer(string: response101())
        var after = try wireBytes(frames)
        buffer.writeBuffer(&after)
        try channel.writeInbound(buffer)
        channel.embeddedEventLoop.run()
        return (channel, result)
    }

    @Test func aFrameInTheSameBufferAsThe101IsDeliveredWithForwardBytes() throws {
        let (channel, result) = try upgradeWith101(
            followedBy: [frame(.binary, "snapshot", masked: false)],
            strategy: .forwardBytes
        )
        #expect(try result.wait() == .upgraded)
        let message = try #require(try channel.readInbound(as: WebSocketMessage.self))
        #expect(message.opcode == .binary)
        #expect(String(buffer: message.payload) == "snapshot")
        _ = try? channel.finish()
    }

    @Test func aCloseInTheSameBufferAsThe101IsDelivered() throws {
        let close = WebSocketFrame(
            fin: true,
            opcode: .connectionClose,
            data: ByteBuffer(bytes: [0x03, 0xE8, 0x62, 0x79, 0x65])
        )
        let (channel, result) = try upgradeWith101(followedBy: [close], strategy: .forwardBytes)
        #expect(try result.wait() == .upgraded)
        let message = try #require(try channel.readInbound(as: WebSocketMessage.self))
        #expect(message.opcode == .connectionClose)
        #expect(message.closeCode == 1000)
        #expect(message.closeReason == "bye")
        #expect(try channel.readInbound(as: WebSocketMessage.self) == nil)
        _ = try? channel.finish()
    }

    @Test func theSameFrameIsLostWithNIOsDefaultDropBytes() throws {
        let (channel, result) = try upgradeWith101(
            followedBy: [frame(.binary, "snapshot", masked: false)],
            strategy: .dropBytes
        )
        #expect(try result.wait() == .upgraded)
        #expect(try channel.readInbound(as: WebSocketMessage.self) == nil)
        _ = try? channel.finish()
    }

    @Test func aNon101ResponseTakesTheRefusedPath() throws {
        let (channel, result, _) = try upgrade(strategy: .forwardBytes)
        try channel.writeInbound(
            ByteBuffer(string: "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 3\r\n\r\nno!")
        )
        channel.embeddedEventLoop.run()
        #expect(try result.wait() == .refused)
        let head = try #require(try channel.readInbound(as: HTTPClientResponsePart.self))
        guard case .head(let responseHead) = head else {
            Issue.record("expected the response head to be re-fired, got \(head)")
            return
        }
        #expect(responseHead.status == .tooManyRequests)
        _ = try? channel.finish()
    }
}
