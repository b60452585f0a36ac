/// What a consumer does when its queue is full (see <doc:FanOut>).
public enum OverflowPolicy: String, Sendable, Hashable, CaseIterable {
    /// Drop the oldest queued event to make room.
    case dropOldest = "drop-oldest"
    /// Drop the new event.
    case dropNewest = "drop-newest"
    /// Replace the queued event of the same stream key (latest wins). Trades and orders are never
    /// merged; when the queue is full and nothing can be merged, the oldest is dropped and counted.
    case coalesce
    /// The producer waits until there is room: nothing drops, lag grows. Offline replay only.
    case block
}

/// Which events a consumer receives. `nil` sets mean `*` (everything).
public struct ConsumerFilter: Sendable, Hashable {
    /// Canonical types, `candle.*` for every candle interval; nil for all.
    public var types: Set<String>?
    /// Market codes; nil for all. Events without a code (myAsset) pass any code filter.
    public var codes: Set<String>?
    /// Exact (type, code) pairs on top of `types` and `codes` (an Upbit request asks for codes
    /// per type; code `*` passes every code of its type); nil for no such restriction.
    public var pairs: Set<StreamKey>?

    public init(types: Set<String>? = nil, codes: Set<String>? = nil, pairs: Set<StreamKey>? = nil) {
        self.types = types
        self.codes = codes
        self.pairs = pairs
    }

    /// Whether an event of (type, code) passes.
    public func matches(type: String, code: String) -> Bool {
        if let pairs, !pairs.contains(StreamKey(type: type, code: code)),
            !pairs.contains(StreamKey(type: type, code: "*"))
        {
            return false
        }
        if let types, !types.contains(type), !(type.hasPrefix("candle.") && types.contains("candle.*")) {
            return false
        }
        if let codes, !code.isEmpty, !codes.contains(code) { return false }
        return true
    }
}

/// One fan-out consumer (<doc:FanOut>): name, filter, queue capacity, overflow policy and, for
/// offline replay, a simulated service time per event.
///
/// Parsed from the CLI form `name=gui,types=ticker|orderbook,codes=*,capacity=64,policy=coalesce,service=200ms`
/// by ``ConsumerSpec/parse(_:)``.
public struct ConsumerSpec: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var filter: ConsumerFilter
    /// Events that may wait in the queue (the one being serviced is not counted); > 0.
    public var capacity: Int
    public var policy: OverflowPolicy
    /// Virtual time the consumer spends on each delivered event, in ns (0: instant).
    public var serviceNs: Int64

    /// Defaults: every type and code, capacity 1024, drop-oldest, instant service.
    public init(
        name: String,
        filter: ConsumerFilter = ConsumerFilter(),
        capacity: Int = 1024,
        policy: OverflowPolicy = .dropOldest,
        serviceNs: Int64 = 0
    ) {
        self.name = name
        self.filter = filter
        self.capacity = capacity
        self.policy = policy
        self.serviceNs = serviceNs
    }

    /// The canonical spec string (fields in a fixed order, sets sorted): parses back to `self`.
    public var description: String {
        let types = filter.types.map { $0.sorted().joined(separator: "|") } ?? "*"
        let codes = filter.codes.map { $0.sorted().joined(separator: "|") } ?? "*"
        let service = DurationParser.format(nanoseconds: serviceNs)
        return
            "name=\(name),types=\(types),codes=\(codes),capacity=\(capacity),policy=\(policy.rawValue),service=\(service)"
    }
}
