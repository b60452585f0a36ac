/// The reconcile rules and a live fan-out to consumers that come and go: the core of
/// `ticktape relay`, and of its replay `--as-recorded`. Pure: no clock, no I/O, no locks; the
/// caller passes times and serialises calls.
///
/// - Every inbound data frame goes through the same ``Reconciler`` as replay (``ingest(_:)``);
///   an accepted event becomes the applied state of its stream key and is offered to every open
///   consumer whose filter passes it, into that consumer's bounded queue with its policy
///   (`drop-oldest`, `drop-newest`, `coalesce`; `block` is refused: nothing live may wait).
/// - Consumers take from their queue at their own pace (``take(_:max:atNs:)``); a slow one drops
///   or coalesces, counted, and never holds back the others.
/// - A request (``request(_:_:wallNs:monoNs:detail:)``) replaces a consumer's filter and, unless
///   realtime-only, queues one SNAPSHOT per requested (type, code) from the applied state.
///
/// **Event-sourced.** With `journaling`, everything that decided a consumer's deliveries is
/// journaled (``drainJournal()``): its opens, requests and closes, positioned after the last
/// frame taken in, and ``RelayMarks`` of how far it had taken its queue before each operation,
/// with a checkpoint (deliveries so far and their digest) at each ``checkpoint()``. A relay
/// built with ``init(rules:reproducing:)`` from that journal, fed the same frames, takes exactly
/// what the live consumers took and compares its digests with the live ones at every checkpoint
/// (``results``).
public struct LiveRelay: Sendable {
    struct Slot: Sendable {
        var lane: ConsumerLane
        var name: String
        /// Operations so far (offers, requests, the close).
        var ops: UInt64 = 0
        /// Queue depth before the last marked operation.
        var lastDepth = 0
        var pending = RelayMarks()
        var checkpointOp: UInt64 = 0
        var checkpointDelivered = -1
        var schedule: Schedule?
    }

    /// A reproduced consumer's marks and checkpoints, consumed in order.
    struct Schedule: Sendable {
        var marks: [(op: UInt64, depth: Int)] = []
        var nextMark = 0
        var checkpoints: [RelayCheckpoint] = []
        var nextCheckpoint = 0
        /// Offline deliveries since the last checkpoint that agreed, for the witness.
        var sinceAgreement: [(epoch: UInt32, seq: UInt64)] = []
        var agreedDelivered = 0
        var failed = false
    }

    public private(set) var reconciler: Reconciler
    /// Whether operations and checkpoints are journaled (live) or taken from a journal (replay).
    public let journaling: Bool
    private var slots: [Int: Slot] = [:]
    /// Open consumers in the order they opened: offers go in this order.
    private var order: [Int] = []
    /// The applied state: the last accepted event per stream key id.
    private var latest: [MarketEvent?] = []
    /// The last inbound data frame taken in.
    public private(set) var position: (epoch: UInt32, seq: UInt64) = (0, 0)
    private var journal: [RelayJournalEntry] = []
    private var nextConsumer = 1
    /// Metrics of consumers that closed, in close order.
    public private(set) var closed: [(id: Int, metrics: ConsumerMetrics)] = []
    /// Reproduction only: every checkpoint compared, in the order compared.
    public private(set) var results: [RelayCheckpointResult] = []
    private var reproduction: [Int: Schedule] = [:]
    /// The latest time passed in (reproduction takes at checkpoints happen then).
    private var nowNs: Int64 = 0

    /// A live relay that journals.
    public init(rules: ReconcilerOptions = ReconcilerOptions()) {
        self.reconciler = Reconciler(options: rules)
        self.journaling = true
    }

    /// A relay that reproduces a journal: `checkpoints` are the journaled checkpoint rows (any
    /// order; taken per consumer in order). Consumer events are applied by the caller, at their
    /// positions, with the same calls as live.
    public init(rules: ReconcilerOptions, reproducing checkpoints: [RelayCheckpoint]) {
        self.reconciler = Reconciler(options: rules)
        self.journaling = false
        for checkpoint in checkpoints {
            var schedule = reproduction[checkpoint.consumer] ?? Schedule()
            schedule.checkpoints.append(checkpoint)
            schedule.marks.append(contentsOf: checkpoint.marks.marks)
            reproduction[checkpoint.consumer] = schedule
        }
    }

