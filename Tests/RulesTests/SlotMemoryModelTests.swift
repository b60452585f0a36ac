import Primitives
import Testing
import Upbit

@testable import Rules

/// `SlotMemory` hands out raw, zero-filled memory (calloc, or an aligned huge-page mapping from
/// 2 MiB up) and indexes it through a pointer. The model is an array of the same slots: every
/// read, write and copy must agree with it.
@Suite("Slot memory against an array")
struct SlotMemoryModelTests {
    /// A slot with padding, as the tables' slots have.
    struct Cell: BitwiseCopyable, Equatable {
        var key: UInt64
        var owner: Int32
        var flag: UInt8

        static let zero = Cell(key: 0, owner: 0, flag: 0)
    }

    /// One table and its model.
    struct Pair {
        var memory: SlotMemory<Cell>
        var model: [Cell]
    }

    /// Sizes below and above the 2 MiB mapping threshold (16-byte slots): calloc, exactly one
    /// huge page, and a mapping that is not a whole number of huge pages.
    @Test(
        "fresh memory is all zero; reads, writes and copies agree with the array",
        arguments: [(UInt64(1), 100), (2, 3_000), (3, 131_072), (4, 200_001)]
    )
    func matchesTheModel(seed: UInt64, count: Int) {
        var random = Primitives.SplitMix64(seed: seed)
        let fresh = SlotMemory<Cell>(zeroedCount: count)
        #expect(fresh.count == count)
        #expect((0..<count).allSatisfy { fresh[$0] == .zero })
        var pairs = [Pair(memory: fresh, model: Array(repeating: .zero, count: count))]
        var reads = 0
        for step in 0..<30_000 {
            let p = Int(random.below(UInt64(pairs.count)))
            let i = Int(random.below(UInt64(count)))
            switch random.below(100) {
            case 0..<50:
                let cell = Cell(
                    key: random.next(),
                    owner: Int32(truncatingIfNeeded: random.next()),
                    flag: UInt8(truncatingIfNeeded: random.next())
                )
                pairs[p].memory[i] = cell
                pairs[p].model[i] = cell
            case 50..<95:
                reads += 1
                guard pairs[p].memory[i] == pairs[p].model[i] else {
                    Issue.record("step \(step): table \(p) slot \(i) differs from the model")
                    return
                }
            case 95..<99:
                // A hint only: it must not change a slot.
                pairs[p].memory.prefetch(i)
            default:
                if pairs.count < 4 {
                    pairs.append(Pair(memory: pairs[p].memory.copy(), model: pairs[p].model))
                }
            }
        }
        #expect(reads > 10_000)
        #expect(pairs.count == 4)
        for (p, pair) in pairs.enumerated() {
            #expect(pair.memory.count == count)
            #expect((0..<count).allSatisfy { pair.memory[$0] == pair.model[$0] }, "table \(p)")
        }
    }
}
