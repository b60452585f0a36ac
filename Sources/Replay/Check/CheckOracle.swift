import Exchange
import Rules

/// The check oracle (<doc:Checks>): reads what the pipeline accepted, discarded and delivered and
/// verifies C1–C6 per consumer. It is separate code from the rules and never calls them: it
/// keeps its own stream keys, classification, filter semantics and dedup window, so a rule or
/// fan-out bug cannot hide itself.
///
/// Streaming: attach it as the engine's `DeliveryObserver` (and call ``observe(_:)`` with
/// each input before feeding it, for session time, gaps and the timeline), then read
/// ``outcome(metrics:)`` after the queues drained. Memory: consumers × stream keys, plus the C1
/// window (per consumer and stream key, ``CheckOptions/dedupWindowMs`` of event time), plus one
/// timeline bucket per second per consumer.
public final class CheckOracle: DeliveryObserver {
    /// Everything the oracle knows, in one value: the callbacks mutate it in place. Like any
    /// observer, the oracle is used from one thread at a time.
    private var core: OracleCore

    public var consumers: [ConsumerSpec] { core.consumers }
    public var options: CheckOptions { core.options }
    /// Market events accepted by the rules.
    public var acceptedCount: Int { core.acceptedCount }

    public init(consumers: [ConsumerSpec], options: CheckOptions = CheckOptions()) {
        core = OracleCore(consumers: consumers, options: options)
    }

    /// An oracle with one lane that judges a user's client from its deliveries log: the rules'
    /// acceptances come through ``accepted(_:)`` as usual, the client's applied messages through
    /// ``applied(line:type:code:epoch:seq:timeMs:streamType:idempotencyKey:atNs:)``.
    public init(client: ConsumerSpec, rules: ClientLaneRules, options: CheckOptions = CheckOptions()) {
        core = OracleCore(consumers: [client], options: options)
        core.lanes[0].client = rules
    }

    /// One message the client applied, in its log's order, attributed to tape frame (`epoch`,
    /// `seq`); `timeMs`, `streamType` and `idempotencyKey` are the message's own. `atNs` is the
    /// line's `t_ns`, when it gave one.
    public func applied(
        line: Int,
        type: String,
        code: String,
        epoch: UInt32,
        seq: UInt64,
        timeMs: Int64,
        streamType: StreamType,
        idempotencyKey: UInt64,
        atNs: Int64?
    ) {
        let ref = EventRef(
            epoch: epoch,
            line: UInt32(clamping: line),
            seq: seq,
            timeMs: timeMs,
            streamType: streamType,
            key: idempotencyKey,
            atNs: atNs
        )
        core.applied(ref, type: type, code: code, to: 0)
    }

    /// Sets the stream keys the client lane judges (the ones its log applied), once its log is
    /// read, which may be after the rules' acceptances: the lane's accepted counts are made up
    /// from the keys' own.
    public func selectClientStreams(_ streams: Set<StreamKey>) { core.selectClientStreams(streams, lane: 0) }

    /// A line of the client's log that matches no frame: an `unknown` violation. `explanation`
    /// completes "consumer NAME applied line N, which …".
    public func unmatched(line: Int, explanation: String) {
        core.unmatched(line: line, consumer: 0, explanation: explanation)
    }

    /// A subscription request of the client that lost streams: a `lost_subscription` violation
    /// with `explanation` as its sentence.
    public func lostSubscription(explanation: String) {
        let name = core.lanes.first?.spec.name
        core.violations.record(ViolationClass.lostSubscription.index) {
            Violation(kind: .lostSubscription, consumer: name, explanation: explanation, deliveries: [])
        }
    }

    public func accepted(_ event: MarketEvent) { core.accepted(event) }

    public func delivered(_ event: MarketEvent, to consumer: Int, atNs: Int64) {
        core.delivered(event, to: consumer, atNs: atNs)
    }

    public func dropped(_ event: MarketEvent, from consumer: Int, atNs: Int64) {
        core.dropped(event, from: consumer, atNs: atNs)
    }

    public func coalesced(_ replaced: MarketEvent, by newer: MarketEvent, in consumer: Int, atNs: Int64) {
        core.coalesced(replaced, by: newer, in: consumer, atNs: atNs)
    }

    public func discarded(_ input: RuleInput, reason: DiscardReason) { core.discarded(input, reason: reason) }

