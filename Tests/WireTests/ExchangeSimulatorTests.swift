import Foundation
import NIOCore
import NIOWebSocket
import Primitives
import Replay
import Testing
import Upbit

@testable import Simulator
@testable import Wire

@Suite(.timeLimit(.minutes(3))) struct ExchangeSimulatorTests {
    private func market(seed: UInt64, chaos: String = "", symbols: Int = 3) throws -> SimulatedMarket {
        var options = SimulatedMarket.Options()
        options.seed = seed
        options.symbols = symbols
        options.chaos = try ChaosSpec.parse(chaos)
        return SimulatedMarket(options: options)
    }

    private func firstEvents(_ market: SimulatedMarket, count: Int) async -> [ExchangeMessage] {
        let events = await market.events()
        market.produce(count: count)
        var messages: [ExchangeMessage] = []
        for await event in events {
            if case .message(let m) = event { messages.append(m) }
            if messages.count == count { break }
        }
        return messages
    }

    @Test func theSameSeedProducesTheSameMessages() async throws {
        let a = await self.firstEvents(try self.market(seed: 4), count: 300)
        let b = await self.firstEvents(try self.market(seed: 4), count: 300)
        let c = await self.firstEvents(try self.market(seed: 5), count: 300)
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a.map(\.type)) == ["ticker", "trade", "orderbook"])
        #expect(Set(a.compactMap(\.code)) == ["KRW-BTC", "KRW-ETH", "KRW-XRP"])
    }

    @Test func snapshotsCarryTheLatestStateOrAfterACutThePreviousOneWhenStale() async throws {
        let market = try self.market(seed: 2, chaos: "stale-snapshot 1", symbols: 1)
        let produced = await self.firstEvents(market, count: 50).filter { $0.type == "trade" }
        let latest = await market.snapshot(type: "trade", code: "KRW-BTC")
        #expect(latest?.payload == produced.last?.payload)
        market.cutAll()
        #expect(market.epoch == 2)
        let stale = await market.snapshot(type: "trade", code: "KRW-BTC")
        #expect(stale?.payload == produced.dropLast().last?.payload)
        #expect(await market.snapshot(type: "trade", code: "KRW-NOPE") == nil)
    }

    @Test func theChaosScheduleCutsSilencesAndRefusesDuringTheGap() throws {
        var schedule = ChaosSchedule(spec: try ChaosSpec.parse("cut every:1s; gap 200ms"))
        #expect(schedule.advance(to: 999_000_000) == 0)
        #expect(schedule.advance(to: 2_500_000_000) == 2)
        #expect(schedule.isDown(at: 2_600_000_000))
        #expect(!schedule.isDown(at: 2_800_000_000))
        var blackhole = ChaosSchedule(spec: try ChaosSpec.parse("blackhole every:10s,for:2s"))
        #expect(blackhole.advance(to: 10_000_000_000) == 0)
        #expect(blackhole.isSilent(at: 11_000_000_000))
        #expect(blackhole.advance(to: 12_000_000_000) == 1)
        #expect(!blackhole.isSilent(at: 12_000_000_000))
    }

    /// What one connection was sent (as truth lines) for its first `frames` frames.
    private func truth(seed: UInt64, chaos: String, frames: Int) async throws -> [String] {
        let market = try self.market(seed: seed, chaos: chaos)
        let lines = Locked<[String]>([])
        var options = UpbitExchangeHandler.Options.lenient
        options.faults = market.options.chaos
        options.seed = seed
        options.onSent = { frame in lines.withLock { $0.append(ExchangeTruthLog.line(for: frame)) } }
        try await withExchange(market, options: options) { client in
            try await client.send(
                #"[{"ticket":"d"},{"type":"trade","codes":["KRW-BTC","KRW-ETH"]},{"type":"orderbook","codes":["KRW-XRP.5"]},"#
                    + #"{"format":"SIMPLE"}]"#
            )
            try await client.sync()  // the subscription is in place before the market moves
            market.produce(count: frames * 3)
            try await eventually { lines.withLock { $0.count } >= frames }
        }
        return Array(lines.withLock { $0 }.prefix(frames))
    }

    @Test func aConnectionsTruthDependsOnlyOnTheSeed() async throws {
        let chaos = "dup 0.05,window:3; reorder 3"
        let a = try await self.truth(seed: 7, chaos: chaos, frames: 120)
        let b = try await self.truth(seed: 7, chaos: chaos, frames: 120)
        let c = try await self.truth(seed: 8, chaos: chaos, frames: 120)
        #expect(a.count == 120)
        #expect(a == b)
        #expect(a != c)
        #expect(a.first?.hasPrefix(#"{"conn":1,"epoch":1,"index":1,"type":"trade","code":"KRW-BTC","#) == true)
    }

    @Test func theTruthFileHoldsOneLinePerFrameWithTheSHA256OfThePayload() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("truth-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try ExchangeTruthLog(path: path)
        let payload = Array(#"{"status":"UP"}"#.utf8)
        log.record(
            SentFrame(connection: 3, epoch: 2, index: 9, type: "status", code: nil, streamType: nil, payload: payload)
        )
        log.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            text == #"{"conn":3,"epoch":2,"index":9,"type":"status","code":null,"stream_type":null,"bytes":15,"#
                + #""sha256":"\#(Primitives.SHA256.hex(Primitives.SHA256.hash(payload)))"}"# + "\n"
        )
        #expect(throws: ExchangeTruthLogError.self) { try ExchangeTruthLog(path: "/nonexistent-dir/truth.jsonl") }
    }

    @Test func theSimulatorStreamsPacedDataAndReportsItsStatus() async throws {
        var options = ExchangeSimulator.Options()
        options.market.rate = 2_000
        options.market.symbols = 2
        let simulator = try await ExchangeSimulator.bind(options: options)
        #expect(simulator.url == "ws://127.0.0.1:\(simulator.port)/websocket/v1")
        let running = Task { try await simulator.run() }
        defer { running.cancel() }
        let connection = try await WebSocketClient.connect(url: try WebSocketURL(simulator.url))
        let codes = try await connection.executeThenClose { inbound, writer in
            try await writer.send(
                text: #"[{"ticket":"s"},{"type":"ticker","codes":["KRW-ETH"],"isOnlyRealtime":true}]"#
            )
            var codes: [String?] = []
            for try await message in inbound where message.opcode == .binary {
                codes.append(message.facts.code)
                if codes.count == 20 { break }
            }
            let status = try await rawHTTP(port: simulator.port, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(status.contains(#"{"connections":1,"connections_total":1,"messages_sent":"#))
            try await writer.close()
            return codes
        }
        #expect(codes == Array(repeating: "KRW-ETH", count: 20))
    }

    @Test func aChaosCutDropsEveryClientWithoutACloseFrameAndTheGapRefusesUpgrades() async throws {
        // The schedule runs on a clock the test moves: the cut comes only after the client has
        // its data, and the 10 s gap is still on when it reconnects, however slow the machine.
        let clock = ManualWireClock()
        var options = ExchangeSimulator.Options()
        options.market.symbols = 1
        options.market.clock = clock.wireClock
        options.market.chaos = try ChaosSpec.parse("cut every:400ms; gap 10s")
        let simulator = try await ExchangeSimulator.bind(options: options)
        let running = Task { try await simulator.run() }
        defer { running.cancel() }
        let connection = try await WebSocketClient.connect(url: try WebSocketURL(simulator.url))
        let received = try await connection.executeThenClose { inbound, writer in
            // The subscription's SNAPSHOT is the data that must arrive before the cut.
            try await writer.send(text: #"[{"ticket":"c"},{"type":"trade","codes":["KRW-BTC"]}]"#)
            var iterator = inbound.makeAsyncIterator()
            var received: [WebSocketMessage] = []
            while true {
                let next: WebSocketMessage?
                do {
                    next = try await iterator.next()
                } catch {
                    break  // a cut may surface as a read error rather than a clean end of stream
                }
                guard let message = next else { break }
                received.append(message)
                if message.facts.type == "trade", simulator.market.epoch == 1 {
                    // Move the clock until the schedule (its ticks read it) has cut once.
                    try await eventually {
                        if simulator.market.epoch >= 2 { return true }
                        clock.advance(by: 50_000_000)
                        return false
                    }
                }
            }
            return received
        }
        #expect(received.first?.opcode == .binary && received.first?.facts.type == "trade", "data before the cut")
        #expect(!received.contains { $0.opcode == .connectionClose })
        #expect(simulator.market.epoch == 2)
        await #expect(throws: WebSocketClientError.upgradeRejected(status: 503, body: "network down (chaos gap)")) {
            _ = try await WebSocketClient.connect(url: try WebSocketURL(simulator.url))
        }
    }
}
