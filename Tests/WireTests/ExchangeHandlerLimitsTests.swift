import NIOCore
import NIOWebSocket
import Primitives
import Testing
import Upbit

@testable import Wire

@Suite(.timeLimit(.minutes(3))) struct ExchangeHandlerLimitsTests {
    private func errorName(_ message: WebSocketMessage) -> String? {
        (try? JSONValue.parse(message.bytes))?["error"]?["name"]?.stringValue
    }

    @Test func badRequestsGetUpbitsErrorNames() async throws {
        let requests: [(String, String)] = [
            (#"[{"type":"ticker","codes":["KRW-BTC"]}]"#, "NO_TICKET"),
            (#"[{"ticket":"t"}]"#, "NO_TYPE"),
            (#"[{"ticket":"t"},{"type":"trade"}]"#, "NO_CODES"),
            (#"[{"ticket":"t"},{"type":"myAsset","codes":["KRW-BTC"]}]"#, "WRONG_FORMAT"),
            (#"{"ticket":"t"}"#, "WRONG_FORMAT"),
            (#"[{"ticket":"t"},{"type":"nonsense","codes":["KRW-BTC"]}]"#, "INVALID_PARAM"),
            (#"[{"ticket":"t"},{"type":"myOrder"}]"#, "INVALID_AUTH"),
        ]
        let got = try await withExchange(FakeMarket()) { client in
            for (request, _) in requests { try await client.send(request) }
            return try await client.data(count: requests.count)
        }
        #expect(got.map { self.errorName($0) } == requests.map(\.1))
        #expect(got.allSatisfy { $0.opcode == .binary })
    }

    @Test func privateTypesNeedTheBearerHeaderOnThePrivatePath() async throws {
        let request = #"[{"ticket":"t"},{"type":"myAsset"},{"type":"myOrder"}]"#
        let refused = try await withExchange(FakeMarket(), path: "/websocket/v1/private") { client in
            try await client.send(request)
            return try await client.data(count: 1)
        }
        #expect(refused.map { self.errorName($0) } == ["INVALID_AUTH"])
        let accepted = try await withExchange(
            FakeMarket(),
            path: "/websocket/v1/private",
            headers: [("Authorization", "Bearer token")]
        ) { client in
            try await client.send(request)
            try await client.sync()
            return await client.received.data
        }
        #expect(accepted.map(\.json) == [#"{"status":"UP"}"#])
    }

    @Test func theSixthMessageInASecondGetsTooManyRequests() async throws {
        var options = UpbitExchangeHandler.Options()
        options.clock = WireClock(monotonicNanos: { 0 }, wallNanos: { 0 })
        let got = try await withExchange(FakeMarket(), options: options) { client in
            for _ in 0..<7 { try await client.send("PING") }
            return try await client.data(count: 7)
        }
        #expect(got.prefix(5).allSatisfy { $0.json == #"{"status":"UP"}"# })
        #expect(got.suffix(2).map { self.errorName($0) } == ["TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"])
    }

    @Test func anAbruptDisconnectDropsTCPWithoutACloseFrame() async throws {
        let market = FakeMarket()
        let received = try await withExchange(market) { client in
            try await client.sync()
            market.publish(.disconnectAll(code: 1006, reason: "cut", abrupt: true))
            try await eventually { await client.received.ended }
            return client.received
        }
        #expect(await received.messages.allSatisfy { $0.opcode != .connectionClose })
    }

    @Test func aGracefulDisconnectWritesTheQueueThenClosesWithTheCode() async throws {
        let market = FakeMarket()
        let live = Payloads.message("trade", "KRW-BTC", seed: 5)
        let received = try await withExchange(market) { client in
            try await client.send(#"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"],"isOnlyRealtime":true}]"#)
            try await client.sync()
            market.publish(live)
            market.publish(.disconnectAll(code: 4000, reason: "epoch boundary", abrupt: false))
            try await eventually { await client.received.ended }
            return client.received
        }
        let messages = await received.messages
        try #require(messages.map(\.opcode) == [.binary, .binary, .connectionClose])
        #expect(messages[1].bytes == live.payload)
        #expect(messages.last?.closeCode == 4000)
        #expect(messages.last?.closeReason == "epoch boundary")
    }

    @Test func aClientThatDoesNotReadIsClosedAsASlowConsumer() async throws {
        let market = FakeMarket()
        var options = UpbitExchangeHandler.Options.lenient
        options.bufferCapacity = 4
        options.closeTimeout = .seconds(60)  // the close handshake is awaited, not timed
        var clientOptions = WebSocketClient.Options()
        clientOptions.lowWatermark = 1
        clientOptions.highWatermark = 2
        let big = ExchangeMessage(
            type: "trade",
            code: "KRW-BTC",
            format: .default,
            payload: Array(#"{"type":"trade","code":"KRW-BTC","pad":""#.utf8) + Array(repeating: 0x61, count: 60_000)
                + Array(#"","stream_type":"REALTIME"}"#.utf8)
        )
        let connection = try await withExchange(market, options: options, clientOptions: clientOptions) { client in
            try await client.send(#"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"],"isOnlyRealtime":true}]"#)
            try await client.sync()
            // Keep publishing until the server gives up on us: the kernel buffers fill, then the queue.
            try await eventually {
                for _ in 0..<50 { market.publish(big) }
                return market.listenerCount == 0
            }
            try await eventually { await client.received.ended }
            return client.received
        }
        let close = await connection.messages.last
        #expect(close?.closeCode == 1008)
        #expect(close?.closeReason == "slow consumer")
    }

    @Test func anIdleConnectionIsClosedAfterTheTimeout() async throws {
        var configuration = WebSocketServerConfiguration()
        configuration.idleTimeout = .milliseconds(200)
        let handler = UpbitExchangeHandler(source: FakeMarket(), options: .lenient)
        let (head, after) = try await withServer(configuration, handler: handler) { port in
            try await rawUpgradeThenListen(port: port)
        }
        #expect(head.hasPrefix("HTTP/1.1 101 "), "\(head)")
        #expect(after == closeFrameBytes(1000, "idle timeout"), "exactly one frame, the close")
    }
}
