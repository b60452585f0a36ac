import Primitives

/// One consumer's queue and its simulated service (<doc:FanOut>): a single server that takes the head
/// of the queue whenever it is free and then stays busy for `serviceNs`. An event is delivered
/// when the consumer takes it; lag is delivery time − arrival time.
///
/// A *live* lane (the relay's) has no simulated service: offered events always wait in the queue
/// until the consumer takes them with ``take(at:observer:)``.
struct ConsumerLane: Sendable {
    private(set) var spec: ConsumerSpec
    let index: Int
    let live: Bool
    var queue: EventRing
    /// When the consumer finishes its current event.
    var freeAtNs = Int64.min
    /// Stream key id → absolute queue position of its pending event (coalesce), −1 for none.
    private var pending: [Int] = []
    /// Epoch of the events `pending` refers to: merging never crosses an epoch boundary, so
    /// deliveries never go back to a lower epoch (oracle C3).
    private var pendingEpoch: UInt32 = 0
    /// Stream key id → 0 unknown, 1 passes the filter, 2 filtered out.
    private var filterCache: [UInt8] = []
    private var lag = LagHistogram()
    private var drops = DropRate()
    private var digest = SHA256()
    private var lastEpoch: UInt32 = 0
    private(set) var metrics: ConsumerMetrics
    private(set) var lastDeliveryNs = Int64.min

    init(spec: ConsumerSpec, index: Int, live: Bool = false) {
        self.spec = spec
        self.index = index
        self.live = live
        self.queue = EventRing(capacity: spec.capacity)
        self.metrics = ConsumerMetrics(name: spec.name, digest: "")
    }

    mutating func passes(_ event: MarketEvent) -> Bool {
        let id = Int(event.keyID)
        if id >= filterCache.count {
            filterCache.append(contentsOf: repeatElement(0, count: id + 1 - filterCache.count))
        }
        if filterCache[id] == 0 {
            filterCache[id] = spec.filter.matches(type: event.type, code: event.code) ? 1 : 2
        }
        return filterCache[id] == 1
    }

    /// Delivers queued events whose turn comes at or before `nowNs`.
    mutating func advance(to nowNs: Int64, observer: (any DeliveryObserver)?) {
        while !queue.isEmpty, freeAtNs <= nowNs {
            let at = freeAtNs
            let event = pop()
            deliver(event, at: at, observer: observer)
        }
    }

    /// Offers an accepted event at `nowNs` (after ``advance(to:observer:)`` to the same time).
    /// A `block` lane must have room: the hub waits before calling.
    mutating func offer(_ event: MarketEvent, at nowNs: Int64, observer: (any DeliveryObserver)?) {
        metrics.offered += 1
        if !live, queue.isEmpty, freeAtNs <= nowNs {
            deliver(event, at: nowNs, observer: observer)
            return
        }
        let merges = spec.policy == .coalesce && event.marketType.isState
        if merges {
            if event.epoch != pendingEpoch {
                // Older-epoch entries keep their place ahead of this one and are delivered first.
                for i in pending.indices { pending[i] = -1 }
                pendingEpoch = event.epoch
            }
            let id = Int(event.keyID)
            if id < pending.count, queue.contains(position: pending[id]) {
                let older = queue[pending[id]]
                queue[pending[id]] = event
                metrics.coalesced += 1
                observer?.coalesced(older, by: event, in: index, atNs: nowNs)
                return
            }
        }
        if queue.isFull {
            switch spec.policy {
            case .dropNewest:
                drop(event, at: nowNs, observer: observer)
                return
            case .dropOldest, .coalesce, .block:
                // `block` never gets here with a full queue; dropping keeps the bound regardless.
                drop(pop(), at: nowNs, observer: observer)
            }
        }
        let position = queue.push(event)
        if merges {
            let id = Int(event.keyID)
            if id >= pending.count { pending.append(contentsOf: repeatElement(-1, count: id + 1 - pending.count)) }
            pending[id] = position
        }
        metrics.maxQueueDepth = max(metrics.maxQueueDepth, queue.count)
    }

    /// Replaces the filter (a live consumer's new request); queued events stay.
    mutating func setFilter(_ filter: ConsumerFilter) {
        spec.filter = filter
        filterCache = []
    }

    /// Live: the consumer takes the head of its queue at `atNs`; nil when the queue is empty.
    mutating func take(at atNs: Int64, observer: (any DeliveryObserver)?) -> MarketEvent? {
        guard !queue.isEmpty else { return nil }
        let event = pop()
        deliver(event, at: atNs, observer: observer)
        return event
    }

    /// The digest of the deliveries so far (hex), without finishing the running one.
    var digestSoFar: String { digest.hex }

    /// Current metrics with percentiles and digest filled in.
    func snapshot() -> ConsumerMetrics {
        var m = metrics
        m.queued = queue.count
        m.lagP50Ns = lag.percentile(50)
        m.lagP99Ns = lag.percentile(99)
        m.lagMaxNs = lag.max
        m.maxDropsPerMinute = drops.maxPerMinute
        m.digest = digest.hex
        return m
    }

    private mutating func pop() -> MarketEvent {
        let position = queue.headPosition
        let event = queue.popFirst()
        let id = Int(event.keyID)
        if id < pending.count, pending[id] == position { pending[id] = -1 }
        return event
    }

    private mutating func deliver(_ event: MarketEvent, at atNs: Int64, observer: (any DeliveryObserver)?) {
        metrics.delivered += 1
        lag.record(atNs &- event.arrivalNs)
        if lastEpoch != 0, event.epoch != lastEpoch { metrics.epochSwitches += 1 }
        lastEpoch = event.epoch
        digest.update(bigEndian: event.epoch)
        digest.update(bigEndian: event.seq)
        freeAtNs = atNs &+ spec.serviceNs
        lastDeliveryNs = atNs
        observer?.delivered(event, to: index, atNs: atNs)
    }

    private mutating func drop(_ event: MarketEvent, at nowNs: Int64, observer: (any DeliveryObserver)?) {
        metrics.dropped += 1
        drops.record(atNs: nowNs)
        observer?.dropped(event, from: index, atNs: nowNs)
    }
}
