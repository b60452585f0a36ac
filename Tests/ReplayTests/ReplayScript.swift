import Exchange
import Replay
import Rules
import TapeLog
import TicktapeTestSupport
import Upbit

/// Turns scripted frames into tape-like replay inputs: a connect event opens each new epoch,
/// and an outbound subscription follows it, as the recorder writes them.
func replayInputs(_ frames: [ScriptFrame]) -> [ReplayInput] {
    var inputs: [ReplayInput] = []
    var opened: UInt32 = 0
    var outSeq: UInt64 = 1_000_000
    for frame in frames {
        if frame.epoch > opened {
            opened = frame.epoch
            inputs.append(.lifecycle(.connect, epoch: frame.epoch, monoNs: frame.monoMs * 1_000_000))
            outSeq += 1
            inputs.append(
                .frame(
                    ReplayFrame(
                        epoch: frame.epoch,
                        seq: outSeq,
                        direction: .outbound,
                        opcode: .text,
                        monoNs: frame.monoMs * 1_000_000,
                        facts: FrameFacts()
                    )
                )
            )
        }
        inputs.append(.frame(epoch: frame.epoch, seq: frame.seq, monoNs: frame.monoMs * 1_000_000, facts: frame.facts))
    }
    return inputs
}

/// A 100-market feed: a ticker per market every 100 ms and a trade every 250 ms for 3 s, with a
/// reconnect at 1.5 s that re-sends one SNAPSHOT per market (duplicates of the last value) and a
/// late frame of the old epoch after it.
func hundredMarketFeed(markets: Int = 100, seconds: Int = 3) -> [ScriptFrame] {
    let codes = (0..<markets).map { "KRW-M\($0)" }
    var moments: [Moment] = []
    var sid: UInt64 = 0
    var epoch: UInt32 = 1
    var lastTicker: [Int: Int64] = [:]
    for tick in 0..<(seconds * 10) {
        let ms = Int64(1_000 + tick * 100)
        if tick == seconds * 5 {
            epoch = 2
            moments.append(
                at(ms: ms, epoch: 2) {
                    for (i, code) in codes.enumerated() {
                        ticker(code, time: lastTicker[i]!, .snapshot, value: Int(lastTicker[i]!))
                    }
                }
            )
            moments.append(at(ms: ms + 1, epoch: 1) { ticker(codes[0], time: ms, value: -1) })
        }
        var items: [Scripted] = []
        for (i, code) in codes.enumerated() {
            let time = ms + Int64(i % 10)
            items.append(ticker(code, time: time, value: Int(time)))
            lastTicker[i] = time
            if tick % 5 == i % 5 {
                sid += 1
                items.append(trade(code, sid: sid, time: time))
            }
        }
        moments.append(Moment(ms: ms + 2, epoch: epoch, items: items))
    }
    return place(moments)
}

/// Keeps the last delivered and last accepted idempotency key per stream key, in bounded memory.
final class FreshnessObserver: DeliveryObserver {
    var lastAccepted: [String: UInt64] = [:]
    var lastDelivered: [Int: [String: UInt64]] = [:]

    func accepted(_ event: MarketEvent) {
        lastAccepted["\(event.type)|\(event.code)"] = event.idempotencyKey
    }

    func delivered(_ event: MarketEvent, to consumer: Int, atNs: Int64) {
        lastDelivered[consumer, default: [:]]["\(event.type)|\(event.code)"] = event.idempotencyKey
    }
}
