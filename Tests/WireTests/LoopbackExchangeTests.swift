import NIOCore
import NIOPosix
import NIOWebSocket
import Testing
import Wire

@Suite(.timeLimit(.minutes(3))) struct LoopbackExchangeTests {
    @Test func serverAndClientExchangeTextBinaryFragmentsPingsAndClose() async throws {
        let serverSaw = Collector<WebSocketMessage>()
        let handler = ClosureHandler { _, inbound, writer in
            try await writer.send(text: "welcome")
            try await writer.write(fin: false, opcode: .binary, data: ByteBuffer(string: "ab"))
            try await writer.write(fin: true, opcode: .continuation, data: ByteBuffer(string: "cd"))
            try await writer.ping(ByteBuffer(string: "srv"))
            for try await message in inbound {
                await serverSaw.append(message)
                if message.text == "PING" { try await writer.send(text: #"{"status":"UP"}"#) }
                if message.text == "bye" { try await writer.close(code: 1000, reason: "done") }
            }
        }
        var configuration = WebSocketServerConfiguration()
        configuration.maxMessageSize = 1 << 20

        let clientSaw = try await withServer(configuration, handler: handler) { port in
            let url = try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1")
            let connection = try await WebSocketClient.connect(url: url)
            let messages = try await connection.executeThenClose { inbound, writer in
                try await writer.send(text: "PING")
                try await writer.ping(ByteBuffer(string: "cli"))
                var messages: [WebSocketMessage] = []
                for try await message in inbound {
                    messages.append(message)
                    if message.text == #"{"status":"UP"}"# {
                        try await writer.send(binary: ByteBuffer(repeating: 7, count: 100_000))
                        try await writer.write(fin: false, opcode: .text, data: ByteBuffer(string: "by"))
                        try await writer.write(fin: true, opcode: .continuation, data: ByteBuffer(string: "e"))
                    }
                }
                return messages
            }
            // The server sees our close echo only after we return: wait for it before stopping it.
            try await eventually { await serverSaw.values.count == 6 }
            return messages
        }

        try #require(clientSaw.count == 6)
        #expect(clientSaw.map(\.opcode) == [.text, .binary, .ping, .text, .pong, .connectionClose])
        #expect(clientSaw[1].fragmentCount == 2)
        #expect(String(buffer: clientSaw[1].payload) == "abcd")
        #expect(String(buffer: clientSaw[4].payload) == "cli")  // the server answered our ping
        let close = clientSaw[5].payload
        #expect(Array(close.readableBytesView.prefix(2)) == [0x03, 0xE8])
        #expect(clientSaw[5].closeReason == "done")

        let server = await serverSaw.values
        try #require(server.count == 6)
        #expect(server.map(\.opcode) == [.text, .ping, .pong, .binary, .text, .connectionClose])
        #expect(String(buffer: server[2].payload) == "srv")  // the client answered the server's ping
        #expect(server[3].payload.readableBytes == 100_000)
        #expect(server[4].text == "bye")
        #expect(server[4].fragmentCount == 2)
        #expect(server[5].closeCode == 1000)  // the client echoed the close code
    }

    @Test func aCloseSentRightAfterThe101ReachesTheClient() async throws {
        // The server's 101 and its close frame leave back to back (often in one TCP segment);
        // the client must still see the close, with its code, and not just a dropped connection.
        let handler = ClosureHandler { _, _, writer in
            try await writer.close(code: 4001, reason: "go away")
        }
        let codes = try await withServer(handler: handler) { port in
            var codes: [UInt16?] = []
            for _ in 0..<50 {
                let url = try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1")
                let connection = try await WebSocketClient.connect(url: url)
                let code = try await connection.executeThenClose { inbound, _ -> UInt16? in
                    var code: UInt16?
                    for try await message in inbound where message.opcode == .connectionClose {
                        code = message.closeCode
                    }
                    return code
                }
                codes.append(code)
            }
            return codes
        }
        #expect(codes.allSatisfy { $0 == 4001 }, "\(codes)")
    }

    @Test func theServerClosesIdleConnections() async throws {
        var configuration = WebSocketServerConfiguration()
        configuration.idleTimeout = .milliseconds(150)
        let handler = ClosureHandler { _, inbound, _ in
            for try await _ in inbound {}
        }
        let (head, after) = try await withServer(configuration, handler: handler) { port in
            try await rawUpgradeThenListen(port: port)
        }
        #expect(head.hasPrefix("HTTP/1.1 101 "), "\(head)")
        #expect(after == closeFrameBytes(1000, "idle timeout"), "exactly one frame, the close")
    }

    @Test("a TCP connection that never sends its request is closed after the handshake timeout")
    func theServerClosesSilentConnections() async throws {
        var configuration = WebSocketServerConfiguration()
        configuration.handshakeTimeout = .milliseconds(150)
        let handler = ClosureHandler { _, inbound, _ in
            for try await _ in inbound {}
        }
        let started = ContinuousClock.now
        let received = try await withServer(configuration, handler: handler) { port in
            // Connects, says nothing, and reads until the server closes.
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, _ in
                var bytes = 0
                do {
                    for try await chunk in inbound { bytes += chunk.readableBytes }
                } catch {
                    // A reset instead of a FIN is a close too.
                }
                return bytes
            }
        }
        #expect(received == 0, "nothing is sent to a client that never asked")
        #expect(ContinuousClock.now - started < .seconds(60), "closed by the server, not by the test's limit")
    }

    @Test func anOversizeClientMessageGetsClose1009() async throws {
        var configuration = WebSocketServerConfiguration()
        configuration.maxMessageSize = 1024
        let errors = Collector<String>()
        configuration.onConnectionError = { error in Task { await errors.append(String(describing: error)) } }
        let handler = ClosureHandler { _, inbound, _ in
            for try await _ in inbound {}
        }
        let codes = try await withServer(configuration, handler: handler) { port in
            let connection = try await WebSocketClient.connect(
                url: try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1")
            )
            return try await connection.executeThenClose { inbound, writer in
                try await writer.send(binary: ByteBuffer(repeating: 1, count: 2_000))
                var codes: [UInt16?] = []
                do {
                    for try await message in inbound { codes.append(message.closeCode) }
                } catch {
                    // The server drops the TCP connection right after its close frame.
                }
                return codes
            }
        }
        #expect(codes == [1009])
        try await eventually { await !errors.values.isEmpty }
    }
}
