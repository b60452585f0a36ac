import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import Wire

@Suite struct FrameStamperTests {
    private func recordingChannel(maxMessageSize: Int = 1 << 20, isClient: Bool = true) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)),
            FrameStamper(clock: SteppingClock().wireClock),
            MessageAssemblyHandler(maxMessageSize: maxMessageSize, isClient: isClient),
        ])
        return channel
    }

    private func readMessages(_ channel: EmbeddedChannel) throws -> [WebSocketMessage] {
        var messages: [WebSocketMessage] = []
        while let message = try channel.readInbound(as: WebSocketMessage.self) { messages.append(message) }
        return messages
    }

    @Test func fragmentedTextWithAPingInTheMiddleKeepsArrivalOrderAndCountsFragments() throws {
        let channel = try recordingChannel()
        let wire = try wireBytes([
            frame(.text, "Hel", fin: false),
            frame(.ping, "are you there"),
            frame(.continuation, "lo, ", fin: false),
            frame(.continuation, "world"),
            frame(.binary, "xyz"),
        ])
        for byte in wire.readableBytesView { try channel.writeInbound(ByteBuffer(bytes: [byte])) }  // drip-feed

        let messages = try readMessages(channel)
        #expect(messages.map(\.rawOpcode) == [0x9, 0x1, 0x2])
        #expect(messages.map(\.fragmentCount) == [1, 3, 1])
        #expect(String(buffer: messages[0].payload) == "are you there")
        #expect(messages[1].text == "Hello, world")
        #expect(String(buffer: messages[2].payload) == "xyz")
        // Stamped per frame on arrival: the ping (2nd frame) before the text's last fragment (4th).
        #expect(messages.map(\.monotonicNanos) == [2_000, 4_000, 5_000])
        #expect(try channel.finish().isClean)
    }

    @Test func maskedInputIsStoredUnmasked() throws {
        let channel = try recordingChannel(isClient: false)
        let masked = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: "secret"))
        try channel.writeInbound(try wireBytes([masked]))
        let messages = try readMessages(channel)
        #expect(messages.count == 1)
        #expect(messages[0].text == "secret")
    }

    @Test func rsvBitsAndUnknownOpcodesAreKept() throws {
        let channel = try recordingChannel()
        let odd = WebSocketFrame(
            fin: true,
            rsv1: true,
            opcode: WebSocketOpcode(encodedWebSocketOpcode: 0x3)!,
            data: ByteBuffer(string: "?")
        )
        try channel.writeInbound(try wireBytes([odd]))
        let messages = try readMessages(channel)
        #expect(messages.map(\.rawOpcode) == [0x3])
        #expect(messages.map(\.rsv) == [4])
    }

    @Test func anOversizeReassembledMessageSendsMaskedClose1009AndFails() throws {
        let channel = try recordingChannel(maxMessageSize: 8)
        let wire = try wireBytes([frame(.text, "12345", fin: false), frame(.continuation, "6789")])
        #expect(throws: WebSocketMessageError.messageTooLarge(limit: 8)) {
            try channel.writeInbound(wire)
        }
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(close.opcode == .connectionClose)
        #expect(close.maskKey != nil)
        // An outbound frame holds plain data; the encoder applies the mask on the wire.
        #expect(close.data.getInteger(at: close.data.readerIndex, as: UInt16.self) == 1009)
        #expect(!channel.isActive)
    }

    @Test func aContinuationWithoutAMessageIsAProtocolError() throws {
        let channel = try recordingChannel(isClient: false)
        #expect(throws: WebSocketMessageError.unexpectedContinuation) {
            try channel.writeInbound(try wireBytes([frame(.continuation, "orphan")]))
        }
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(close.maskKey == nil)
        #expect(close.data.getInteger(at: close.data.readerIndex, as: UInt16.self) == 1002)
    }
}