    /// A hint for an event a few places ahead: starts loading the C1 window slots its delivery
    /// will touch, in every consumer's window. Changes nothing.
    public func prefetch(idempotencyKey key: UInt64) { core.prefetch(key: key) }

    /// Tells the oracle about the next input before the engine sees it: its session time (the
    /// recorded monotonic clock, to which callbacks are attributed), lifecycle events (epoch
    /// spans, disconnect markers) and inbound data for gap findings and the message rate.
    /// Optional: without it, session time is the arrival time of each judged frame.
    public func observe(_ input: ReplayInput) { core.observe(input) }

    /// The final evaluation, after the queues drained: C5's "no stale value survives" and C6's
    /// conservation, on top of everything found while streaming. When `metrics` (the hub's own
    /// figures, in consumer order) are given, C6 also checks that its counted drops and
    /// deliveries match what the oracle saw. Does not change the oracle.
    public func outcome(metrics: [ConsumerMetrics]? = nil) -> OracleOutcome { core.outcome(metrics: metrics) }
}

/// The oracle's state and logic (see ``CheckOracle``).
struct OracleCore: Sendable {
    let consumers: [ConsumerSpec]
    let options: CheckOptions
    var keys: [OracleKey] = []
    private var keyIndex: [StreamKey: Int] = [:]
    /// The rules' dense key id → ours, verified by type and code on each use.
    private var byRulesID: [Int] = []
    var lanes: [OracleLane]
    var violations: ClassSampler<Violation>
    var findings: ClassSampler<FindingSample>
    var timeline: SessionTimeline
    /// True once ``observe(_:)`` was called: session time then comes from the inputs.
    var observing = false
    /// Session time of the input being processed.
    var cursorNs: Int64 = 0
    /// The newest epoch's last inbound data (or connect), watched for silence.
    var gapMark: GapMark?
    /// Market events accepted by the rules.
    var acceptedCount = 0
    /// Streams watched for silence after reconnects (`silent_stream`).
    var silence = SilenceWatch()

    init(consumers: [ConsumerSpec], options: CheckOptions = CheckOptions()) {
        self.consumers = consumers
        self.options = options
        lanes = consumers.map { OracleLane(spec: $0, expectedKeys: options.expectedWindowKeys) }
        violations = ClassSampler(classes: ViolationClass.allCases.count, limit: options.witnessLimit)
        findings = ClassSampler(classes: FindingClass.allCases.count, limit: options.witnessLimit)
        timeline = SessionTimeline(consumers: consumers.map(\.name), maxBuckets: options.timelineMaxBuckets)
    }

    // MARK: DeliveryObserver

    mutating func accepted(_ event: MarketEvent) {
        acceptedCount += 1
        if !observing { noteInboundData(epoch: event.epoch, seq: event.seq, ns: event.arrivalNs) }
        let k = index(of: event)
        let ref = Self.ref(event, atNs: nil)
        if !keys[k].isState, event.eventTimeMs < keys[k].newestAcceptedMs {
            let newest = keys[k].newestAcceptedMs
            if findings.tally(FindingClass.reordered.index) {
                let sample = FindingSample(
                    kind: .reordered,
                    epoch: event.epoch,
                    seq: event.seq,
                    type: event.type,
                    code: event.code,
                    eventTimeMs: event.eventTimeMs,
                    streamType: event.streamType,
                    idempotencyKey: event.idempotencyKey,
                    sessionNs: cursorNs,
                    explanation: CheckExplain.reordered(
                        Self.describe(keys[k].key),
                        timeMs: event.eventTimeMs,
                        newestMs: newest
                    )
                )
                findings.keep(FindingClass.reordered.index, sample)
            }
        }
        keys[k].newestAcceptedMs = max(keys[k].newestAcceptedMs, event.eventTimeMs)
        keys[k].lastAccepted = ref
        keys[k].acceptedCount += 1
        for c in lanes.indices where keys[k].selected[c] {
            lanes[c].acceptedSelected += 1
            if keys[k].isTrade { lanes[c].acceptedTrades += 1 }
        }
    }

    mutating func delivered(_ event: MarketEvent, to consumer: Int, atNs: Int64) {
        guard lanes.indices.contains(consumer) else { return }
        let k = index(of: event)
        timeline.noteDelivery(consumer: consumer, at: cursorNs, lagNs: atNs &- event.arrivalNs)
        deliver(Self.ref(event, atNs: atNs), key: k, to: consumer)
    }

