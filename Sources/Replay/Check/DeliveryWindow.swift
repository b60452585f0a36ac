import CAccel
import Exchange
import Rules

/// An event as the oracle remembers it: the frame, its times and its idempotency key. The
/// stream key is kept apart (the oracle's per-key tables), so this stays small.
struct EventRef: Sendable, Hashable {
    var epoch: UInt32
    /// The line of a client's deliveries log that applied it (1-based); 0 for none. Placed
    /// beside `epoch`, where it costs no space.
    var line: UInt32 = 0
    var seq: UInt64
    var timeMs: Int64
    var streamType: StreamType
    var key: UInt64
    /// Delivery time on the replay clock; nil for an acceptance.
    var atNs: Int64?

    /// True when `self` was accepted before `other`. Acceptance follows tape order, in which
    /// seq grows within an epoch and, with R1, epochs never go back; so (epoch, seq) order is
    /// acceptance order. (If accepted epochs ever go back, C3 reports it.)
    func precedes(_ other: EventRef) -> Bool { (epoch, seq) < (other.epoch, other.seq) }
}

/// C1's memory of the idempotency keys one consumer received, per stream key.
///
/// Deterministic and bounded like R3 but separate code: per stream key it keeps every
/// key whose event time is ≥ newest − window, where newest is the highest event time delivered
/// for the stream key. A key delivered again after it left the window is out of C1's reach.
///
/// One hash table (open addressing, linear probing) holds the latest delivery of each
/// (stream key, idempotency key). A delivery whose time fell below its stream key's window start
/// no longer counts; its slot is taken by the next insertion probing over it, and when 55 % of the
/// slots are used the table is rebuilt with the live deliveries only, at three times their
/// number. Amortised O(1) per delivery, no allocation between rebuilds. The home slot depends
/// on the idempotency key alone (already a 64-bit hash of its stream key and event), so
/// the checker can ``prefetch(key:)`` it a few events ahead. The slots live in ``SlotMemory``
/// (zero-filled on first touch, huge pages when large): an all-zero slot is vacant.
struct DeliveryWindows: Sendable {
    /// One delivery: what a probe compares, and the rest of its ``EventRef`` for a violation's
    /// witness, in one 48-byte slot: an insertion writes one line, or two adjacent ones, never a
    /// second table.
    private struct Slot: Sendable, BitwiseCopyable {
        var key: UInt64
        var timeMs: Int64
        var seq: UInt64
        /// Delivery time; `Int64.min` for none.
        var atNs: Int64
        var epoch: UInt32
        /// Stream key + 1; 0 marks an empty slot.
        var owner: Int32
        var line: UInt32
        var streamType: StreamType

        init(_ ref: EventRef, owner: Int32) {
            key = ref.key
            timeMs = ref.timeMs
            seq = ref.seq
            atNs = ref.atNs ?? Int64.min
            epoch = ref.epoch
            self.owner = owner
            line = ref.line
            streamType = ref.streamType
        }

        var ref: EventRef {
            EventRef(
                epoch: epoch,
                line: line,
                seq: seq,
                timeMs: timeMs,
                streamType: streamType,
                key: key,
                atNs: atNs == Int64.min ? nil : atNs
            )
        }
    }

    private static let vacant = Slot(
        EventRef(epoch: 0, seq: 0, timeMs: 0, streamType: .snapshot, key: 0, atNs: 0),
        owner: 0
    )
    /// Window start (newest delivered time − width) per stream key.
    private var starts: [Int64] = []
    private var slots: SlotMemory<Slot>
    private var used = 0

    /// The most `expectedKeys` honoured (a 151 MB table); past it the table grows only as far
    /// as the deliveries really go.
    static let maximumExpectedKeys = 1 << 20

    /// Windows with room for `expectedKeys` live deliveries before a rebuild (0: start small).
    init(expectedKeys: Int = 0) {
        slots = SlotMemory(zeroedCount: max(1_024, min(max(0, expectedKeys), Self.maximumExpectedKeys) * 3))
    }

    /// Keys remembered now (inside their window), over all stream keys. O(table size).
    var count: Int { (0..<slots.count).reduce(0) { $0 + (isLive(slots[$1]) ? 1 : 0) } }

