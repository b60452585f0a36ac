import NIOCore
import Simulator
import TapeLog
import Testing
import Upbit

@testable import Wire

/// DEFAULT ↔ SIMPLE through `serve` (a client's requested format is honoured): a client
/// gets the recorded frames in the keys it asked for, and converting them back gives the
/// recorded bytes exactly — values, key order and spacing untouched — for every type.
@Suite struct ServeFormatTests {
    static let markets = SyntheticFeed.markets(count: 3)
    static let types = ["ticker", "trade", "orderbook"]

    /// One epoch of synthetic ticker/trade/orderbook frames in `format`, as recorded.
    private func script(_ format: UpbitFormat.Format) -> ServeTapeScript {
        var feed = SyntheticFeed(seed: 21, markets: Self.markets, types: Self.types, format: format)
        var script = ServeTapeScript()
        script.connect(at: 0)
        for k in 1...240 { script.frame(feed.next().bytes, at: Int64(k)) }
        script.disconnect(at: 300, code: 1000)
        return script
    }

    private func request(_ format: UpbitFormat.Format, realtimeOnly: Bool) -> String {
        let codes = Self.markets.map { "\"\($0)\"" }.joined(separator: ",")
        let types = Self.types.map { #"{"type":"\#($0)","codes":[\#(codes)],"isOnlyRealtime":\#(realtimeOnly)}"# }
        return #"[{"ticket":"fmt"},\#(types.joined(separator: ",")),{"format":"\#(format.rawValue)"}]"#
    }

    /// Serves `tape` at max speed; the first client subscribes in `format` (realtime only) and
    /// reads `count` frames; once the replay has ended a second one subscribes with snapshots.
    private func serve(
        _ tape: String,
        format: UpbitFormat.Format,
        count: Int
    ) async throws -> (live: [WebSocketMessage], snapshots: [WebSocketMessage]) {
        var options = TapeMarketOptions()
        options.speed = .max
        options.startOnFirstSubscription = true
        let market = try TapeMarket(path: tape, options: options)
        defer { market.stop() }
        return try await withServer(handler: makeServeHandler(source: market)) { port in
            let url = try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1")
            let live = try await Self.read(url, request(format, realtimeOnly: true), count: count)
            await market.waitUntilFinished()
            let snapshots = try await Self.read(url, request(format, realtimeOnly: false), count: 9)
            return (live, snapshots)
        }
    }

    private static func read(_ url: WebSocketURL, _ request: String, count: Int) async throws -> [WebSocketMessage] {
        let connection = try await WebSocketClient.connect(url: url)
        return try await connection.executeThenClose { inbound, writer in
            try await writer.send(text: request)
            var received: [WebSocketMessage] = []
            for try await message in inbound {
                received.append(message)
                if received.count == count { break }
            }
            return received
        }
    }

    /// Checks one direction: `recordedIn` tape, a client in `clientIn`.
    private func roundTrip(recordedIn: UpbitFormat.Format, clientIn: UpbitFormat.Format) async throws {
        let script = script(recordedIn)
        let recorded = script.messages
        let subscription =
            #"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]},{"format":"\#(recordedIn.rawValue)"}]"#
        let (live, snapshots) = try await serve(
            try script.write(subscription: subscription),
            format: clientIn,
            count: recorded.count
        )
        try #require(live.count == recorded.count)
        var checked: Set<String> = []
        for (message, original) in zip(live, recorded) {
            let bytes = Array(message.payload.readableBytesView)
            #expect(message.opcode == .binary)
            #expect(TapeReplayState.keySpelling(of: bytes) == clientIn, "sent in the client's keys")
            #expect(UpbitFormat.convert(bytes, to: recordedIn) == original, "back to the recorded bytes")
            if let type = UpbitScanner.facts(of: bytes).type { checked.insert(type) }
        }
        #expect(checked == Set(Self.types), "every type of the tape was converted")

        // SNAPSHOTs from the final state: the last recorded frame of each stream, marked SNAPSHOT.
        var latest: [String: [UInt8]] = [:]
        for payload in recorded {
            let facts = UpbitScanner.facts(of: payload)
            latest["\(facts.type ?? "")/\(facts.code ?? "")"] = payload
        }
        try #require(snapshots.count == Self.types.count * Self.markets.count)
        for message in snapshots {
            let bytes = Array(message.payload.readableBytesView)
            let facts = UpbitScanner.facts(of: bytes)
            #expect(facts.streamType == .snapshot && TapeReplayState.keySpelling(of: bytes) == clientIn)
            let original = try #require(latest["\(facts.type ?? "")/\(facts.code ?? "")"])
            #expect(UpbitFormat.convert(bytes, to: recordedIn) == ExchangePayloads.markingSnapshot(original))
        }
    }

    @Test func aSimpleClientOfADefaultRecordingGetsSimpleKeysThatConvertBackByteForByte() async throws {
        try await roundTrip(recordedIn: .default, clientIn: .simple)
    }

    @Test func aDefaultClientOfASimpleRecordingGetsDefaultKeysThatConvertBackByteForByte() async throws {
        try await roundTrip(recordedIn: .simple, clientIn: .default)
    }

    @Test func aClientInTheRecordedFormatGetsTheRecordedBytesUnchanged() async throws {
        for format in UpbitFormat.Format.allCases {
            let script = script(format)
            let (live, _) = try await serve(try script.write(), format: format, count: script.messages.count)
            #expect(live.map { Array($0.payload.readableBytesView) } == script.messages, "\(format)")
        }
    }
}
