import Foundation
import Replay
import Testing
import TicktapeTestSupport
import Upbit

/// Reading a client's deliveries log: the message as received, or `{"message": …, "t_ns": …}`.
@Suite struct ClientDeliveriesTests {
    static let trade =
        #"{"type":"trade","code":"KRW-BTC","timestamp":1730336862000,"trade_price":1,"trade_volume":1,"#
        + #""ask_bid":"BID","sequential_id":42,"stream_type":"REALTIME"}"#

    private func read(_ text: String) throws -> ClientDeliveries {
        let path = temporaryDirectory() + "/applied.jsonl"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ClientDeliveries.read(path: path, profile: UpbitProfile())
    }

    @Test func everyFormOfALineIdentifiesTheSameMessage() throws {
        let escaped = Self.trade.replacingOccurrences(of: "\"", with: "\\\"")
        let log = try read(
            [
                Self.trade, "", #"{"message":\#(Self.trade),"t_ns":17}"#, #"{"t_ns":18,"message":"\#(escaped)"}"#,
                "   ", "[\(Self.trade)]",
            ].joined(separator: "\n") + "\n"
        )
        #expect(log.lines.map(\.line) == [1, 3, 4, 6])
        #expect(Set(log.lines.map(\.key)).count == 1)
        #expect(log.lines.map(\.tNs) == [nil, 17, 18, nil])
        #expect(log.lines.allSatisfy { $0.type == "trade" && $0.code == "KRW-BTC" && $0.timeMs == 1_730_336_862_000 })
        #expect(log.rejected.isEmpty && log.tornTail == nil && log.lineCount == 4)
    }

    @Test func jsonThatIsNoMarketMessageIsRejectedWithItsReason() throws {
        let log = try read(
            [#"{"status":"UP"}"#, "[1,2]", #"{"message":7}"#, #"{"type":"trade","code":"KRW-BTC"}"#, "{}"]
                .joined(separator: "\n") + "\n"
        )
        #expect(log.lines.isEmpty)
        #expect(log.rejected.map(\.line) == [1, 2, 3, 4, 5])
        #expect(log.rejected[0].reason == "is a status message, not market data")
        #expect(log.rejected[1].reason == "is not a JSON object")
        #expect(log.rejected[2].reason.contains("neither an object nor a string"))
        #expect(log.rejected[3].reason.contains("without its event time or identity"))
    }

    @Test func aBrokenLineIsBadInputButATornTailIsNot() throws {
        #expect(throws: DeliveriesLogError.self) { try read(Self.trade + "\n{\"type\":\n" + Self.trade + "\n") }
        do {
            _ = try read(Self.trade + "\n{\"type\":\n")
            Issue.record("a broken terminated line must be refused")
        } catch let error as DeliveriesLogError {
            #expect(error.line == 2)
        }
        let torn = try read(Self.trade + "\n" + Self.trade.prefix(30))
        #expect(torn.lines.count == 1)
        #expect(torn.tornTail == 2)
    }

    @Test func linesAcrossChunkBoundariesAndLongerThanAChunkAreRead() throws {
        // 30,000 lines of about 190 bytes cross the 4 MiB chunk at least once; one line of 5 MB
        // is longer than a chunk.
        var text = ""
        for i in 0..<30_000 {
            text += Self.trade.replacingOccurrences(of: "\"sequential_id\":42", with: "\"sequential_id\":\(i)") + "\n"
        }
        let pad = String(repeating: "x", count: 5_000_000)
        text += #"{"message":\#(Self.trade),"pad":"\#(pad)","t_ns":9}"# + "\n" + Self.trade
        let log = try read(text)
        #expect(log.lines.count == 30_002)
        #expect(log.lines.map(\.line) == Array(1...30_002))
        #expect(Set(log.lines.prefix(30_000).map(\.key)).count == 30_000)
        #expect(log.lines[30_000].tNs == 9)
        #expect(log.lines[30_001].key == log.lines[30_000].key, "the unterminated last line is whole")
        #expect(log.tornTail == nil)
    }
}
