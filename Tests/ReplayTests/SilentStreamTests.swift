import Exchange
import Foundation
import Replay
import Reports
import Rules
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit

/// `silent_stream`: a stream key with data before a reconnect and none within the window after
/// it, although the subscription covers it — found on a tape written here, frame by frame.
@Suite("silent_stream: subscriptions that do not survive a reconnect")
struct SilentStreamTests {
    static let subscription =
        #"[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},{"type":"trade","codes":["KRW-BTC"]}]"#
    static let start: Int64 = 1_730_000_000_000_000_000

    /// Epoch 1 (0–10 s): ticker BTC, ETH and XRP (XRP outside the subscription) and trade BTC,
    /// every 200 ms. A cut; epoch 2 opens at 11 s and runs `after` seconds with `epochTwo` only.
    static func writeTape(
        at path: String,
        after seconds: Int = 40,
        epochTwo: [(String, String)] = [("ticker", "KRW-BTC"), ("trade", "KRW-BTC")]
    ) throws {
        let session = SessionInfo(
            toolVersion: "test",
            url: "ws://127.0.0.1:1/websocket/v1",
            subscription: subscription,
            startedNs: start
        )
        let writer = try TapeWriter(path: path, session: session, profile: UpbitProfile())
        var stamper = Stamper()
        var sid: UInt64 = 1
        var eventMs: Int64 = 1_730_000_000_000
        func streams(_ keys: [(String, String)], from: Int64, to: Int64) throws {
            var ns = from
            while ns < to {
                for (type, code) in keys {
                    eventMs += 1
                    sid += 1
                    let extra =
                        type == "trade" ? #","sequential_id":\#(sid),"trade_price":1.0"# : #","trade_price":1.0"#
                    let json =
                        #"{"type":"\#(type)","code":"\#(code)","timestamp":\#(eventMs),"stream_type":"REALTIME"\#(extra)}"#
                    try writer.append(
                        stamper.frame(
                            .inbound,
                            opcode: .binary,
                            wallNs: start + ns,
                            monoNs: ns,
                            payload: Array(json.utf8)
                        )
                    )
                }
                ns += 200_000_000
            }
        }
        func connect(at ns: Int64) throws {
            try writer.record(stamper.connect(wallNs: start + ns, monoNs: ns))
            try writer.append(
                stamper.frame(
                    .outbound,
                    opcode: .text,
                    wallNs: start + ns,
                    monoNs: ns,
                    payload: Array(subscription.utf8)
                )
            )
        }
        try connect(at: 0)
        try streams(
            [("ticker", "KRW-BTC"), ("ticker", "KRW-ETH"), ("ticker", "KRW-XRP"), ("trade", "KRW-BTC")],
            from: 1_000_000,
            to: 10_000_000_000
        )
        try writer.record(
            stamper.event(.disconnect, wallNs: start + 10_000_000_000, monoNs: 10_000_000_000, closeCode: 1006)
        )
        try connect(at: 11_000_000_000)
        let end = 11_000_000_000 + Int64(seconds) * 1_000_000_000
        try streams(epochTwo, from: 11_001_000_000, to: end)
        try writer.record(stamper.event(.sessionEnd, wallNs: start + end, monoNs: end))
        try writer.close()
    }

    static func check(_ path: String, window: Int64 = 30_000_000_000) -> TapeCheckResult {
        TapeFileCheck.check(
            path: path,
            replay: ReplayOptions(),
            options: CheckOptions(silenceWindowNs: window),
            profile: UpbitProfile()
        )
    }

    static func silent(_ result: TapeCheckResult) -> FindingTally? {
        result.findings.first { $0.kind == .silentStream }
    }

