import Primitives
import Rules
import Testing
import TicktapeTestSupport
import Upbit

/// Random scripts with duplicates, reorders, reconnect snapshots and stale-epoch tails.
func randomScript(seed: UInt64, length: Int) -> [ScriptFrame] {
    var rng = SplitMix64(seed: seed)
    let codes = ["KRW-BTC", "KRW-ETH", "KRW-XRP"]
    var moments: [Moment] = []
    var sent: [(Scripted, UInt32)] = []
    var epoch: UInt32 = 1
    var clock: Int64 = 1_000
    var sid: UInt64 = 0
    var lastState: [String: Scripted] = [:]
    for _ in 0..<length {
        clock += Int64.random(in: 0...40, using: &rng)
        let roll = Int.random(in: 0..<100, using: &rng)
        var items: [Scripted] = []
        var at = epoch
        switch roll {
        case 0..<8 where !sent.isEmpty:
            // Duplicate of a recent frame, maybe re-sent as a SNAPSHOT.
            var (copy, _) = sent[max(0, sent.count - Int.random(in: 1...20, using: &rng))]
            if Bool.random(using: &rng) { copy.stream = .snapshot }
            items = [copy]
        case 8..<14:
            // Reordered: an event time from the recent past.
            let code = codes.randomElement(using: &rng)!
            let time = clock - Int64.random(in: 1...300, using: &rng)
            if Bool.random(using: &rng) {
                sid += 1
                items = [trade(code, sid: sid, time: time)]
            } else {
                items = [orderbook(code, time: time, value: Int.random(in: 0..<1_000, using: &rng))]
            }
        case 14..<16:
            // Reconnect: a new epoch opens with one SNAPSHOT per key, some of them stale or repeated.
            epoch += 1
            at = epoch
            for (_, state) in lastState.sorted(by: { $0.key < $1.key }) {
                var snapshot = state
                snapshot.stream = .snapshot
                if Bool.random(using: &rng) { snapshot.timeMs = clock }
                items.append(snapshot)
            }
        case 16..<19 where epoch > 1:
            // Stale-epoch tail: a frame of the previous connection after the new one opened.
            at = epoch - 1
            items = [ticker(codes.randomElement(using: &rng)!, time: clock, value: 7)]
        default:
            let code = codes.randomElement(using: &rng)!
            switch Int.random(in: 0..<3, using: &rng) {
            case 0:
                sid += 1
                items = [trade(code, sid: sid, time: clock)]
            case 1: items = [ticker(code, time: clock, value: Int.random(in: 0..<1_000, using: &rng))]
            default: items = [orderbook(code, time: clock, value: Int.random(in: 0..<1_000, using: &rng))]
            }
        }
        for item in items {
            sent.append((item, at))
            if item.type != "trade", let code = item.code { lastState["\(item.type!)|\(code)"] = item }
        }
        moments.append(Moment(ms: clock, epoch: at, items: items))
    }
    return place(moments)
}

/// The invariants, computed from the deliveries alone, without calling the rules.
func violations(in delivered: [DeliveryRecord]) -> [String] {
    var found: [String] = []
    var keys: Set<UInt64> = []
    var stateTime: [String: Int64] = [:]
    var snapshotTime: [String: Int64] = [:]
    var highestEpoch: UInt32 = 0
    for record in delivered {
        let key = "\(record.type)|\(record.code)"
        if !keys.insert(record.idempotencyKey).inserted { found.append("key delivered twice at seq \(record.seq)") }
        if record.epoch < highestEpoch { found.append("epoch went back at seq \(record.seq)") }
        highestEpoch = max(highestEpoch, record.epoch)
        if record.type != "trade" {
            if record.eventTimeMs < stateTime[key, default: .min] { found.append("state regressed for \(key)") }
            stateTime[key] = record.eventTimeMs
        }
        if record.streamType == .snapshot {
            snapshotTime[key] = max(snapshotTime[key, default: .min], record.eventTimeMs)
        } else if record.eventTimeMs < snapshotTime[key, default: .min] {
            found.append("below snapshot for \(key)")
        }
    }
    return found
}

@Suite("Reconcile property")
struct ReconcilePropertyTests {
    @Test("random faulty scripts never deliver a key twice, regress a state, or cross an epoch back", arguments: 0..<24)
    func invariantsHoldOnRandomScripts(seed: UInt64) throws {
        let frames = randomScript(seed: seed &* 7_919 &+ 1, length: 600)
        let consumers = [
            "name=all,capacity=100000", "name=gui,capacity=4,policy=coalesce,service=30ms",
            "name=lossy,capacity=3,policy=drop-newest,service=20ms",
        ]
        let (metrics, recorder) = try fanout(frames, consumers: consumers)
        let delivered = recorder.delivered(to: 0)
        #expect(metrics[0].dropped == 0)
        #expect(delivered.count == recorder.accepted.count)
        for consumer in consumers.indices {
            #expect(violations(in: recorder.delivered(to: consumer)) == [], "consumer \(consumer)")
        }
        #expect(metrics[1].coalesced > 0)
        #expect(metrics[2].dropped > 0)
        // The generator really produced faults for the rules to handle.
        #expect(recorder.discards.count > 0)
        #expect(recorder.discards.count + recorder.accepted.count == frames.count)
    }

    @Test("the independent check is not vacuous: with R3 and R4 off it finds violations")
    func checkCatchesDisabledRules() throws {
        var total = 0
        for seed in 0..<8 as Range<UInt64> {
            let frames = randomScript(seed: seed &* 7_919 &+ 1, length: 600)
            let rules = ReconcilerOptions(disabled: [.r3, .r4])
            let (_, recorder) = try fanout(frames, consumers: ["name=all,capacity=100000"], rules: rules)
            total += violations(in: recorder.delivered(to: 0)).count
        }
        #expect(total > 0)
    }
}
