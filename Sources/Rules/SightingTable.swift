import CAccel

/// R3's table of the latest sighting per (stream key id, idempotency key): open addressing with
/// linear probing, sized so that at most 55 % of the slots are in use.
///
/// Idempotency keys are already 64-bit hashes of their stream key and event, so the
/// home slot is one multiply of the key alone: a caller can ``prefetch(key:)`` it from the
/// facts of an event it has not judged yet, before the stream id is known. A slot whose time is
/// below its stream key's horizon is expired: lookups treat it as a different key, insertions
/// reuse it, and a rebuild (when 55 % of the slots are in use) keeps only the live ones, growing
/// or shrinking to three times their number. The slots live in ``SlotMemory``: zero-filled
/// on first touch, huge pages when large.
struct SightingTable: Sendable {
    struct Slot: Sendable, BitwiseCopyable {
        var key: UInt64
        var timeMs: Int64
        var seq: UInt64
        var epoch: UInt32
        /// Stream key id + 1; 0 marks an empty slot (all-zero memory is an empty table).
        var owner: Int32

        init(key: UInt64, timeMs: Int64, seq: UInt64, epoch: UInt32, stream: Int32) {
            self.key = key
            self.timeMs = timeMs
            self.seq = seq
            self.epoch = epoch
            owner = stream &+ 1
        }
    }

    /// Where a probe ended: the key's slot when `found`, else the slot an insertion should take.
    struct Probe: Sendable {
        var slot: Int
        var found: Bool
    }

    private static let minimumCapacity = 1_024
    private static let empty = Slot(key: 0, timeMs: 0, seq: 0, epoch: 0, stream: -1)
    private var slots: SlotMemory<Slot>
    /// Slots in use, expired ones included.
    private(set) var count = 0

    /// A table with room for `expectedKeys` live sightings without a rebuild: the size a rebuild
    /// would give it at that many (three times, and the minimum).
    init(expectedKeys: Int = 0) {
        slots = SlotMemory(zeroedCount: max(Self.minimumCapacity, expectedKeys * 3))
    }

    subscript(slot: Int) -> Slot { slots[slot] }

    /// Starts loading the home slot of `key` into the cache. A hint: the rules call it a few
    /// events ahead, so that the probe for that event does not wait for memory.
    func prefetch(key: UInt64) { slots.prefetch(home(key: key)) }

    /// Finds (stream, key), or the best slot to insert it at: the first expired slot on its probe
    /// path, else the empty slot that ended the path.
    func probe(stream: Int32, key: UInt64, horizons: [Int64]) -> Probe {
        let slots = slots.base
        let end = self.slots.count
        let owner = stream &+ 1
        var i = home(key: key)
        var reusable = -1
        while true {
            let slot = slots[i]
            if slot.owner == 0 { return Probe(slot: reusable >= 0 ? reusable : i, found: false) }
            if slot.key == key, slot.owner == owner { return Probe(slot: i, found: true) }
            if reusable < 0, slot.timeMs < horizons[Int(slot.owner) - 1] { reusable = i }
            i += 1
            if i == end { i = 0 }
        }
    }

    /// Stores `sighting` where `probe` said (overwriting the key's expired sighting or an
    /// expired slot, or filling an empty one).
    mutating func store(_ sighting: Slot, at probe: Probe, horizons: [Int64]) {
        if !isKnownUniquelyReferenced(&slots) { slots = slots.copy() }
        if slots[probe.slot].owner != 0 {
            slots[probe.slot] = sighting
            return
        }
        if (count + 1) * 20 > slots.count * 11 {
            rebuild(horizons: horizons)
            insertFresh(sighting)
            return
        }
        slots[probe.slot] = sighting
        count += 1
    }

    /// Live sightings (inside their window).
    func live(horizons: [Int64]) -> Int {
        (0..<slots.count).reduce(0) { $0 + (isLive(slots[$1], horizons) ? 1 : 0) }
    }

    private func isLive(_ slot: Slot, _ horizons: [Int64]) -> Bool {
        slot.owner != 0 && slot.timeMs >= horizons[Int(slot.owner) - 1]
    }

    @inline(__always)
    private func home(key: UInt64) -> Int {
        // The high half of hash × size: any size, not only powers of two (Lemire's reduction).
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15).multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    /// Keeps the live sightings in a table about three times their number (and the minimum), so
    /// the next rebuild is a fair share of a window's insertions away. (Four times was no faster:
    /// its extra memory costs as much zeroing on first touch as the shorter probes save.)
    /// At a steady rate the size does not change from one rebuild to the next, and the table is
    /// compacted in place: no allocation, no fresh pages, no scratch copy of the live sightings.
    private mutating func rebuild(horizons: [Int64]) {
        // Empty the expired slots, counting the live ones.
        var liveCount = 0
        for i in 0..<slots.count where slots[i].owner != 0 {
            if isLive(slots[i], horizons) { liveCount += 1 } else { slots[i] = Self.empty }
        }
        let capacity = Self.resized(slots.count, live: liveCount + 1)
        count = 0
        if capacity != slots.count {
            let old = slots
            slots = SlotMemory(zeroedCount: capacity)
            // A random write per live sighting: issue each one's load a few slots ahead.
            for i in 0..<old.count {
                if i + 8 < old.count, old[i + 8].owner != 0 { prefetch(key: old[i + 8].key) }
                if old[i].owner != 0 { insertFresh(old[i]) }
            }
            return
        }
        // Re-place every live sighting in probe order, starting after an empty slot: each one
        // moves back towards its home and lands where a probe from its home finds it (the slots
        // of its cluster before it are placed already, and its own slot is free).
        guard var j = (0..<slots.count).first(where: { slots[$0].owner == 0 }) else { return }
        for _ in 0..<slots.count {
            j += 1
            if j == slots.count { j = 0 }
            guard slots[j].owner != 0 else { continue }
            let sighting = slots[j]
            slots[j] = Self.empty
            insertFresh(sighting)
        }
    }

    /// The size a rebuild gives a table of `current` slots for `live` sightings: three times them
    /// (and the minimum). A size already in [2.5×, 12×) is kept, so that a live count wavering at a
    /// steady rate, or a little above the count the table was sized for, never reallocates; a
    /// growing table at least doubles, so that a filling window is not rebuilt at every step.
    private static func resized(_ current: Int, live: Int) -> Int {
        let needed = max(minimumCapacity, live * 3)
        if live * 5 <= current * 2, needed * 4 > current { return current }
        return needed > current ? max(needed, current * 2) : needed
    }

    /// Inserts a key known to be absent, with room guaranteed.
    private mutating func insertFresh(_ sighting: Slot) {
        let end = slots.count
        var i = home(key: sighting.key)
        while slots[i].owner != 0 {
            i += 1
            if i == end { i = 0 }
        }
        slots[i] = sighting
        count += 1
    }
}