    /// Consumers open now, in the order they opened.
    public var consumers: [Int] { order }

    /// The name consumer `id` opened with.
    public func name(of id: Int) -> String? { slots[id]?.name }

    /// Events waiting for consumer `id`.
    public func depth(of id: Int) -> Int { slots[id]?.lane.queue.count ?? 0 }

    /// Consumer `id`'s figures now.
    public func metrics(of id: Int) -> ConsumerMetrics? { slots[id]?.lane.snapshot() }

    /// The applied state of a stream key: its last accepted event.
    public func applied(_ key: StreamKey) -> MarketEvent? {
        guard let id = reconciler.keys.keys.firstIndex(of: key), id < latest.count else { return nil }
        return latest[id]
    }

    // MARK: - Frames

    /// Judges one inbound data frame (in (epoch, seq) order) and offers an accepted event to the
    /// consumers whose filter passes it; returns the decision and those consumers.
    public mutating func ingest(_ input: RuleInput) -> (decision: Decision, offered: [Int]) {
        position = (input.epoch, input.seq)
        nowNs = max(nowNs, input.arrivalNs)
        let decision = reconciler.decide(input)
        guard case .accept(let event) = decision else { return (decision, []) }
        let id = Int(event.keyID)
        if id >= latest.count { latest.append(contentsOf: repeatElement(nil, count: id + 1 - latest.count)) }
        latest[id] = event
        var offered: [Int] = []
        for consumer in order {
            guard var slot = slots.removeValue(forKey: consumer) else { continue }
            if slot.lane.passes(event) {
                operate(&slot, consumer: consumer, atNs: event.arrivalNs)
                slot.lane.offer(event, at: event.arrivalNs, observer: nil)
                offered.append(consumer)
            }
            slots[consumer] = slot
        }
        return (decision, offered)
    }

    // MARK: - Consumers

    /// Opens a consumer with `spec` (policy `block` refused) and, when `request` is given, applies
    /// it at once (in-process consumers: ``RelayRequest/everything`` queues a SNAPSHOT of every
    /// known stream key the spec passes, in first-seen order). `id` is the journal's when
    /// reproducing; live ids are 1, 2, 3 … Returns the id.
    @discardableResult
    public mutating func open(
        _ spec: ConsumerSpec,
        request: RelayRequest? = nil,
        id: Int? = nil,
        wallNs: Int64 = 0,
        monoNs: Int64 = 0,
        detail: String? = nil
    ) throws(RelayError) -> Int {
        guard spec.capacity > 0 else { throw .fanout(.badCapacity(consumer: spec.name, capacity: spec.capacity)) }
        guard spec.policy != .block else { throw .fanout(.blockNeedsOffline(consumer: spec.name)) }
        let consumer = id ?? nextConsumer
        guard slots[consumer] == nil else { throw .duplicateConsumer(consumer) }
        nextConsumer = max(nextConsumer, consumer + 1)
        var slot = Slot(lane: ConsumerLane(spec: spec, index: consumer, live: true), name: spec.name)
        if !journaling { slot.schedule = reproduction[consumer] ?? Schedule() }
        if let request { apply(request, to: &slot, atNs: monoNs) }
        slots[consumer] = slot
        order.append(consumer)
        note(
            RelayConsumerEvent(
                consumer: consumer,
                kind: .open,
                epoch: position.epoch,
                afterSeq: position.seq,
                wallNs: wallNs,
                monoNs: monoNs,
                spec: spec.description,
                request: request?.description,
                detail: detail
            )
        )
        return consumer
    }

