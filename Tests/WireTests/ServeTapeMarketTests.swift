import Simulator
import TapeLog
import Testing
import Upbit

@testable import Wire

/// ``TapeMarket`` on a manual clock: pacing, snapshots at a position, arrival order,
/// epoch-boundary disconnects, loops and slow listeners.
@Suite(.timeLimit(.minutes(3))) struct ServeTapeMarketTests {
    private func market(
        _ path: String,
        speed: ServeSpeed = .factor(1),
        clock: ManualReplayClock? = nil,
        loop: Bool = false,
        replayDisconnects: Bool = false,
        capacity: Int = 4096
    ) throws -> TapeMarket {
        var options = TapeMarketOptions()
        options.speed = speed
        options.loop = loop
        options.replayDisconnects = replayDisconnects
        options.listenerCapacity = capacity
        if let clock { options.clock = clock }
        return try TapeMarket(path: path, options: options)
    }

    @Test func atSpeedTenTheFrameRecordedAtOneSecondGoesOutAtOneHundredMilliseconds() async throws {
        var script = ServeTapeScript()
        script.connect(at: 0)
        script.frame(tradePayload("KRW-BTC", sid: 1), at: 1_000)
        script.frame(tradePayload("KRW-BTC", sid: 2), at: 2_000)
        let clock = ManualReplayClock()
        let market = try market(try script.write(), speed: .factor(10), clock: clock)
        defer { market.stop() }
        #expect(!market.status.started)
        let log = EventLog(await market.events())

        #expect(try await clock.nextDeadline() == 100_000_000)
        clock.advance(to: 99_999_999)
        #expect(try await clock.nextDeadline() == 100_000_000)
        #expect(market.status.framesSent == 0 && log.all.isEmpty)
        clock.advance(to: 100_000_000)
        #expect(try await clock.nextDeadline() == 200_000_000)
        try await log.waitFor(count: 1)
        #expect(log.payloads == [tradePayload("KRW-BTC", sid: 1)])
        #expect(market.status.position == ReplayPosition(epoch: 1, seq: 1, monoNs: 1_000_000_000))
    }

    @Test func snapshotsAreTheStateAtTheCurrentPositionInTheRecordedFormat() async throws {
        var feed = SyntheticFeed(
            seed: 7,
            markets: ["KRW-BTC", "KRW-ETH"],
            types: ["ticker", "orderbook"],
            format: .simple
        )
        var script = ServeTapeScript()
        script.connect(at: 0)
        var sent: [SyntheticMessage] = []
        for k in 1...20 {
            let message = feed.next()
            sent.append(message)
            script.frame(message.bytes, at: Int64(k) * 10)
        }
        let clock = ManualReplayClock()
        let market = try market(try script.write(), clock: clock)
        defer { market.stop() }
        let log = EventLog(await market.events())
        #expect(await market.snapshot(type: "ticker", code: "KRW-BTC") == nil)

        for k in [5, 12, 20] {
            clock.advance(to: Int64(k) * 10 * 1_000_000)  // due times count from the connect at 0
            try await log.waitFor(count: k)
            let seen = Array(sent.prefix(k))
            for type in ["ticker", "orderbook"] {
                for code in ["KRW-BTC", "KRW-ETH"] {
                    let expected = seen.last { $0.type == type && $0.code == code }
                    let snapshot = await market.snapshot(type: type, code: code + (type == "orderbook" ? ".15" : ""))
                    #expect(snapshot?.payload == expected?.bytes, "\(type) \(code) after \(k)")
                    if snapshot != nil { #expect(snapshot?.format == .simple) }
                }
            }
        }
        #expect(market.status.streams == 4 || sent.count < 8)
    }

    @Test func framesGoOutInArrivalOrderIncludingAStaleEpochTail() async throws {
        var script = ServeTapeScript()
        script.connect(at: 0)
        script.frame(tradePayload("KRW-BTC", sid: 1), at: 10)
        script.frame(tradePayload("KRW-BTC", sid: 2), at: 20)
        script.connect(at: 30)
        script.frame(tickerPayload("KRW-BTC", price: 5, stream: "SNAPSHOT"), at: 40)
        script.frame(tradePayload("KRW-BTC", sid: 3), at: 45, epoch: 1)  // the old connection, late
        script.frame(tickerPayload("KRW-BTC", price: 4), at: 47, epoch: 1)
        script.disconnect(at: 48, code: 1006, epoch: 1)
        script.frame(tradePayload("KRW-BTC", sid: 4), at: 50)
        let market = try market(try script.write(), speed: .max)
        defer { market.stop() }
        let log = EventLog(await market.events())
        try await waitUntilFinished(market)
        try await log.waitFor(count: 6)
        #expect(log.payloads == script.messages)
        #expect(
            await market.snapshot(type: "ticker", code: "KRW-BTC")?.payload
                == tickerPayload("KRW-BTC", price: 5, stream: "SNAPSHOT"),
            "the stale tail does not roll the state back"
        )
        #expect(market.status.epoch == 2 && market.status.finished)
    }

    @Test func epochBoundariesCloseEveryListenerAsRecordedAndLaterListenersContinue() async throws {
        var script = ServeTapeScript()
        script.connect(at: 0)
        script.frame(tradePayload("KRW-BTC", sid: 1), at: 10)
        script.disconnect(at: 20, code: 1001)
        script.connect(at: 100)
        script.frame(tradePayload("KRW-BTC", sid: 2), at: 110)
        script.disconnect(at: 120, code: 1006, detail: "connectionLost")
        script.connect(at: 200)
        script.frame(tradePayload("KRW-BTC", sid: 3), at: 210)
        let path = try script.write()
        let clock = ManualReplayClock()
        let market = try market(path, clock: clock, replayDisconnects: true)
        defer { market.stop() }
        let first = EventLog(await market.events())
        clock.advance(to: 100_000_000)  // through the second connect
        try await first.waitFor(count: 2)
        guard case .disconnectAll(1001, _, false) = first.all[1] else {
            Issue.record("expected close 1001, got \(first.all)")
            return
        }
        // A client that reconnects now continues from the current position.
        let second = EventLog(await market.events())
        #expect(await market.snapshot(type: "trade", code: "KRW-BTC")?.payload == tradePayload("KRW-BTC", sid: 1))
        clock.advance(to: 200_000_000)  // through the third connect
        try await second.waitFor(count: 2)
        #expect(second.payloads == [tradePayload("KRW-BTC", sid: 2)])
        guard case .disconnectAll(1006, _, true) = second.all[1] else {
            Issue.record("expected an abrupt drop, got \(second.all)")
            return
        }
        // A listener told to disconnect takes nothing more; the next connection does.
        let third = EventLog(await market.events())
        clock.advance(to: 300_000_000)
        try await waitUntilFinished(market)
        try await third.waitFor(count: 1)
        #expect(third.payloads == [tradePayload("KRW-BTC", sid: 3)])
        #expect(second.all.count == 2, "nothing after the disconnect: \(second.all)")
        #expect(market.status.disconnects == 2)

        let quiet = try self.market(path, speed: .max)
        let log = EventLog(await quiet.events())
        try await waitUntilFinished(quiet)
        try await log.waitFor(count: 3)
        #expect(log.all.count == 3 && quiet.status.disconnects == 0, "no disconnects unless asked")
        quiet.stop()
    }

    @Test func loopRestartsFromTheBeginningWithClearedState() async throws {
        var script = ServeTapeScript()
        script.connect(at: 0)
        script.frame(tradePayload("KRW-BTC", sid: 1), at: 10)
        script.frame(tradePayload("KRW-ETH", sid: 2), at: 20)
        let clock = ManualReplayClock()
        let market = try market(try script.write(), clock: clock, loop: true)
        defer { market.stop() }
        let log = EventLog(await market.events())
        clock.advance(to: 20_000_000)
        #expect(try await clock.nextDeadline() == 30_000_000)  // pass 2 waits for its first frame
        #expect(market.status.pass == 2)
        #expect(await market.snapshot(type: "trade", code: "KRW-BTC") == nil, "state cleared at the wrap")
        clock.advance(to: 30_000_000)
        try await log.waitFor(count: 3)
        #expect(try await clock.nextDeadline() == 40_000_000)
        #expect(await market.snapshot(type: "trade", code: "KRW-BTC")?.payload == tradePayload("KRW-BTC", sid: 1))
        #expect(await market.snapshot(type: "trade", code: "KRW-ETH") == nil)
        clock.advance(to: 40_000_000)
        try await log.waitFor(count: 4)
        #expect(log.payloads == script.messages + script.messages)
    }

    @Test func aFullListenerIsCutAtAPacedSpeedAndTheOthersGoOn() async throws {
        var script = ServeTapeScript()
        script.connect(at: 0)
        for k in 1...10 { script.frame(tradePayload("KRW-BTC", sid: k), at: Int64(k)) }
        let clock = ManualReplayClock()
        let market = try market(try script.write(), clock: clock, capacity: 3)
        defer { market.stop() }
        let slow = await market.events()  // never read until the end
        let fast = EventLog(await market.events())
        for k in 1...10 {
            clock.advance(to: Int64(k) * 1_000_000)
            try await fast.waitFor(count: k)
        }
        #expect(fast.payloads == script.messages)
        #expect(market.status.listenersCut == 1 && market.status.listeners == 1)
        var got: [ExchangeEvent] = []
        for await event in slow { got.append(event) }
        #expect(got.count == 1)
        guard case .disconnectAll(1008, _, false)? = got.first else {
            Issue.record("expected close 1008, got \(got)")
            return
        }
    }

    @Test func atMaxSpeedTheReplayWaitsForTheSlowestListenerAndLosesNothing() async throws {
        var script = ServeTapeScript()
        script.connect(at: 0)
        for k in 1...200 { script.frame(tradePayload("KRW-BTC", sid: k), at: Int64(k)) }
        let market = try market(try script.write(), speed: .max, capacity: 4)
        defer { market.stop() }
        let stream = await market.events()
        var payloads: [[UInt8]] = []
        for await event in stream {
            if case .message(let m) = event { payloads.append(m.payload) }
            if payloads.count.isMultiple(of: 7) { await Task.yield() }
            if payloads.count == 200 { break }
        }
        #expect(payloads == script.messages)
        #expect(market.status.listenersCut == 0)
    }

    @Test func aListenerThatDropsItsStreamIsUnregistered() async throws {
        var script = ServeTapeScript()
        script.connect(at: 0)
        script.frame(tradePayload("KRW-BTC", sid: 1), at: 1_000)
        let market = try market(try script.write(), clock: ManualReplayClock())
        defer { market.stop() }
        do {
            let stream = await market.events()
            #expect(market.status.listeners == 1)
            _ = stream
        }
        #expect(market.status.listeners == 0)
        #expect(market.status.started, "the first listener started the clock")
    }

    @Test func aBadTapeFailsAtInit() throws {
        let dir = serveTemporaryDirectory()
        #expect(throws: TapeError.missing(path: dir + "/none.tape")) { try TapeMarket(path: dir + "/none.tape") }
    }
}