    /// One message a client applied (`check --deliveries`), attributed to its tape frame: the
    /// same per-delivery checks as for ticktape's own consumers, on lane `consumer`.
    mutating func applied(_ ref: EventRef, type: String, code: String, to consumer: Int) {
        guard lanes.indices.contains(consumer) else { return }
        deliver(ref, key: index(type: type, code: code), to: consumer)
    }

    /// See ``CheckOracle/selectClientStreams(_:)``.
    mutating func selectClientStreams(_ streams: Set<StreamKey>, lane c: Int) {
        guard lanes.indices.contains(c), lanes[c].client != nil else { return }
        lanes[c].client?.streams = streams
        lanes[c].acceptedSelected = 0
        lanes[c].acceptedTrades = 0
        for k in keys.indices {
            keys[k].selected[c] = streams.contains(keys[k].key)
            guard keys[k].selected[c] else { continue }
            lanes[c].acceptedSelected += keys[k].acceptedCount
            if keys[k].isTrade { lanes[c].acceptedTrades += keys[k].acceptedCount }
        }
    }

    /// A client's log line that matches no frame: an `unknown` violation naming the line.
    mutating func unmatched(line: Int, consumer: Int, explanation: String) {
        guard lanes.indices.contains(consumer) else { return }
        let name = lanes[consumer].spec.name
        violations.record(ViolationClass.unknown.index) {
            Violation(
                kind: .unknown,
                consumer: name,
                explanation: "consumer \(name) applied line \(line), which \(explanation)",
                deliveries: [],
                line: line
            )
        }
    }

    /// C1–C5 on one delivery of stream key `k` to `consumer`.
    private mutating func deliver(_ ref: EventRef, key k: Int, to consumer: Int) {
        let isState = keys[k].isState
        lanes[consumer].delivered += 1
        if keys[k].isTrade { lanes[consumer].deliveredTrades += 1 }

        // C1: an idempotency key delivered twice within the window.
        if let first = lanes[consumer].windows.deliver(ref, key: k, windowMs: options.dedupWindowMs) {
            report(.c1, consumer, k, first, ref, CheckExplain.c1)
        }
        // C3: nothing from an epoch below one already delivered (when the epochs are known).
        if lanes[consumer].checksEpochs {
            if let highest = lanes[consumer].highest {
                if ref.epoch < highest.ref.epoch {
                    report(.c3, consumer, (highest.key, highest.ref), (k, ref), CheckExplain.c3)
                } else if ref.epoch > highest.ref.epoch {
                    lanes[consumer].highest = (ref, k)
                }
            } else {
                lanes[consumer].highest = (ref, k)
            }
        }
        // C4: no REALTIME below the latest delivered SNAPSHOT of its key.
        switch ref.streamType {
        case .realtime:
            if let mark = lanes[consumer].keys[k].snapshot, ref.timeMs < mark.timeMs {
                report(.c4, consumer, k, mark, ref, CheckExplain.c4)
            }
        case .snapshot:
            if let mark = lanes[consumer].keys[k].snapshot, mark.timeMs > ref.timeMs {
                break
            }
            lanes[consumer].keys[k].snapshot = ref
        }
        if isState, let last = lanes[consumer].keys[k].last {
            // C2: state-type times never decrease per key.
            if ref.timeMs < last.timeMs { report(.c2, consumer, k, last, ref, CheckExplain.c2) }
            // C5: never an older value than one already delivered.
            if ref.precedes(last) { report(.c5, consumer, k, last, ref, CheckExplain.c5Older) }
        }
        lanes[consumer].keys[k].last = ref
    }

    mutating func dropped(_ event: MarketEvent, from consumer: Int, atNs: Int64) {
        guard lanes.indices.contains(consumer) else { return }
        let k = index(of: event)
        lanes[consumer].dropped += 1
        lanes[consumer].keys[k].lastDropped = Self.ref(event, atNs: nil)
        if keys[k].isTrade { lanes[consumer].droppedTrades += 1 }
        timeline.noteDrop(consumer: consumer, at: cursorNs)
    }

