import NIOCore
import NIOWebSocket
import Simulator
import TapeLog
import Testing
import Upbit

@testable import Wire

/// A tape served over a real loopback WebSocket through the serve wiring.
@Suite(.timeLimit(.minutes(3))) struct ServeLoopbackTests {
    /// Every recorded stream, realtime only: the client then receives exactly what was recorded.
    static let everything =
        #"[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC","KRW-ETH","KRW-XRP"],"isOnlyRealtime":true},"#
        + #"{"type":"trade","codes":["KRW-BTC","KRW-ETH","KRW-XRP"],"isOnlyRealtime":true},"#
        + #"{"type":"orderbook","codes":["KRW-BTC","KRW-ETH","KRW-XRP"],"isOnlyRealtime":true}]"#

    private func script() -> ServeTapeScript {
        var feed = SyntheticFeed(seed: 11, markets: SyntheticFeed.markets(count: 3))
        var script = ServeTapeScript()
        for epoch in 1...2 {
            let base = Int64(epoch - 1) * 1_000
            script.connect(at: base)
            script.frame(
                Array(#"[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]}]"#.utf8),
                at: base + 1,
                direction: .outbound,
                opcode: FrameOpcode.text
            )
            for k in 1...150 {
                // Recorded as text or binary: served as binary either way, as Upbit sends data.
                script.frame(
                    feed.next().bytes,
                    at: base + Int64(k),
                    opcode: k % 3 == 0 ? FrameOpcode.text : FrameOpcode.binary
                )
                if k % 50 == 0 { script.frame([], at: base + Int64(k), opcode: FrameOpcode.ping) }
            }
            script.disconnect(at: base + 500, code: 1001)
        }
        return script
    }

    private func serve(
        _ path: String,
        replayDisconnects: Bool = false,
        _ body: @Sendable (Int, TapeMarket, ConnectionCounter) async throws -> Void
    ) async throws {
        var options = TapeMarketOptions()
        options.speed = .max
        options.replayDisconnects = replayDisconnects
        options.startOnFirstSubscription = true
        let market = try TapeMarket(path: path, options: options)
        defer { market.stop() }
        let counter = ConnectionCounter()
        // A close is given its time even on a loaded machine: the tests here are about what the
        // client receives, not about the close deadline.
        var handlerOptions = UpbitExchangeHandler.Options()
        handlerOptions.closeTimeout = .seconds(30)
        let handler = counter.counting(makeServeHandler(source: market, options: handlerOptions))
        let status: @Sendable () async -> HTTPReply = {
            serveStatusReply(market: market, clients: counter, tape: path)
        }
        try await withServer(status: status, handler: handler) { port in try await body(port, market, counter) }
    }

    @Test func framesArriveBinaryInRecordedOrderAndByteIdentical() async throws {
        let script = script()
        let expected = script.messages
        try await serve(try script.write()) { port, _, _ in
            let connection = try await WebSocketClient.connect(
                url: try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1")
            )
            let received = try await connection.executeThenClose { inbound, writer in
                try await writer.send(text: Self.everything)
                var received: [WebSocketMessage] = []
                for try await message in inbound {
                    received.append(message)
                    if received.count == expected.count { break }
                }
                return received
            }
            #expect(received.count == expected.count)
            #expect(received.allSatisfy { $0.opcode == .binary })
            #expect(received.map { Array($0.payload.readableBytesView) } == expected)
        }
    }

    @Test func recordedEpochBoundariesCloseTheClientWithTheRecordedCode() async throws {
        try await serve(try script().write(), replayDisconnects: true) { port, _, _ in
            let connection = try await WebSocketClient.connect(
                url: try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1")
            )
            let received = try await connection.executeThenClose { inbound, writer in
                try await writer.send(text: Self.everything)
                var received: [WebSocketMessage] = []
                for try await message in inbound { received.append(message) }
                return received
            }
            #expect(received.count == 151)
            #expect(received.last?.closeCode == 1001)
            #expect(received.dropLast().allSatisfy { $0.opcode == .binary })
        }
    }

    @Test func statusIsJSONWithPositionSpeedEpochAndClients() async throws {
        let script = script()
        let path = try script.write()
        try await serve(path) { port, market, counter in
            let before = try await rawHTTP(port: port, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(before.hasPrefix("HTTP/1.1 200 OK"))
            #expect(before.contains("Content-Type: application/json"))
            #expect(before.contains(#""position":null"#) && before.contains(#""started":false"#))
            #expect(before.contains(#""speed":"max""#) && before.contains(#""clients":0"#))

            let connection = try await WebSocketClient.connect(
                url: try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1")
            )
            try await connection.executeThenClose { inbound, writer in
                try await writer.send(text: Self.everything)
                var count = 0
                for try await _ in inbound {
                    count += 1
                    if count == script.messages.count { break }
                }
                try await waitUntilFinished(market)
                let after = try await rawHTTP(port: port, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
                let body = String(after[after.range(of: "\r\n\r\n")!.upperBound...])
                #expect(body == market.status.json(tape: path, clients: 1))
                #expect(body.contains(#""clients":1"#) && body.contains(#""epoch":2"#))
                #expect(body.contains(#""position":{"epoch":2,"seq":"#))
                #expect(body.contains(#""frames_sent":300"#) && body.contains(#""finished":true"#))
            }
            try await eventually { counter.current == 0 }
        }
    }
}
