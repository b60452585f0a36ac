import Primitives
import Testing

@testable import Rules

/// The R3 window as the rule states it, kept naively: every sighting per stream key, the newest
/// event time, and a duplicate is a key whose latest sighting is at or after newest − window.
private struct NaiveWindow {
    var newest: [Int32: Int64] = [:]
    var latest: [Int32: [UInt64: R3Dedup.Sighting]] = [:]
    let windowMs: Int64

    mutating func check(stream: Int32, key: UInt64, timeMs: Int64, epoch: UInt32, seq: UInt64) -> R3Dedup.Sighting? {
        let top = max(newest[stream] ?? Int64.min, timeMs)
        newest[stream] = top
        let horizon = top - windowMs
        if let earlier = latest[stream]?[key], earlier.timeMs >= horizon { return earlier }
        guard timeMs >= horizon else { return nil }
        latest[stream, default: [:]][key] = R3Dedup.Sighting(timeMs: timeMs, epoch: epoch, seq: seq)
        return nil
    }
}

@Suite("R3 dedup against a naive model")
struct R3DedupModelTests {
    /// Reproducible streams from the project's one seeded generator.
    struct Random {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func next(_ bound: UInt64) -> UInt64 { generator.next() % bound }
    }

    /// With the table grown from small and sized up front (`expectedKeys`, a hint): same verdicts.
    @Test(
        "verdicts and earlier sightings equal the model's over reordered, repeated keys",
        arguments: [1, 2, 3, 4],
        [0, 50_000]
    )
    func matchesTheModel(seed: UInt64, expectedKeys: Int) {
        var random = Random(state: seed)
        let windowMs: Int64 = 200
        var dedup = R3Dedup(windowMs: windowMs, expectedKeys: expectedKeys)
        var model = NaiveWindow(windowMs: windowMs)
        var clock: Int64 = 0
        var duplicates = 0
        for seq in 1...60_000 {
            clock += Int64(random.next(3))
            let stream = Int32(random.next(7))
            // Keys repeat within and beyond the window; times jitter backwards by up to 300 ms.
            let key = random.next(800)
            let time = clock - Int64(random.next(300))
            let got = dedup.check(keyID: stream, key: key, timeMs: time, epoch: 1, seq: UInt64(seq))
            let want = model.check(stream: stream, key: key, timeMs: time, epoch: 1, seq: UInt64(seq))
            #expect(got == want, "seq \(seq)")
            if got != want { return }
            if got != nil { duplicates += 1 }
        }
        #expect(duplicates > 1_000)
        let live = model.latest.reduce(0) { total, entry in
            let horizon = model.newest[entry.key]! - windowMs
            return total + entry.value.values.filter { $0.timeMs >= horizon }.count
        }
        #expect(dedup.rememberedKeys == live)
    }

    /// A copy shares the table's memory until one side writes: both must then go on as two
    /// independent windows, each equal to its own copy of the model.
    @Test("a copy taken mid-stream and the original each go on as their own model", arguments: [5, 6])
    func copiesAreIndependent(seed: UInt64) {
        var random = Random(state: seed)
        let windowMs: Int64 = 200
        var dedups = [R3Dedup(windowMs: windowMs)]
        var models = [NaiveWindow(windowMs: windowMs)]
        var clock: Int64 = 0
        var duplicates = 0
        for seq in 1..<40_000 {
            if seq % 10_000 == 0 {
                dedups.append(dedups[dedups.count - 1])
                models.append(models[models.count - 1])
            }
            clock += Int64(random.next(3))
            let which = Int(random.next(UInt64(dedups.count)))
            let stream = Int32(random.next(5))
            let key = random.next(400)
            let time = clock - Int64(random.next(300))
            let got = dedups[which].check(keyID: stream, key: key, timeMs: time, epoch: 1, seq: UInt64(seq))
            let want = models[which].check(stream: stream, key: key, timeMs: time, epoch: 1, seq: UInt64(seq))
            #expect(got == want, "copy \(which), seq \(seq)")
            if got != want { return }
            if got != nil { duplicates += 1 }
        }
        #expect(dedups.count == 4)
        #expect(duplicates > 500)
        for (dedup, model) in zip(dedups, models) {
            let live = model.latest.reduce(0) { total, entry in
                let horizon = model.newest[entry.key]! - windowMs
                return total + entry.value.values.filter { $0.timeMs >= horizon }.count
            }
            #expect(dedup.rememberedKeys == live)
        }
    }

    @Test("storage follows the window, not the input length")
    func storageIsBounded() {
        var dedup = R3Dedup(windowMs: 1_000)
        for i in 0..<200_000 {
            _ = dedup.check(keyID: Int32(i % 3), key: UInt64(i), timeMs: Int64(i) * 10, epoch: 1, seq: UInt64(i))
        }
        // 1 s of event time at one key per 10 ms is about 100 keys; three times that is below the
        // table's minimum of 1,024 slots, of which it never holds more than 55 % (563).
        #expect(dedup.rememberedKeys <= 102)
        #expect(dedup.storedKeys <= 563)
    }
}