    mutating func coalesced(_ replaced: MarketEvent, by newer: MarketEvent, in consumer: Int, atNs: Int64) {
        guard lanes.indices.contains(consumer) else { return }
        let old = index(of: replaced)
        let new = index(of: newer)
        let oldRef = Self.ref(replaced, atNs: nil)
        let newRef = Self.ref(newer, atNs: nil)
        lanes[consumer].coalesced += 1
        if keys[old].isTrade {
            lanes[consumer].coalescedTrades += 1
            if lanes[consumer].lostTrade == nil { lanes[consumer].lostTrade = (oldRef, old) }
        }
        // C5: coalescing keeps the latest value of the same key.
        if old != new || !oldRef.precedes(newRef) {
            report(.c5, consumer, (old, oldRef), (new, newRef), CheckExplain.c5Coalesce)
        }
    }

    /// Mutating so that it always runs on the stored core in place, never on a copy of it
    /// (which would retain every array it holds, per hint).
    mutating func prefetch(key: UInt64) {
        for c in lanes.indices { lanes[c].windows.prefetch(key: key) }
    }

    // MARK: Helpers

    /// Our index of the event's stream key (created on first sight).
    mutating func index(of event: MarketEvent) -> Int {
        let rulesID = Int(event.keyID)
        if rulesID >= 0, rulesID < byRulesID.count {
            let k = byRulesID[rulesID]
            if k >= 0, keys[k].key.type == event.type, keys[k].key.code == event.code { return k }
        }
        let k = index(type: event.type, code: event.code)
        if rulesID >= 0, rulesID < 1 << 20 {
            if rulesID >= byRulesID.count {
                byRulesID.append(contentsOf: repeatElement(-1, count: rulesID + 1 - byRulesID.count))
            }
            byRulesID[rulesID] = k
        }
        return k
    }

    /// Our index of stream key (`type`, `code`) (created on first sight).
    mutating func index(type: String, code: String) -> Int {
        let key = StreamKey(type: type, code: code)
        if let known = keyIndex[key] { return known }
        let k = keys.count
        keyIndex[key] = k
        var oracleKey = OracleKey(key, consumers: consumers)
        for c in lanes.indices {
            lanes[c].keys.append(LaneKey())
            if let client = lanes[c].client { oracleKey.selected[c] = client.streams.contains(key) }
        }
        keys.append(oracleKey)
        return k
    }

    static func ref(_ event: MarketEvent, atNs: Int64?) -> EventRef {
        EventRef(
            epoch: event.epoch,
            seq: event.seq,
            timeMs: event.eventTimeMs,
            streamType: event.streamType,
            key: event.idempotencyKey,
            atNs: atNs
        )
    }

    static func describe(_ key: StreamKey) -> String { key.code.isEmpty ? key.type : "\(key.type) \(key.code)" }

    func witness(_ role: DeliveryWitness.Role, _ consumer: Int, _ k: Int, _ ref: EventRef) -> DeliveryWitness {
        DeliveryWitness(
            role: role,
            consumer: lanes[consumer].spec.name,
            epoch: ref.epoch,
            seq: ref.seq,
            type: keys[k].key.type,
            code: keys[k].key.code,
            eventTimeMs: ref.timeMs,
            streamType: ref.streamType,
            idempotencyKey: ref.key,
            deliveredAtNs: ref.atNs,
            line: ref.line == 0 ? nil : Int(ref.line)
        )
    }

    /// Counts a two-event violation of the same key; builds its witness only when it is kept.
    mutating func report(
        _ kind: ViolationClass,
        _ consumer: Int,
        _ k: Int,
        _ earlier: EventRef,
        _ offending: EventRef,
        _ explain: (String, DeliveryWitness, DeliveryWitness) -> String
    ) {
        report(kind, consumer, (k, earlier), (k, offending), explain)
    }

    /// Counts a two-event violation; builds its witness only when it is kept.
    mutating func report(
        _ kind: ViolationClass,
        _ consumer: Int,
        _ earlier: (Int, EventRef),
        _ offending: (Int, EventRef),
        _ explain: (String, DeliveryWitness, DeliveryWitness) -> String
    ) {
        guard violations.tally(kind.index) else { return }
        let name = lanes[consumer].spec.name
        let first = witness(.earlier, consumer, earlier.0, earlier.1)
        let second = witness(.offending, consumer, offending.0, offending.1)
        violations.keep(
            kind.index,
            Violation(
                kind: kind,
                consumer: name,
                explanation: explain(name, first, second),
                deliveries: [first, second]
            )
        )
    }
}
