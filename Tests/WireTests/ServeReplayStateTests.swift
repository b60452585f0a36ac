import TapeLog
import Testing
import Upbit

@testable import Wire

/// The pure parts of serve: pacing arithmetic and the replay state machine.
@Suite struct ServeReplayStateTests {
    @Test func atSpeedTenAFrameRecordedAtOneSecondIsDueAtOneHundredMilliseconds() {
        var pacer = ReplayPacer(speed: .factor(10), startNs: 5_000)
        let times = [0, 1_000_000_000, 2_500_000_000].map { pacer.due(monoNs: $0) }
        #expect(times == [5_000, 5_000 + 100_000_000, 5_000 + 250_000_000])  // the first entry is the origin
    }

    @Test func theOriginIsTheFirstEntryAndDeadlinesNeverGoBack() {
        var half = ReplayPacer(speed: .factor(0.5), startNs: 0)
        // The lead-in before the first entry is skipped; an earlier mono never moves a deadline back.
        let times = [3_000_000_000, 4_000_000_000, 3_500_000_000].map { half.due(monoNs: $0) }
        #expect(times == [0, 2_000_000_000, 2_000_000_000])
        #expect(half.lastDue == 2_000_000_000)
        var max = ReplayPacer(speed: .max, startNs: 0)
        let none = max.due(monoNs: 1_000_000_000)
        #expect(none == nil)
    }

    @Test func speedsParseAsFactorsOrMax() {
        #expect(ServeSpeed("10") == .factor(10))
        #expect(ServeSpeed("0.5") == .factor(0.5))
        #expect(ServeSpeed("max") == .max)
        for bad in ["0", "-1", "fast", "nan", "inf", ""] { #expect(ServeSpeed(bad) == nil, "\(bad)") }
        #expect(ServeSpeed.factor(10).description == "10")
        #expect(ServeSpeed.factor(0.5).description == "0.5")
    }

    @Test func theStateFollowsTheNewestEpochWhileAStaleTailIsStillBroadcast() {
        var script = ServeTapeScript()
        script.connect(at: 0)
        script.frame(tickerPayload("KRW-BTC", price: 1), at: 10)
        script.connect(at: 20)
        script.frame(tickerPayload("KRW-BTC", price: 2), at: 30)
        script.frame(tickerPayload("KRW-BTC", price: 3), at: 40, epoch: 1)  // stale tail
        var state = TapeReplayState(events: [], replayDisconnects: false)
        var broadcast: [[UInt8]] = []
        for entry in script.entries {
            if case .message(let m)? = state.apply(entry) { broadcast.append(m.payload) }
        }
        #expect(broadcast == script.messages)
        #expect(state.snapshot(type: "ticker", code: "KRW-BTC")?.payload == tickerPayload("KRW-BTC", price: 2))
        #expect(state.epoch == 2)
        #expect(state.position == ReplayPosition(epoch: 1, seq: 2, monoNs: 40_000_000))
    }

    @Test func onlyInboundMarketDataIsBroadcast() {
        var script = ServeTapeScript()
        script.connect(at: 0)
        script.frame(Array(#"[{"ticket":"t"}]"#.utf8), at: 1, direction: .outbound, opcode: FrameOpcode.text)
        script.frame(Array(#"{"status":"UP"}"#.utf8), at: 2, opcode: FrameOpcode.text)
        script.frame([], at: 3, opcode: FrameOpcode.ping)
        script.frame(Array("not json".utf8), at: 4)
        script.frame(tradePayload("KRW-ETH", sid: 1), at: 5, opcode: FrameOpcode.text)
        var state = TapeReplayState(events: [], replayDisconnects: true)
        let events = script.entries.compactMap { state.apply($0) }
        #expect(events.count == 1)
        guard case .message(let message)? = events.first else {
            Issue.record("expected one message")
            return
        }
        #expect(message.type == "trade" && message.code == "KRW-ETH" && message.format == .default)
        #expect(state.skipped == 3)
    }

    @Test func recordedCloseCodesBecomeCloseFramesAndLostConnectionsAbruptDrops() {
        func event(_ code: Int64?) -> LifecycleRecord {
            LifecycleRecord(
                kind: .disconnect,
                epoch: 1,
                afterSeq: 3,
                wallNs: 0,
                monoNs: 0,
                closeCode: code,
                detail: "x"
            )
        }
        let cases: [(Int64?, UInt16, Bool)] = [
            (1001, 1001, false), (1000, 1000, false), (1011, 1011, false), (4000, 4000, false),
            (1006, 1006, true), (1005, 1006, true), (1015, 1006, true), (nil, 1006, true), (999, 1006, true),
        ]
        for (recorded, code, abrupt) in cases {
            guard
                case .disconnectAll(let c, let reason, let a) = TapeReplayState.disconnect(
                    after: event(recorded),
                    epoch: 1
                )
            else { continue }
            #expect(c == code && a == abrupt, "\(String(describing: recorded))")
            #expect(reason.utf8.count <= 123)
        }
        guard case .disconnectAll(_, _, let abrupt) = TapeReplayState.disconnect(after: nil, epoch: 4) else { return }
        #expect(abrupt, "an epoch without a recorded disconnect ended abruptly")
    }

    @Test func theKeySpellingComesFromTheFirstKey() {
        #expect(TapeReplayState.keySpelling(of: Array(#"{"type":"trade"}"#.utf8)) == .default)
        #expect(TapeReplayState.keySpelling(of: Array(#" { "ty":"trade"}"#.utf8)) == .simple)
        #expect(TapeReplayState.keySpelling(of: Array(#"{"code":"KRW-BTC","type":"trade"}"#.utf8)) == nil)
        #expect(TapeReplayState.keySpelling(of: Array(#"{"typ"#.utf8)) == nil)
        #expect(TapeReplayState.keySpelling(of: []) == nil)
    }
}
