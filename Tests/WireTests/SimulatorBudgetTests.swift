import Foundation
import Primitives
import Replay
import Simulator
import TapeLog
import Testing
import Upbit

@testable import Wire

/// One per-IP budget for the simulator's REST and WebSocket surfaces, on a clock the test moves:
/// clients within Upbit's limits never see a 429; one that ignores them does, and every 429 (and
/// every TOO_MANY_REQUESTS error) is counted in `/status`.
@Suite(.timeLimit(.minutes(3))) struct SimulatorBudgetTests {
    static func get(_ port: Int, _ uri: String) async throws -> (status: Int, body: String) {
        let reply = try await rawHTTP(port: port, "GET \(uri) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let status = Int(reply.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
        let body = reply.range(of: "\r\n\r\n").map { String(reply[$0.upperBound...]) } ?? ""
        return (status, body)
    }

    static func tooMany(_ port: Int) async throws -> [String: Any] {
        let status = try await get(port, "/status")
        let object = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
        return try #require(object?["too_many_requests"] as? [String: Any], "\(status.body)")
    }

    @Test func aRecorderAndAPollerWithinTheLimitsSeeNo429AndAFloodIsCounted() async throws {
        let clock = ManualWireClock()
        var options = ExchangeSimulator.Options()
        options.market.symbols = 2
        options.market.rate = 200
        options.market.clock = clock.wireClock
        let simulator = try await ExchangeSimulator.bind(options: options)
        let running = Task { try await simulator.run() }
        defer { running.cancel() }
        let port = simulator.port

        // The well-behaved pair: a recorder on the WebSocket, and a client polling two REST
        // groups at exactly Upbit's 10 requests per second (one of each per 100 ms of the clock).
        let path = temporaryTapePath()
        var configuration = RecordingRun.Configuration(
            path: path,
            url: try WebSocketURL(simulator.url),
            subscription: Array(#"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC","KRW-ETH"]}]"#.utf8),
            toolVersion: "test"
        )
        configuration.writer.commitMs = 10
        let session = try RecordingRun(configuration)
        let polls = Locked<[Int]>([])
        let summary = try await runSession(session) {
            let status = await session.status()
            if polls.withLock({ $0.count }) >= 60 { return status.frames >= 20 }
            for uri in ["/v1/ticker?markets=KRW-BTC", "/v1/orderbook?markets=KRW-ETH"] {
                let answer = (try? await Self.get(port, uri))?.status ?? 0
                polls.withLock { $0.append(answer) }
            }
            clock.advance(by: 100_000_000)
            return false
        }
        #expect(summary.epochs == 1)
        #expect(polls.withLock { $0 } == Array(repeating: 200, count: 60))
        #expect(try TapeReader(path: path).events().allSatisfy { $0.kind != .connectFailed })
        var counted = try await Self.tooMany(port)
        #expect(counted["total"] as? Int == 0, "\(counted)")

        // A client that ignores the limits, the clock standing still: 15 ticker requests (10 pass),
        // 8 connects (5 pass), 7 messages on one connection (5 pass).
        clock.advance(by: 2_000_000_000)  // every bucket full again
        var rest: [Int] = []
        for _ in 0..<15 { rest.append(try await Self.get(port, "/v1/ticker?markets=KRW-BTC").status) }
        #expect(rest == Array(repeating: 200, count: 10) + Array(repeating: 429, count: 5))
        var connects: [Int] = []
        var open: [WebSocketClientConnection] = []
        for _ in 0..<8 {
            do {
                open.append(try await WebSocketClient.connect(url: try WebSocketURL(simulator.url)))
                connects.append(101)
            } catch let error as WebSocketClientError {
                connects.append(error.httpStatus ?? 0)
            }
        }
        #expect(connects == Array(repeating: 101, count: 5) + Array(repeating: 429, count: 3))
        let replies = try await open[0].executeThenClose { inbound, writer in
            for _ in 0..<7 { try await writer.send(text: "PING") }
            var iterator = inbound.makeAsyncIterator()
            var texts: [String] = []
            while texts.count < 7, let message = try await iterator.next() {
                texts.append(String(buffer: message.payload))
            }
            try await writer.close(code: 1000)
            return texts
        }
        #expect(replies.filter { $0.contains("TOO_MANY_REQUESTS") }.count == 2, "\(replies)")
        for connection in open.dropFirst() {
            try await connection.executeThenClose { _, writer in try await writer.close(code: 1000) }
        }
        try await eventually { simulator.counters.messagesLimited == 2 }
        counted = try await Self.tooMany(port)
        #expect(counted["total"] as? Int == 10, "\(counted)")
        #expect((counted["rest"] as? [String: Any])?["ticker"] as? Int == 5)
        #expect(counted["websocket_connect"] as? Int == 3)
        #expect(counted["websocket_messages"] as? Int == 2)
        #expect(simulator.budget.rejections == ["ticker": 5, QuotationLimits.websocketConnect: 3])
    }
}
