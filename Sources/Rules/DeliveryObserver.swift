import Exchange

/// Receives what the pipeline decides and delivers, in clock order, so that the check oracle
/// (separate code from the rules) can verify the invariants without calling the rules. Every
/// method has an empty default; with no observer nothing is retained, so memory stays bounded.
public protocol DeliveryObserver: AnyObject {
    /// An event the rules accepted, before fan-out (the oracle's C5/C6 reference stream).
    func accepted(_ event: MarketEvent)
    /// A frame the rules discarded.
    func discarded(_ input: RuleInput, reason: DiscardReason)
    /// `event` was handed to consumer `consumer` (index in the hub's specs) at `atNs`.
    func delivered(_ event: MarketEvent, to consumer: Int, atNs: Int64)
    /// `event` was dropped from consumer `consumer`'s queue by its overflow policy.
    func dropped(_ event: MarketEvent, from consumer: Int, atNs: Int64)
    /// `replaced` was overwritten in consumer `consumer`'s queue by `newer` (coalesce).
    func coalesced(_ replaced: MarketEvent, by newer: MarketEvent, in consumer: Int, atNs: Int64)
}

extension DeliveryObserver {
    public func accepted(_ event: MarketEvent) {}
    public func discarded(_ input: RuleInput, reason: DiscardReason) {}
    public func delivered(_ event: MarketEvent, to consumer: Int, atNs: Int64) {}
    public func dropped(_ event: MarketEvent, from consumer: Int, atNs: Int64) {}
    public func coalesced(_ replaced: MarketEvent, by newer: MarketEvent, in consumer: Int, atNs: Int64) {}
}

/// One delivered event as the check oracle reads it.
public struct DeliveryRecord: Sendable, Hashable {
    public var consumer: Int
    public var epoch: UInt32
    public var seq: UInt64
    public var type: String
    public var code: String
    public var eventTimeMs: Int64
    public var streamType: StreamType
    public var idempotencyKey: UInt64
    public var deliveredAtNs: Int64
    public var arrivalNs: Int64

    public init(_ event: MarketEvent, consumer: Int, deliveredAtNs: Int64) {
        self.consumer = consumer
        epoch = event.epoch
        seq = event.seq
        type = event.type
        code = event.code
        eventTimeMs = event.eventTimeMs
        streamType = event.streamType
        idempotencyKey = event.idempotencyKey
        self.deliveredAtNs = deliveredAtNs
        self.arrivalNs = event.arrivalNs
    }
}

/// An observer that keeps everything in memory: for tests and small tapes. Memory grows with the
/// input; use a streaming observer for long runs.
public final class DeliveryRecorder: DeliveryObserver {
    /// Accepted events in order.
    public private(set) var accepted: [MarketEvent] = []
    /// Deliveries per consumer index, in delivery order.
    public private(set) var deliveries: [Int: [DeliveryRecord]] = [:]
    /// Dropped events per consumer index.
    public private(set) var drops: [Int: [MarketEvent]] = [:]
    /// Coalesced (replaced) events per consumer index.
    public private(set) var replaced: [Int: [MarketEvent]] = [:]
    /// Discards in order.
    public private(set) var discards: [(input: RuleInput, reason: DiscardReason)] = []

    public init() {}

    /// Deliveries of one consumer (empty when none).
    public func delivered(to consumer: Int) -> [DeliveryRecord] { deliveries[consumer] ?? [] }

    public func accepted(_ event: MarketEvent) { accepted.append(event) }

    public func discarded(_ input: RuleInput, reason: DiscardReason) { discards.append((input, reason)) }

    public func delivered(_ event: MarketEvent, to consumer: Int, atNs: Int64) {
        deliveries[consumer, default: []].append(DeliveryRecord(event, consumer: consumer, deliveredAtNs: atNs))
    }

    public func dropped(_ event: MarketEvent, from consumer: Int, atNs: Int64) {
        drops[consumer, default: []].append(event)
    }

    public func coalesced(_ replaced: MarketEvent, by newer: MarketEvent, in consumer: Int, atNs: Int64) {
        self.replaced[consumer, default: []].append(replaced)
    }
}