    /// Records a delivery of oracle stream key `k`; returns the earlier delivery of the same
    /// idempotency key when it is within the window (a C1 violation), nil otherwise.
    mutating func deliver(_ event: EventRef, key k: Int, windowMs: Int64) -> EventRef? {
        if k >= starts.count { starts.append(contentsOf: repeatElement(Int64.min, count: k + 1 - starts.count)) }
        let (candidate, overflow) = event.timeMs.subtractingReportingOverflow(windowMs)
        if !overflow, candidate > starts[k] { starts[k] = candidate }
        let start = starts[k]
        let owner = Int32(k + 1)
        if !isKnownUniquelyReferenced(&slots) { slots = slots.copy() }
        let end = slots.count
        var i = Self.slot(key: event.key, count: end)
        var spare = -1
        while slots[i].owner != 0 {
            if slots[i].owner == owner, slots[i].key == event.key {
                if slots[i].timeMs >= start { return slots[i].ref }
                spare = i
                break
            }
            if spare < 0, !isLive(slots[i]) { spare = i }
            i += 1
            if i == end { i = 0 }
        }
        guard event.timeMs >= start else { return nil }
        let slot = Slot(event, owner: owner)
        if spare >= 0 {
            slots[spare] = slot
        } else if (used + 1) * 20 > slots.count * 11 {
            rebuild()
            place(slot)
        } else {
            slots[i] = slot
            used += 1
        }
        return nil
    }

    /// Starts loading the home slot of idempotency key `key` into the cache. A hint: it
    /// changes nothing.
    func prefetch(key: UInt64) { slots.prefetch(Self.slot(key: key, count: slots.count)) }

    private func isLive(_ slot: Slot) -> Bool { slot.owner != 0 && slot.timeMs >= starts[Int(slot.owner) - 1] }

    private static func slot(key: UInt64, count: Int) -> Int {
        // splitmix64's finaliser over the key.
        var x = key &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        // Onto 0..<count by the high half of hash × count: any size, not only powers of two.
        return Int(truncatingIfNeeded: (x ^ (x >> 31)).multipliedFullWidth(by: UInt64(count)).high)
    }

    /// Keeps the live deliveries in a table three times their number: the next rebuild is then a
    /// fair share of a window's deliveries away. (Larger tables are no faster on a dense window:
    /// their zeroing on first touch costs what shorter probes save.) At a steady rate the size
    /// does not change from one rebuild to the next and the table is compacted where it is: no
    /// allocation, no fresh pages, no scratch copy.
    private mutating func rebuild() {
        // Vacate the slots whose delivery left its window, counting the others.
        var live = 0
        for i in 0..<slots.count where slots[i].owner != 0 {
            if isLive(slots[i]) { live += 1 } else { slots[i] = Self.vacant }
        }
        let capacity = Self.resized(slots.count, live: live + 1)
        used = 0
        if capacity != slots.count {
            let old = slots
            slots = SlotMemory(zeroedCount: capacity)
            // Placing is a random write per live delivery: issue each one's load a few ahead.
            for i in 0..<old.count {
                if i + 8 < old.count, old[i + 8].owner != 0 { prefetch(key: old[i + 8].key) }
                if old[i].owner != 0 { place(old[i]) }
            }
            return
        }
        // Walking from a vacant slot, take each delivery out and place it again: it moves back
        // towards its home slot, behind the deliveries of its run already placed, so that a
        // probe from its home reaches it before any vacant slot.
        guard var j = (0..<slots.count).first(where: { slots[$0].owner == 0 }) else { return }
        for _ in 0..<slots.count {
            j += 1
            if j == slots.count { j = 0 }
            guard slots[j].owner != 0 else { continue }
            let slot = slots[j]
            slots[j] = Self.vacant
            place(slot)
        }
    }

    /// The size a rebuild gives a table of `current` slots for `live` deliveries: three times
    /// them (and 1,024); kept when already within [2.5×, 12×) (no reallocation while the live count
    /// wavers, or runs a little over what the table was sized for), at least doubled when it must
    /// grow (a filling window is not rebuilt at every step).
    private static func resized(_ current: Int, live: Int) -> Int {
        let needed = max(1_024, live * 3)
        if live * 5 <= current * 2, needed * 4 > current { return current }
        return needed > current ? max(needed, current * 2) : needed
    }

    private mutating func place(_ slot: Slot) {
        let end = slots.count
        var i = Self.slot(key: slot.key, count: end)
        while slots[i].owner != 0 {
            i += 1
            if i == end { i = 0 }
        }
        slots[i] = slot
        used += 1
    }
}