    /// Replaces consumer `id`'s subscription with `request`: its filter becomes exactly the
    /// requested REALTIME pairs, and the SNAPSHOTs it asks for are queued. Queued events stay.
    public mutating func request(
        _ id: Int,
        _ request: RelayRequest,
        wallNs: Int64 = 0,
        monoNs: Int64 = 0,
        detail: String? = nil
    ) throws(RelayError) {
        guard var slot = slots.removeValue(forKey: id) else { throw .unknownConsumer(id) }
        operate(&slot, consumer: id, atNs: monoNs)
        apply(request, to: &slot, atNs: monoNs)
        slots[id] = slot
        note(
            RelayConsumerEvent(
                consumer: id,
                kind: .request,
                epoch: position.epoch,
                afterSeq: position.seq,
                wallNs: wallNs,
                monoNs: monoNs,
                request: request.description,
                detail: detail
            )
        )
    }

    /// Closes consumer `id`: what is still queued is never delivered. Journals its last
    /// checkpoint and returns its final figures.
    @discardableResult
    public mutating func close(
        _ id: Int,
        wallNs: Int64 = 0,
        monoNs: Int64 = 0,
        detail: String? = nil
    ) throws(RelayError) -> ConsumerMetrics {
        guard var slot = slots.removeValue(forKey: id) else { throw .unknownConsumer(id) }
        operate(&slot, consumer: id, atNs: monoNs)
        checkpoint(&slot, consumer: id, force: true)
        if !journaling { applyDueCheckpoints(&slot, consumer: id) }
        order.removeAll { $0 == id }
        let metrics = slot.lane.snapshot()
        closed.append((id, metrics))
        note(
            RelayConsumerEvent(
                consumer: id,
                kind: .close,
                epoch: position.epoch,
                afterSeq: position.seq,
                wallNs: wallNs,
                monoNs: monoNs,
                detail: detail
            )
        )
        if !journaling { finishReproduction(slot.schedule, consumer: id, name: slot.name) }
        return metrics
    }

    /// Consumer `id` takes up to `max` events from the head of its queue at `atNs` (lag is
    /// measured to here).
    public mutating func take(_ id: Int, max: Int, atNs: Int64) -> [MarketEvent] {
        guard var slot = slots.removeValue(forKey: id) else { return [] }
        var taken: [MarketEvent] = []
        while taken.count < max, let event = slot.lane.take(at: atNs, observer: nil) { taken.append(event) }
        slots[id] = slot
        return taken
    }

    /// Journals a checkpoint of every consumer that operated or took since its last one.
    public mutating func checkpoint() {
        for consumer in order {
            guard var slot = slots.removeValue(forKey: consumer) else { continue }
            checkpoint(&slot, consumer: consumer, force: false)
            slots[consumer] = slot
        }
    }

    /// The journal since the last call, in order.
    public mutating func drainJournal() -> [RelayJournalEntry] {
        defer { journal.removeAll(keepingCapacity: true) }
        return journal
    }

    /// Reproduction: ends every consumer still open at the end of the tape (a relay that was
    /// killed), comparing the checkpoints they reached.
    public mutating func finishReproduction() {
        for consumer in order {
            guard var slot = slots[consumer] else { continue }
            applyDueCheckpoints(&slot, consumer: consumer)
            slots[consumer] = slot
            finishReproduction(slot.schedule, consumer: consumer, name: slot.name)
        }
        for (consumer, schedule) in reproduction.sorted(by: { $0.key < $1.key }) where slots[consumer] == nil {
            // Checkpoints of a consumer whose open was not reached: none can agree.
            if !closed.contains(where: { $0.id == consumer }), !schedule.checkpoints.isEmpty {
                results.append(
                    .unreached(consumer: consumer, live: schedule.checkpoints[0], note: "the consumer was never opened")
                )
            }
        }
    }

    // MARK: - Internals

    private mutating func note(_ event: RelayConsumerEvent) {
        if journaling { journal.append(.consumer(event)) }
    }

    /// The applied state of `key` as a SNAPSHOT queued at `atNs` (its lag counts from there).
    private func snapshotEvent(_ key: StreamKey, atNs: Int64) -> MarketEvent? {
        guard var event = applied(key) else { return nil }
        event.streamType = .snapshot
        event.arrivalNs = atNs
        return event
    }

