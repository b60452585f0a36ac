import Primitives
import Testing
import Upbit

@testable import Replay

/// C1's window table keeps its slots in `SlotMemory` (raw zero-filled memory, huge pages when
/// large) and indexes them through a pointer. Driven directly, without the oracle around it, it
/// must agree with a naive model of the window at every delivery, through rebuilds, growth and
/// copies.
@Suite("C1 delivery windows against a naive model")
struct DeliveryWindowsModelTests {
    /// The window as C1 defines it, kept naively: per stream key the newest time delivered and
    /// the latest delivery of each idempotency key.
    struct Model {
        var newest: [Int: Int64] = [:]
        var latest: [Int: [UInt64: EventRef]] = [:]

        mutating func deliver(_ event: EventRef, key k: Int, windowMs: Int64) -> EventRef? {
            let top = max(newest[k] ?? Int64.min, event.timeMs)
            newest[k] = top
            let start = top - windowMs
            if let earlier = latest[k]?[event.key], earlier.timeMs >= start { return earlier }
            guard event.timeMs >= start else { return nil }
            latest[k, default: [:]][event.key] = event
            return nil
        }

        func live(windowMs: Int64) -> Int {
            latest.reduce(0) { total, entry in
                let start = newest[entry.key]! - windowMs
                return total + entry.value.values.filter { $0.timeMs >= start }.count
            }
        }
    }

    /// Grown from small, and sized up front past the 2 MiB mapping threshold; a copy of the
    /// table is taken every 15,000 deliveries and goes on with its own copy of the model.
    @Test(
        "every verdict and earlier delivery equals the model's, copies included",
        arguments: [UInt64(11), 12, 13],
        [0, 50_000]
    )
    func matchesTheModel(seed: UInt64, expectedKeys: Int) {
        var random = SplitMix64(seed: seed)
        let windowMs: Int64 = 150
        var tables = [DeliveryWindows(expectedKeys: expectedKeys)]
        var models = [Model()]
        var clock: Int64 = 1_000
        var repeats = 0
        for seq: UInt64 in 1..<45_000 {
            if seq % 15_000 == 0 {
                tables.append(tables[tables.count - 1])
                models.append(models[models.count - 1])
            }
            clock += Int64(random.below(3))
            let which = Int(random.below(UInt64(tables.count)))
            let k = Int(random.below(6))
            let event = EventRef(
                epoch: UInt32(1 + random.below(2)),
                seq: seq,
                timeMs: clock - Int64(random.below(200)),
                streamType: random.chance(1, in: 4) ? .snapshot : .realtime,
                key: random.below(500),
                atNs: random.chance(1, in: 8) ? nil : Int64(seq) * 1_000
            )
            let got = tables[which].deliver(event, key: k, windowMs: windowMs)
            let want = models[which].deliver(event, key: k, windowMs: windowMs)
            guard got == want else {
                Issue.record("table \(which), seq \(seq): \(String(describing: got)) ≠ \(String(describing: want))")
                return
            }
            if got != nil { repeats += 1 }
        }
        #expect(tables.count == 3)
        #expect(repeats > 500)
        for (table, model) in zip(tables, models) {
            #expect(table.count == model.live(windowMs: windowMs))
        }
    }
}
