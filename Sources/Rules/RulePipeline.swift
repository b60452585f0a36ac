/// The reconcile rules followed by fan-out: what a live session and an offline replay both run
/// per inbound data frame (decoded facts ─► reconcile ─► fan-out).
///
/// The producer clock is the caller's arrival time, held back only by `block` consumers: a frame
/// is handled at max(its arrival, the time the producer became free).
public struct RulePipeline: Sendable {
    public private(set) var reconciler: Reconciler
    public private(set) var hub: FanoutHub
    /// When the producer is next free (the latest handling time so far).
    public private(set) var producerNs = Int64.min

    public init(
        rules: ReconcilerOptions = ReconcilerOptions(),
        consumers: [ConsumerSpec],
        mode: FanoutMode = .offline
    ) throws(FanoutError) {
        reconciler = Reconciler(options: rules)
        hub = try FanoutHub(consumers: consumers, mode: mode)
    }

    /// Judges one inbound data frame and fans it out when accepted. Call in (epoch, seq) order.
    @discardableResult
    public mutating func ingest(_ input: RuleInput, observer: (any DeliveryObserver)? = nil) -> Decision {
        let now = max(producerNs, input.arrivalNs)
        hub.advance(to: now, observer: observer)
        let decision = reconciler.decide(input)
        switch decision {
        case .accept(let event):
            observer?.accepted(event)
            producerNs = hub.publish(event, at: now, observer: observer)
        case .discard(let reason):
            observer?.discarded(input, reason: reason)
            producerNs = now
        }
        return decision
    }

    /// See ``Reconciler/prefetch(idempotencyKey:)``: a hint for a frame a few places ahead.
    public func prefetch(idempotencyKey key: UInt64) { reconciler.prefetch(idempotencyKey: key) }

    /// Lets every consumer finish its queue; returns the virtual time of the last delivery.
    @discardableResult
    public mutating func finish(observer: (any DeliveryObserver)? = nil) -> Int64 {
        let end = hub.drain(from: producerNs, observer: observer)
        producerNs = max(producerNs, end)
        return end
    }
}