    private func apply(_ request: RelayRequest, to slot: inout Slot, atNs: Int64) {
        if let realtime = request.realtime {
            var filter = slot.lane.spec.filter
            filter.pairs = Set(realtime)
            slot.lane.setFilter(filter)
        }
        let wanted =
            request.snapshots
            ?? reconciler.keys.keys.filter { slot.lane.spec.filter.matches(type: $0.type, code: $0.code) }
        var seen: Set<StreamKey> = []
        var snapshots: [MarketEvent] = []
        for key in wanted where seen.insert(key).inserted {
            if let event = snapshotEvent(key, atNs: atNs) { snapshots.append(event) }
        }
        // In the order the states arrived: a stream whose last event came before a reconnect
        // must not follow one from after it, or a client's epoch guard would drop it.
        snapshots.sort { ($0.epoch, $0.seq) < ($1.epoch, $1.seq) }
        for event in snapshots { slot.lane.offer(event, at: atNs, observer: nil) }
    }

    /// Before operation `ops + 1`: live, marks the depth when it changed; reproducing, takes
    /// what the live consumer had taken by then.
    private mutating func operate(_ slot: inout Slot, consumer: Int, atNs: Int64) {
        nowNs = max(nowNs, atNs)
        slot.ops += 1
        if journaling {
            let depth = slot.lane.queue.count
            if depth != slot.lastDepth {
                slot.pending.append(op: slot.ops, depth: depth)
                slot.lastDepth = depth
            }
            return
        }
        applyDueCheckpoints(&slot, consumer: consumer, beforeOp: slot.ops)
        guard var schedule = slot.schedule else { return }
        if schedule.nextMark < schedule.marks.count, schedule.marks[schedule.nextMark].op == slot.ops {
            slot.lastDepth = schedule.marks[schedule.nextMark].depth
            schedule.nextMark += 1
        }
        slot.schedule = schedule
        takeDown(&slot, to: slot.lastDepth, atNs: atNs)
    }

    private mutating func takeDown(_ slot: inout Slot, to depth: Int, atNs: Int64) {
        while slot.lane.queue.count > depth, let event = slot.lane.take(at: atNs, observer: nil) {
            slot.schedule?.sinceAgreement.append((event.epoch, event.seq))
        }
    }

    /// Reproducing: compares the checkpoints taken after operation `beforeOp - 1` (all those up
    /// to the current operation when nil). After a consumer's first disagreement only that one
    /// is reported.
    private mutating func applyDueCheckpoints(_ slot: inout Slot, consumer: Int, beforeOp: UInt64? = nil) {
        while let schedule = slot.schedule, schedule.nextCheckpoint < schedule.checkpoints.count {
            let live = schedule.checkpoints[schedule.nextCheckpoint]
            if let beforeOp, live.toOp >= beforeOp { break }
            if beforeOp == nil, live.toOp > slot.ops { break }
            slot.schedule?.nextCheckpoint += 1
            takeDown(&slot, to: live.depth, atNs: nowNs)
            let metrics = slot.lane.snapshot()
            let agrees =
                metrics.delivered == live.delivered && metrics.digest == live.digest
                && metrics.dropped == live.dropped && metrics.coalesced == live.coalesced
                && slot.lane.queue.count == live.depth
            guard var schedule = slot.schedule else { break }
            if agrees || !schedule.failed {
                results.append(
                    RelayCheckpointResult(
                        consumer: consumer,
                        name: slot.name,
                        live: live,
                        offlineDelivered: metrics.delivered,
                        offlineDropped: metrics.dropped,
                        offlineCoalesced: metrics.coalesced,
                        offlineDigest: metrics.digest,
                        agreedDelivered: schedule.agreedDelivered,
                        firstDifferent: agrees ? nil : schedule.sinceAgreement.first,
                        note: nil
                    )
                )
            }
            if agrees {
                schedule.agreedDelivered = metrics.delivered
                schedule.sinceAgreement.removeAll(keepingCapacity: true)
            } else {
                schedule.failed = true
            }
            slot.schedule = schedule
        }
    }

