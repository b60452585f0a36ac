/// Where the hub runs: offline replay may make the producer wait; live fan-out may not.
public enum FanoutMode: Sendable, Hashable {
    case offline
    case live
}

/// Why a hub could not be built from its consumer specs.
public enum FanoutError: Error, Sendable, Hashable, CustomStringConvertible {
    case badCapacity(consumer: String, capacity: Int)
    case duplicateName(String)
    case blockNeedsOffline(consumer: String)
    case negativeService(consumer: String)

    public var description: String {
        switch self {
        case .badCapacity(let name, let capacity): "consumer '\(name)': capacity \(capacity) must be > 0"
        case .duplicateName(let name): "consumer '\(name)' is defined twice"
        case .blockNeedsOffline(let name): "consumer '\(name)': policy block is for offline replay only"
        case .negativeService(let name): "consumer '\(name)': service time must not be negative"
        }
    }
}

/// Fans accepted events out to consumers, each with its filter, bounded queue, overflow policy
/// and simulated service time, on a clock the caller supplies (virtual in replay). The contract
/// is <doc:FanOut>.
///
/// The hub never reads a clock: callers ``advance(to:observer:)`` it and ``publish(_:at:observer:)``
/// in non-decreasing time. Memory: consumers × capacity events.
public struct FanoutHub: Sendable {
    public let specs: [ConsumerSpec]
    public let mode: FanoutMode
    private var lanes: [ConsumerLane]
    private let blocking: [Int]

    public init(consumers: [ConsumerSpec], mode: FanoutMode = .offline) throws(FanoutError) {
        var names: Set<String> = []
        for spec in consumers {
            guard spec.capacity > 0 else { throw .badCapacity(consumer: spec.name, capacity: spec.capacity) }
            guard names.insert(spec.name).inserted else { throw .duplicateName(spec.name) }
            guard spec.serviceNs >= 0 else { throw .negativeService(consumer: spec.name) }
            if spec.policy == .block, mode == .live { throw .blockNeedsOffline(consumer: spec.name) }
        }
        specs = consumers
        self.mode = mode
        lanes = consumers.enumerated().map { ConsumerLane(spec: $1, index: $0) }
        blocking = consumers.indices.filter { consumers[$0].policy == .block }
    }

    /// Lets every consumer take the events whose turn comes at or before `nowNs`.
    public mutating func advance(to nowNs: Int64, observer: (any DeliveryObserver)?) {
        for i in lanes.indices { lanes[i].advance(to: nowNs, observer: observer) }
    }

    /// Offers an accepted event at `nowNs` to every consumer whose filter passes it. Returns the
    /// time the producer is free again: `nowNs`, or later when a `block` consumer made it wait
    /// for room (that consumer's next delivery).
    public mutating func publish(_ event: MarketEvent, at nowNs: Int64, observer: (any DeliveryObserver)?) -> Int64 {
        var now = nowNs
        advance(to: now, observer: observer)
        var waiting = true
        while waiting {
            waiting = false
            for i in blocking where lanes[i].queue.isFull && lanes[i].passes(event) {
                now = max(now, lanes[i].freeAtNs)
                advance(to: now, observer: observer)
                waiting = true
            }
        }
        for i in lanes.indices where lanes[i].passes(event) {
            lanes[i].offer(event, at: now, observer: observer)
        }
        return now
    }

    /// Lets every consumer empty its queue; returns the time of the last delivery (or `nowNs`).
    @discardableResult
    public mutating func drain(from nowNs: Int64, observer: (any DeliveryObserver)?) -> Int64 {
        advance(to: Int64.max, observer: observer)
        return lanes.reduce(nowNs) { max($0, $1.lastDeliveryNs) }
    }

    /// Events waiting in consumer `index`'s queue now.
    public func queueDepth(of index: Int) -> Int { lanes[index].queue.count }

    /// Metrics of every consumer, in spec order.
    public func metrics() -> [ConsumerMetrics] { lanes.map { $0.snapshot() } }
}
