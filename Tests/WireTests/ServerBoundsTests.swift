import Foundation
import NIOCore
import Primitives
import Testing
import TicktapeTestSupport

@testable import Wire

/// What one connection may cost a server: a slot only until the handshake deadline, a bounded
/// send queue, and a socket that may stay unwritable only so long.
@Suite(.timeLimit(.minutes(3))) struct ServerBoundsTests {
    private let drain = ClosureHandler { _, inbound, _ in
        for try await _ in inbound {}
    }

    private func connectAndClose(_ port: Int) async throws {
        let connection = try await WebSocketClient.connect(url: try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1"))
        try await connection.executeThenClose { inbound, writer in
            try await writer.close(code: 1000)
            for try await _ in inbound {}
        }
    }

    /// Upgrade requests with a chunked body take a client slot at their head. Those whose body
    /// never ends are closed by the handshake deadline; those whose body arrives fail NIO's
    /// upgrade and are closed at once. Either way the slots come back, and 503 is answered only
    /// while the limit is really reached.
    @Test func aChunkedBodyUpgradeFloodFreesItsSlotsByTheDeadline() async throws {
        var configuration = WebSocketServerConfiguration()
        configuration.maxClients = 4
        configuration.handshakeTimeout = .seconds(5)
        let counters = configuration.counters
        try await withServer(configuration, handler: drain) { port in
            let chunked = upgradeRequest(extraHeaders: "Transfer-Encoding: chunked\r\n")
            // 1. Heads only: the upgrade waits for a body that never ends.
            var pending: [RawPeer] = []
            for _ in 0..<4 {
                let peer = try await RawPeer.connect(port: port, reading: true)
                try await peer.write(chunked)
                pending.append(peer)
            }
            // The slots are really taken now: while the limit is reached, upgrades get 503. (A
            // test task starved past the deadline may only see the slots come back.)
            try await eventually { counters.clientSlots == 4 || counters.handshakeTimeouts >= 4 }
            var refusal: Int?
            do {
                try await connectAndClose(port)
            } catch let error as WebSocketClientError {
                refusal = error.httpStatus
            }
            if counters.handshakeTimeouts == 0 {  // (a starved test may only get here after the deadline)
                #expect(refusal == 503)
            }
            try await eventually { pending.allSatisfy(\.isClosed) }
            #expect(counters.handshakeTimeouts >= 4)
            try await eventually { counters.clientSlots == 0 }
            try await connectAndClose(port)  // every slot is back

            // 2. Heads and a chunk: NIO fails the upgrade; the connection closes at once.
            var failed: [RawPeer] = []
            for _ in 0..<8 {
                let peer = try await RawPeer.connect(port: port, reading: true)
                try await peer.write(chunked + "5\r\nhello\r\n")
                failed.append(peer)
            }
            try await eventually { failed.allSatisfy(\.isClosed) }
            try await eventually { counters.clientSlots == 0 }
            for _ in 0..<4 { try await connectAndClose(port) }
        }
    }

    /// A client that floods tiny text frames over the message limit and never reads: its
    /// TOO_MANY_REQUESTS replies count against its byte budget, and it is closed with 1008 with
    /// the server's queued bytes for it never above that budget.
    @Test func aNeverReadingFlooderIsClosedWith1008WithinItsByteBudget() async throws {
        let budget = 16 << 10
        var options = UpbitExchangeHandler.Options()  // Upbit's 5/s and 100/min
        options.byteBudget = budget
        options.closeTimeout = .seconds(60)
        var configuration = WebSocketServerConfiguration()
        configuration.unwritableTimeout = .seconds(120)  // the budget must be what closes it
        configuration.socketSendBufferSize = 4096
        let counters = ExchangeCounters()
        let handler = UpbitExchangeHandler(source: FakeMarket(), options: options, counters: counters)
        try await withServer(configuration, handler: handler) { port in
            let peer = try await RawPeer.connect(port: port)
            try await peer.write(upgradeRequest())
            let burst = Array(repeating: maskedText("x"), count: 500).flatMap { $0 }
            var bursts = 0
            while counters.closedOverBudget == 0, bursts < 400 {
                try? await peer.write(burst)
                bursts += 1
                if bursts % 10 == 0 { try await Task.sleep(for: .milliseconds(5)) }
            }
            try await eventually { counters.closedOverBudget == 1 }
            // Read now: the 1008 comes after what was already on its way, then answer it.
            try await peer.startReading()
            try await eventually { peer.closeCode != nil || peer.isClosed }
            #expect(peer.closeCode == 1008)
            peer.close()
            try await eventually { counters.openConnections == 0 }
            #expect(counters.peakQueuedBytes > 0)
            #expect(counters.peakQueuedBytes <= budget, "the server's own accounting stays within the budget")
        }
    }

    /// At `max` speed the replay waits for slow clients, but a client that never reads is waited
    /// for only until its socket has been unwritable for the deadline: then it is closed with
    /// 1008 and counted, and a healthy client keeps receiving.
    @Test func atMaxSpeedAStuckClientIsClosedWith1008AndTheReplayGoesOn() async throws {
        var script = ServeTapeScript()
        script.connect(at: 0)
        for i in 0..<400 { script.frame(tradePayload("KRW-BTC", sid: i + 1), at: Int64(i)) }
        let path = try script.write()
        var marketOptions = TapeMarketOptions()
        marketOptions.speed = .max
        marketOptions.loop = true
        marketOptions.startOnFirstSubscription = true
        let market = try TapeMarket(path: path, options: marketOptions)
        defer { market.stop() }

        var configuration = WebSocketServerConfiguration()
        configuration.unwritableTimeout = .seconds(3)
        configuration.unwritableGrace = .seconds(20)  // the 1008 waits for the reader below
        configuration.socketSendBufferSize = 4096
        let serverCounters = configuration.counters
        let exchangeCounters = ExchangeCounters()
        let clients = ConnectionCounter()
        let handler = clients.counting(makeServeHandler(source: market, counters: exchangeCounters))
        let request = #"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]"#
        try await withServer(configuration, handler: handler) { port in
            // The healthy client reads on its event loop, a little every 5 ms: slow but steady,
            // and not at the mercy of a busy task pool (nor does it make the replay spin).
            let healthy = try await RawPeer.connect(port: port, receiveBuffer: 1 << 16, keeps: false)
            defer { healthy.close() }
            try await healthy.write(upgradeRequest())
            try await healthy.write(maskedText(request))
            healthy.readSteadily(every: .milliseconds(5))
            try await eventually { healthy.receivedCount > 50_000 }

            let stuck = try await RawPeer.connect(port: port)
            defer { stuck.close() }
            try await stuck.write(upgradeRequest())
            try await stuck.write(maskedText(request))
            try await eventually { serverCounters.closedUnwritable == 1 }

            // The replay goes on for the healthy client.
            let before = healthy.receivedCount
            try await eventually { healthy.receivedCount >= before + 500_000 }
            #expect(!healthy.isClosed)

            // The stuck client, once it reads, finds the 1008 behind what was under way.
            try await stuck.startReading()
            try await eventually { stuck.isClosed }
            #expect(stuck.closeCode == 1008)
            #expect(serverCounters.closedUnwritable == 1, "the healthy client was never taken for a stuck one")
            let status = serveStatusReply(
                market: market,
                clients: clients,
                tape: path,
                exchange: exchangeCounters,
                server: serverCounters
            )
            #expect(status.body.contains(#""clients_closed_unwritable":1"#), "\(status.body)")
            #expect(status.body.contains(#""clients_closed_budget":0"#), "\(status.body)")
        }
    }
}