    private mutating func finishReproduction(_ schedule: Schedule?, consumer: Int, name: String) {
        guard let schedule, schedule.nextCheckpoint < schedule.checkpoints.count, !schedule.failed else { return }
        // Checkpoints past the end of what the tape holds (frames lost to a crash cannot be, as
        // they are committed with or before their marks): a consumer journal that says more.
        let live = schedule.checkpoints[schedule.nextCheckpoint]
        results.append(
            .unreached(
                consumer: consumer,
                name: name,
                live: live,
                agreedDelivered: schedule.agreedDelivered,
                note: "the journal has checkpoints after operation \(live.toOp), which the replay never reached"
            )
        )
    }

    private mutating func checkpoint(_ slot: inout Slot, consumer: Int, force: Bool) {
        guard journaling else { return }
        let metrics = slot.lane.metrics
        guard force || slot.ops != slot.checkpointOp || metrics.delivered != slot.checkpointDelivered else { return }
        let snapshot = slot.lane.snapshot()
        journal.append(
            .checkpoint(
                RelayCheckpoint(
                    consumer: consumer,
                    fromOp: slot.checkpointOp,
                    toOp: slot.ops,
                    marks: slot.pending,
                    delivered: snapshot.delivered,
                    dropped: snapshot.dropped,
                    coalesced: snapshot.coalesced,
                    depth: slot.lane.queue.count,
                    digest: snapshot.digest
                )
            )
        )
        slot.pending = RelayMarks()
        slot.checkpointOp = slot.ops
        slot.checkpointDelivered = metrics.delivered
    }
}

/// One journaled checkpoint of a live consumer against its reproduction (the check's L1).
public struct RelayCheckpointResult: Sendable {
    public var consumer: Int
    public var name: String
    public var live: RelayCheckpoint
    /// Deliveries of the reproduction at that checkpoint (−1: never reached).
    public var offlineDelivered: Int
    public var offlineDropped: Int
    public var offlineCoalesced: Int
    public var offlineDigest: String
    /// Deliveries on which live and offline agreed at the previous checkpoint that did.
    public var agreedDelivered: Int
    /// The reproduction's first delivery after the agreed ones, when they differ.
    public var firstDifferent: (epoch: UInt32, seq: UInt64)?
    /// Why there is nothing to compare, when so.
    public var note: String?

    public init(
        consumer: Int,
        name: String,
        live: RelayCheckpoint,
        offlineDelivered: Int,
        offlineDropped: Int,
        offlineCoalesced: Int,
        offlineDigest: String,
        agreedDelivered: Int,
        firstDifferent: (epoch: UInt32, seq: UInt64)?,
        note: String?
    ) {
        self.consumer = consumer
        self.name = name
        self.live = live
        self.offlineDelivered = offlineDelivered
        self.offlineDropped = offlineDropped
        self.offlineCoalesced = offlineCoalesced
        self.offlineDigest = offlineDigest
        self.agreedDelivered = agreedDelivered
        self.firstDifferent = firstDifferent
        self.note = note
    }

    /// A live checkpoint the reproduction never reached (nothing to compare), with why; `live`
    /// defaults to an empty checkpoint of `consumer` when the journal could not even say which.
    public static func unreached(
        consumer: Int,
        name: String = "?",
        live: RelayCheckpoint? = nil,
        agreedDelivered: Int = 0,
        note: String
    ) -> RelayCheckpointResult {
        RelayCheckpointResult(
            consumer: consumer,
            name: name,
            live: live
                ?? RelayCheckpoint(
                    consumer: consumer,
                    fromOp: 0,
                    toOp: 0,
                    marks: RelayMarks(),
                    delivered: 0,
                    dropped: 0,
                    coalesced: 0,
                    depth: 0,
                    digest: ""
                ),
            offlineDelivered: -1,
            offlineDropped: 0,
            offlineCoalesced: 0,
            offlineDigest: "",
            agreedDelivered: agreedDelivered,
            firstDifferent: nil,
            note: note
        )
    }

    /// Whether the reproduction reached the same deliveries, drops and coalesces.
    public var agrees: Bool {
        note == nil && offlineDelivered == live.delivered && offlineDigest == live.digest
            && offlineDropped == live.dropped && offlineCoalesced == live.coalesced
    }
}