    @Test func theOneSubscribedStreamThatStaysSilentAfterTheCutIsReported() throws {
        let path = temporaryDirectory() + "/silent.tape"
        try Self.writeTape(at: path)
        let result = Self.check(path)
        #expect(result.verdict == .pass)
        let tally = try #require(Self.silent(result))
        // ticker KRW-ETH: subscribed, had data, none after the reconnect. ticker KRW-XRP had data
        // too but the subscription does not cover it; BTC's streams came back.
        #expect(tally.count == 1)
        let sample = try #require(tally.samples.first)
        #expect(sample.type == "ticker")
        #expect(sample.code == "KRW-ETH")
        #expect(sample.epoch == 2)
        #expect(sample.sessionNs == 11_000_000_000)
        #expect(
            sample.explanation
                == "ticker KRW-ETH had data before the reconnect that opened epoch 2 at 11.000 s and none in the 30.000 s after it, although the subscription covers it"
        )
        #expect(Expectations(CheckReport(tapes: [result])).sections[0]["findings.silent_stream"] == 1)
    }

    @Test func withoutTheSubscriptionEveryStreamThatHadDataCounts() throws {
        let path = temporaryDirectory() + "/silent.tape"
        try Self.writeTape(at: path)
        let result = TapeFileCheck.check(path: path, replay: ReplayOptions())
        let keys = Self.silent(result)?.samples.map { "\($0.type ?? "") \($0.code ?? "")" }
        #expect(keys == ["ticker KRW-ETH", "ticker KRW-XRP"])
    }

    @Test func aStreamThatComesBackWithinTheWindowIsNotSilent() throws {
        let path = temporaryDirectory() + "/back.tape"
        try Self.writeTape(at: path, epochTwo: [("ticker", "KRW-BTC"), ("trade", "KRW-BTC"), ("ticker", "KRW-ETH")])
        #expect(Self.silent(Self.check(path))?.count == 0)
    }

    @Test func aTapeEndingBeforeTheWindowClosesReportsNothingAndTheWindowIsAnOption() throws {
        let path = temporaryDirectory() + "/short.tape"
        try Self.writeTape(at: path, after: 20)
        #expect(Self.silent(Self.check(path))?.count == 0)
        #expect(Self.silent(Self.check(path, window: 5_000_000_000))?.count == 1)
        #expect(Self.silent(Self.check(path, window: 0))?.count == 0)
    }

    @Test func theReportsCarryTheFinding() throws {
        let path = temporaryDirectory() + "/silent.tape"
        try Self.writeTape(at: path)
        let report = CheckReport(tapes: [Self.check(path)])
        #expect(report.text().contains("silent_stream 1"))
        #expect(report.json().contains(#""silent_stream": 1"#))
        #expect(report.html().contains("silent_stream"))
    }

    @Test func aStaleTailDoesNotEndTheSilenceAndOneSilenceIsReportedOnce() {
        let oracle = CheckOracle(consumers: [ConsumerSpec(name: "a")])
        let second: Int64 = 1_000_000_000
        var inputs: [ReplayInput] = [.lifecycle(.connect, epoch: 1, monoNs: 0)]
        var seq: UInt64 = 0
        func frame(_ epoch: UInt32, _ code: String, at s: Int64) {
            seq += 1
            inputs.append(.frame(epoch: epoch, seq: seq, monoNs: s * second, facts: checkFacts("ticker", code, ms: s)))
        }
        for s in 1...9 {
            frame(1, "KRW-BTC", at: Int64(s))
            frame(1, "KRW-ETH", at: Int64(s))
        }
        inputs.append(.lifecycle(.connect, epoch: 2, monoNs: 10 * second))
        frame(1, "KRW-ETH", at: 11)  // the old epoch's tail, after the new one opened
        for s in 11...49 { frame(2, "KRW-BTC", at: Int64(s)) }
        inputs.append(.lifecycle(.connect, epoch: 3, monoNs: 50 * second))
        for s in 51...94 { frame(3, "KRW-BTC", at: Int64(s)) }
        frame(3, "KRW-ETH", at: 95)  // back at last
        inputs.append(.lifecycle(.connect, epoch: 4, monoNs: 96 * second))
        for s in 97...140 { frame(4, "KRW-BTC", at: Int64(s)) }
        for input in inputs { oracle.observe(input) }
        let tally = oracle.outcome().findings.first { $0.kind == .silentStream }
        // Silent from the epoch 2 reconnect (the tail does not count), reported once for that
        // silence, not again at epoch 3; after it came back, silent again from epoch 4.
        #expect(tally?.count == 2)
        #expect(tally?.samples.map(\.epoch) == [2, 4])
        #expect(tally?.samples.allSatisfy { $0.code == "KRW-ETH" } == true)
    }
}
