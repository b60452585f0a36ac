import Rules

/// What the oracle counted for one consumer, beside the hub's own metrics.
public struct ConsumerTally: Sendable, Hashable {
    public var name: String
    public var policy: OverflowPolicy
    /// Accepted events (all types) its filter selects, by the oracle's reading of the filter.
    public var acceptedSelected: Int
    public var acceptedTrades: Int
    public var delivered: Int
    public var deliveredTrades: Int
    public var dropped: Int
    public var droppedTrades: Int
    public var coalesced: Int
    /// Trades removed by coalescing: never legitimate (the `coalesce` policy never merges trades).
    public var coalescedTrades: Int
    /// How C5 judged the consumer's last value per key after the drain.
    public var finalState: FinalStateRule
}

/// C5's "no stale value survives" as it applies to a consumer's overflow policy.
public enum FinalStateRule: String, Sendable, Hashable {
    /// `block` drops nothing: the last value of every selected state key must be the last accepted.
    case exact
    /// Lossy policies (drop-oldest, drop-newest, and coalesce when its queue is full of events it
    /// cannot merge) may legitimately lose the newest value of a key: the last value must be the
    /// last accepted one unless that one was dropped and counted. Beyond that only "never older"
    /// holds.
    case exactUnlessDropped = "exact-unless-dropped"

    init(_ policy: OverflowPolicy) { self = policy == .block ? .exact : .exactUnlessDropped }
}

/// The oracle's verdict on one run: C1–C6 with witnesses, findings, per-consumer tallies and
/// the timeline.
public struct OracleOutcome: Sendable {
    /// pass, fail, or unknown when there was nothing to check.
    public var verdict: Verdict
    /// Why the verdict is unknown; nil otherwise.
    public var reason: String?
    /// C1–C6, in order, each with its full count.
    public var violations: [ViolationTally]
    /// Every finding class, in declaration order.
    public var findings: [FindingTally]
    public var consumers: [ConsumerTally]
    public var timeline: SessionTimeline
    /// Limits of what was checked, in plain language.
    public var notes: [String]
    public var accepted: Int
}

extension OracleCore {
    /// The final evaluation (see ``CheckOracle/outcome(metrics:)``).
    func outcome(metrics: [ConsumerMetrics]? = nil) -> OracleOutcome {
        var sampler = violations
        var notes: [String] = []
        for c in lanes.indices {
            let lane = lanes[c]
            if let client = lane.client {
                notes.append(
                    "consumer \(lane.spec.name) is a client judged from its deliveries log: C5 and C6 cover the "
                        + "\(client.streams.count) stream keys it applied at least once"
                )
                if !client.epochsKnown {
                    notes.append(
                        "C3 was not checked for \(lane.spec.name): without the server's sent log (serve --sent-log) "
                            + "a line's epoch is that of the first tape frame with its key"
                    )
                }
                if !client.lossless {
                    notes.append(
                        "C6 was not checked for \(lane.spec.name): it did not declare itself lossless (--lossless)"
                    )
                }
                finalStates(consumer: c, into: &sampler)
                if client.lossless { conservation(consumer: c, metrics: nil, into: &sampler) }
                continue
            }
            if FinalStateRule(lane.spec.policy) == .exactUnlessDropped {
                notes.append(
                    "C5 for consumer \(lane.spec.name) (\(lane.spec.policy.rawValue)): the policy may drop the newest "
                        + "value of a key, so a last value older than the last accepted one is a violation only when "
                        + "that newer value was not counted as dropped; otherwise only \"never older\" is checked"
                )
            }
            finalStates(consumer: c, into: &sampler)
            conservation(consumer: c, metrics: metrics.flatMap { c < $0.count ? $0[c] : nil }, into: &sampler)
        }
        notes.append(
            "C1 remembers \(options.dedupWindowMs) ms of event time per stream key and consumer; a key delivered "
                + "again beyond that window is out of its reach"
        )
        let tallies = ViolationClass.delivery.map {
            ViolationTally(kind: $0, count: sampler.counts[$0.index], witnesses: sampler.items[$0.index])
        }
        let failures = tallies.reduce(0) { $0 + $1.count }
        let verdict: Verdict
        var reason: String?
        if failures > 0 {
            verdict = .fail
        } else if lanes.isEmpty {
            verdict = .unknown
            reason = "no consumer to check"
        } else if acceptedCount == 0 {
            verdict = .unknown
            reason = "no market event was accepted: nothing to check"
        } else {
            verdict = .pass
        }
        return OracleOutcome(
            verdict: verdict,
            reason: reason,
            violations: Array(tallies),
            findings: FindingClass.allCases.map {
                FindingTally(kind: $0, count: findings.counts[$0.index], samples: findings.items[$0.index])
            },
            consumers: lanes.map(Self.tally),
            timeline: timeline,
            notes: notes,
            accepted: acceptedCount
        )
    }

