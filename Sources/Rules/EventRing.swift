/// A FIFO of market events with a fixed maximum size, addressed by absolute position so that
/// coalescing can replace a queued event in place. Storage grows by doubling up to the capacity
/// and is then reused: no allocation per event once warm.
struct EventRing: Sendable {
    let capacity: Int
    private var storage: [MarketEvent] = []
    private var start = 0
    private(set) var count = 0
    /// Absolute position of the head (positions increase by one per push, forever).
    private(set) var headPosition = 0

    init(capacity: Int) { self.capacity = capacity }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count >= capacity }

    /// Appends `event` and returns its absolute position. The caller checks ``isFull`` first.
    mutating func push(_ event: MarketEvent) -> Int {
        if count == storage.count { grow(filler: event) }
        storage[(start + count) % storage.count] = event
        count += 1
        return headPosition + count - 1
    }

    mutating func popFirst() -> MarketEvent {
        let event = storage[start]
        start = (start + 1) % storage.count
        count -= 1
        headPosition += 1
        return event
    }

    /// Whether `position` is currently queued.
    func contains(position: Int) -> Bool { position >= headPosition && position < headPosition + count }

    subscript(position: Int) -> MarketEvent {
        get { storage[(start + position - headPosition) % storage.count] }
        set { storage[(start + position - headPosition) % storage.count] = newValue }
    }

    private mutating func grow(filler: MarketEvent) {
        let size = min(capacity, max(16, storage.count * 2))
        var next = [MarketEvent](repeating: filler, count: size)
        for i in 0..<count { next[i] = storage[(start + i) % storage.count] }
        storage = next
        start = 0
    }
}
