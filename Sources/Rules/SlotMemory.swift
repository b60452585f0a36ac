import CAccel

/// The slots of a large open-addressing hash table, in zero-filled memory of their own.
///
/// R3's and C1's windows hold every key of the last 60 s of event time: hundreds of thousands
/// on a busy feed, tables of tens of MB. An array would write every slot once on creation; this
/// memory comes zero-filled from the kernel page by page as it is first touched, and large tables
/// are aligned and advised for transparent huge pages (see `ticktape_table_alloc`), which spares
/// most TLB misses of a random probe. An all-zero `Slot` must therefore mean "empty".
///
/// A reference type: a table struct that owns one copies it before writing when it is shared
/// (``isKnownUniquelyReferenced(_:)``), so the tables keep value semantics.
package final class SlotMemory<Slot: BitwiseCopyable>: @unchecked Sendable {
    /// The first of ``count`` slots.
    package let base: UnsafeMutablePointer<Slot>
    package let count: Int
    private var bytes: Int { count * MemoryLayout<Slot>.stride }

    /// `count` all-zero slots. Running out of memory here is fatal, as it is for an array.
    package init(zeroedCount count: Int) {
        self.count = count
        guard let raw = ticktape_table_alloc(count * MemoryLayout<Slot>.stride) else {
            fatalError("out of memory for a table of \(count) slots")
        }
        base = raw.bindMemory(to: Slot.self, capacity: count)
    }

    deinit { ticktape_table_free(base, bytes) }

    /// A copy with the same slots.
    package func copy() -> SlotMemory {
        let other = SlotMemory(zeroedCount: count)
        other.base.update(from: base, count: count)
        return other
    }

    package subscript(index: Int) -> Slot {
        get { base[index] }
        set { base[index] = newValue }
    }

    /// Starts loading slot `index` into the cache (see `ticktape_prefetch`).
    package func prefetch(_ index: Int) { ticktape_prefetch(base + index) }
}