    /// C5: each selected state key ends on its last accepted value (or, for lossy policies,
    /// that value was dropped and counted).
    private func finalStates(consumer c: Int, into sampler: inout ClassSampler<Violation>) {
        let client = lanes[c].client != nil
        let lossy = !client && FinalStateRule(lanes[c].spec.policy) == .exactUnlessDropped
        for k in keys.indices where keys[k].isState && keys[k].selected[c] {
            guard let accepted = keys[k].lastAccepted else { continue }
            let last = lanes[c].keys[k].last
            if let last, last.epoch == accepted.epoch, last.seq == accepted.seq { continue }
            // A client's line is attributed to a frame by its idempotency key: the same key is
            // the same value, whichever copy (REALTIME, or a re-sent SNAPSHOT) the client applied.
            if client, let last, last.key == accepted.key { continue }
            if lossy, let dropped = lanes[c].keys[k].lastDropped, dropped.epoch == accepted.epoch,
                dropped.seq == accepted.seq
            {
                continue
            }
            sampler.record(ViolationClass.c5.index) {
                let name = lanes[c].spec.name
                let lastWitness = last.map { witness(.offending, c, k, $0) }
                let acceptedWitness = witness(.lastAccepted, c, k, accepted)
                return Violation(
                    kind: .c5,
                    consumer: name,
                    explanation: CheckExplain.c5Stale(name, lastWitness, acceptedWitness),
                    deliveries: (lastWitness.map { [$0] } ?? []) + [acceptedWitness]
                )
            }
        }
    }

    /// C6: accepted trades = delivered + dropped, and the hub's counters agree with the oracle.
    private func conservation(consumer c: Int, metrics: ConsumerMetrics?, into sampler: inout ClassSampler<Violation>) {
        let lane = lanes[c]
        let name = lane.spec.name
        if lane.acceptedTrades != lane.deliveredTrades + lane.droppedTrades {
            sampler.record(ViolationClass.c6.index) {
                let lost = lane.lostTrade.map { [witness(.offending, c, $0.key, $0.ref)] } ?? []
                return Violation(
                    kind: .c6,
                    consumer: name,
                    explanation: CheckExplain.c6(
                        name,
                        accepted: lane.acceptedTrades,
                        delivered: lane.deliveredTrades,
                        dropped: lane.droppedTrades
                    ),
                    deliveries: lost
                )
            }
        }
        guard let metrics else { return }
        for (counter, counted, observed) in [
            ("drops", metrics.dropped, lane.dropped), ("deliveries", metrics.delivered, lane.delivered),
        ] where counted != observed {
            sampler.record(ViolationClass.c6.index) {
                Violation(
                    kind: .c6,
                    consumer: name,
                    explanation: CheckExplain.c6Counter(name, counter: counter, counted: counted, observed: observed),
                    deliveries: []
                )
            }
        }
    }

    private static func tally(_ lane: OracleLane) -> ConsumerTally {
        ConsumerTally(
            name: lane.spec.name,
            policy: lane.spec.policy,
            acceptedSelected: lane.acceptedSelected,
            acceptedTrades: lane.acceptedTrades,
            delivered: lane.delivered,
            deliveredTrades: lane.deliveredTrades,
            dropped: lane.dropped,
            droppedTrades: lane.droppedTrades,
            coalesced: lane.coalesced,
            coalescedTrades: lane.coalescedTrades,
            finalState: lane.client != nil ? .exact : FinalStateRule(lane.spec.policy)
        )
    }
}
