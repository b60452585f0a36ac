import Rules
import TapeLog

/// Counts over the whole input, independent of consumers.
public struct ReplayTotals: Sendable, Hashable {
    public var inputs = 0
    public var frames = 0
    /// Inbound text/binary frames: the ones the rules judge.
    public var inboundData = 0
    /// Inbound ping/pong/close (and unknown opcodes): recorded, not market data.
    public var inboundControl = 0
    public var outbound = 0
    /// Lifecycle events by kind, in `LifecycleKind` order.
    public var lifecycle = [Int](repeating: 0, count: LifecycleKind.allCases.count)
    /// Frames declared lost by `loss` events.
    public var lostFrames = 0
    /// Highest epoch seen in frames or lifecycle events.
    public var epochs: UInt32 = 0
    /// Recorded monotonic time of the first and last input (0 when empty).
    public var firstMonoNs: Int64 = 0
    public var lastMonoNs: Int64 = 0
    /// Virtual time when the last consumer finished (after the drain).
    public var virtualEndNs: Int64 = 0

    public init() {}

    /// Lifecycle events of one kind.
    public func count(_ kind: LifecycleKind) -> Int {
        lifecycle[LifecycleKind.allCases.firstIndex(of: kind)!]
    }
}

/// The discrete-event replay engine (<doc:ReplayingTapes>): frames arrive on a virtual clock at their recorded
/// monotonic time divided by the speed, pass the reconcile rules and fan out to consumers that
/// spend their service time in virtual time. Runs as fast as the CPU allows at any speed.
///
/// Deterministic: the same inputs and options give the same result, byte for byte. The rule
/// counts never depend on the speed (no rule reads the clock); only drops and lag may.
/// Memory: consumers × capacity + the dedup window; nothing per input is kept.
public struct ReplayEngine: Sendable {
    public let options: ReplayOptions
    private var pipeline: RulePipeline
    private var totals = ReplayTotals()
    private static let lifecycleIndex: [LifecycleKind: Int] = Dictionary(
        uniqueKeysWithValues: LifecycleKind.allCases.enumerated().map { ($1, $0) }
    )

    public init(options: ReplayOptions) throws(ReplayError) {
        if case .factor(let value) = options.speed, !(value.isFinite && value > 0) {
            throw .badSpeed(String(value))
        }
        self.options = options
        do {
            pipeline = try RulePipeline(rules: options.rules, consumers: options.consumers, mode: .offline)
        } catch {
            throw .consumers(error)
        }
    }

    /// Processes one input. Inputs must come in tape order.
    public mutating func feed(_ input: ReplayInput, observer: (any DeliveryObserver)? = nil) {
        totals.inputs += 1
        switch input {
        case .lifecycle(let event):
            note(monoNs: event.monoNs, epoch: event.epoch)
            totals.lifecycle[Self.lifecycleIndex[event.kind]!] += 1
            totals.lostFrames += event.lostFrames
        case .frame(let frame):
            note(monoNs: frame.monoNs, epoch: frame.epoch)
            totals.frames += 1
            guard frame.direction == .inbound else {
                totals.outbound += 1
                return
            }
            guard frame.opcode.isData else {
                totals.inboundControl += 1
                return
            }
            totals.inboundData += 1
            let input = RuleInput(
                epoch: frame.epoch,
                seq: frame.seq,
                arrivalNs: options.speed.arrival(of: frame.monoNs),
                facts: frame.facts,
                payload: frame.payload
            )
            pipeline.ingest(input, observer: observer)
        }
    }

    /// A hint for an input a few places ahead of the next ``feed(_:observer:)``: starts loading
    /// the memory its rules will touch (see `Reconciler.prefetch(idempotencyKey:)`). Changes nothing.
    public func prefetch(_ input: ReplayInput) {
        if let key = input.inboundIdempotencyKey { prefetch(idempotencyKey: key) }
    }

    /// ``prefetch(_:)`` with the key already taken out of the input.
    public func prefetch(idempotencyKey key: UInt64) { pipeline.prefetch(idempotencyKey: key) }

    /// Drains every consumer queue and returns the result. The engine is spent afterwards.
    public mutating func finish(observer: (any DeliveryObserver)? = nil) -> ReplayResult {
        let end = pipeline.finish(observer: observer)
        totals.virtualEndNs = max(0, max(end, pipeline.producerNs))
        let reconciler = pipeline.reconciler
        return ReplayResult(
            options: options,
            totals: totals,
            rules: reconciler.counts,
            witnesses: reconciler.witnesses.all,
            streamKeys: reconciler.keys.count,
            consumers: pipeline.hub.metrics()
        )
    }

    /// Replays a whole sequence of inputs. Inlinable so that it is specialised for the caller's
    /// sequence type: unspecialised generic iteration would box every input on the heap.
    @inlinable
    public static func run<Inputs: Sequence>(
        _ inputs: Inputs,
        options: ReplayOptions,
        observer: (any DeliveryObserver)? = nil
    ) throws(ReplayError) -> ReplayResult where Inputs.Element == ReplayInput {
        var engine = try ReplayEngine(options: options)
        for input in inputs { engine.feed(input, observer: observer) }
        return engine.finish(observer: observer)
    }

    private mutating func note(monoNs: Int64, epoch: UInt32) {
        if totals.inputs == 1 { totals.firstMonoNs = monoNs }
        totals.lastMonoNs = monoNs
        totals.epochs = max(totals.epochs, epoch)
    }
}
