import CAccel

/// R3's table of the latest sighting per (stream key id, idempotency key): open addressing with
/// linear probing, sized so that at most half the slots are in use.
///
/// Idempotency keys are already 64-bit hashes of their stream key and event (SPEC §4), so the
/// home slot is one multiply of the key alone: a caller can ``prefetch(key:)`` it from the
/// facts of an event it has not judged yet, before the stream id is known. A slot whose time is
/// below its stream key's horizon is expired: lookups treat it as a different key, insertions
/// reuse it, and a rebuild (when half the slots are in use) keeps only the live ones, growing or
/// shrinking to at least four times their number. The slots live in ``SlotMemory``: zero-filled
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
    private var slots: SlotMemory<Slot>
    private var shift: UInt64
    /// Rebuild scratch (see ``rebuild(horizons:)``): empty between rebuilds, capacity kept.
    private var live: [Slot] = []
    /// Slots in use, expired ones included.
    private(set) var count = 0

    /// A table with room for `expectedKeys` live sightings without a rebuild: the size a rebuild
    /// would give it at that many (at least four times, and the minimum).
    init(expectedKeys: Int = 0) {
        let capacity = Self.capacity(forLive: expectedKeys)
        slots = SlotMemory(zeroedCount: capacity)
        shift = 64 - UInt64(capacity.trailingZeroBitCount)
    }

    subscript(slot: Int) -> Slot { slots[slot] }

    /// Starts loading the home slot of `key` into the cache. A hint: the rules call it a few
    /// events ahead, so that the probe for that event does not wait for memory.
    func prefetch(key: UInt64) { slots.prefetch(home(key: key)) }

    /// Finds (stream, key), or the best slot to insert it at: the first expired slot on its probe
    /// path, else the empty slot that ended the path.
    func probe(stream: Int32, key: UInt64, horizons: [Int64]) -> Probe {
        let slots = slots.base
        let mask = self.slots.count - 1
        let owner = stream &+ 1
        var i = home(key: key)
        var reusable = -1
        while true {
            let slot = slots[i]
            if slot.owner == 0 { return Probe(slot: reusable >= 0 ? reusable : i, found: false) }
            if slot.key == key, slot.owner == owner { return Probe(slot: i, found: true) }
            if reusable < 0, slot.timeMs < horizons[Int(slot.owner) - 1] { reusable = i }
            i = (i + 1) & mask
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
        if (count + 1) * 2 > slots.count {
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
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Keeps the live sightings in a table at least four times their number (and the minimum),
    /// so the next rebuild is at least as many insertions away as there are live sightings.
    /// At a steady rate the size does not change from one rebuild to the next: the table is then
    /// cleared in place and the live sightings go through a scratch array kept between rebuilds,
    /// so a rebuild allocates nothing and faults in no fresh pages.
    private mutating func rebuild(horizons: [Int64]) {
        live.removeAll(keepingCapacity: true)
        for i in 0..<slots.count where isLive(slots[i], horizons) { live.append(slots[i]) }
        var capacity = Self.capacity(forLive: live.count + 1)
        // Shrink only to a quarter or less: a live count wavering around a power of two must
        // not reallocate the table at every rebuild.
        if capacity < slots.count, capacity * 4 > slots.count { capacity = slots.count }
        let bits = UInt64(capacity.trailingZeroBitCount)
        if capacity == slots.count {
            slots.clear()
        } else {
            slots = SlotMemory(zeroedCount: capacity)
        }
        shift = 64 - bits
        count = 0
        // Re-inserting is a random write per live sighting: issue each one's load a few ahead.
        for (n, slot) in live.enumerated() {
            if n + 8 < live.count { prefetch(key: live[n + 8].key) }
            insertFresh(slot)
        }
    }

    /// The smallest power of two (and the minimum) at least four times `live`.
    private static func capacity(forLive live: Int) -> Int {
        var capacity = minimumCapacity
        while capacity < live * 4 { capacity *= 2 }
        return capacity
    }

    /// Inserts a key known to be absent, with room guaranteed.
    private mutating func insertFresh(_ sighting: Slot) {
        let mask = slots.count - 1
        var i = home(key: sighting.key)
        while slots[i].owner != 0 { i = (i + 1) & mask }
        slots[i] = sighting
        count += 1
    }
}
