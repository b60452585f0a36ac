import Exchange
import Primitives
import Rules
import TapeLog
import Upbit

/// The live side of ``RelayRun``: a `LiveRelay` (Rules) behind one lock, fed every recorded frame in
/// seq order, with consumers that wait for their events.
///
/// Each call that changes the relay enqueues what it journaled to the tape inside the same lock,
/// so the journal reaches the writer in the order it happened, after the frames it follows.
/// A consumer's events are handed over in batches (``next(_:max:)``); it never holds the lock
/// while it writes them, so a slow consumer only fills its own queue.
public final class RelayHub: Sendable {
    struct State: Sendable {
        var relay: LiveRelay
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var stopped = false
        /// Consumers holding a batch they have not finished with (until they ask for the next).
        var inFlight: Set<Int> = []
        /// Where journal rows go; nil until attached (rows wait in the relay meanwhile).
        var sink: (@Sendable (RelayRow) throws -> Void)?
        var sinkFailure: String?
    }

    private let state: Locked<State>
    private let profile = UpbitProfile()
    /// Monotonic time the tape's `mono_ns` counts from, and the clock to read now.
    private let clock: WireClock
    private let startMono: Locked<Int64>

    public init(rules: ReconcilerOptions = ReconcilerOptions(), clock: WireClock = .system) {
        self.state = Locked(State(relay: LiveRelay(rules: rules)))
        self.clock = clock
        self.startMono = Locked(clock.monotonicNanos())
    }

    /// Sends journal rows to `sink` (the tape) from now on; `startMono` is the tape's zero.
    public func attach(startMono: Int64, sink: @escaping @Sendable (RelayRow) throws -> Void) {
        self.startMono.withLock { $0 = startMono }
        self.state.withLock { state in
            state.sink = sink
            Self.flush(&state)
        }
    }

    /// Nanoseconds since the tape's start, on the tape's monotonic clock.
    public func nowNs() -> Int64 { self.clock.monotonicNanos() - self.startMono.withLock { $0 } }

    /// One recorded frame, right after it was enqueued to the tape: inbound data frames go
    /// through the rules and their accepted events to the consumers.
    public func ingest(_ frame: FrameRecord) {
        guard frame.direction == .inbound, frame.opcode.isData else { return }
        let extracted = self.profile.facts(of: frame.payload)
        // As the tape stores them: a frame the profile does not recognise has no facts.
        let facts = extracted.type != nil ? extracted : FrameFacts()
        let input = RuleInput(
            epoch: frame.epoch,
            seq: frame.seq,
            arrivalNs: frame.monoNs,
            facts: facts,
            payload: frame.payload
        )
        let wake = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let (_, offered) = state.relay.ingest(input)
            Self.flush(&state)
            return offered.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        for waiter in wake { waiter.resume() }
    }

    /// Opens a consumer (`request` applied at once when given); returns its id.
    public func open(_ spec: ConsumerSpec, request: RelayRequest? = nil, detail: String?) throws(RelayError) -> Int {
        let (wall, mono) = (self.clock.wallNanos(), self.nowNs())
        let result = self.state.withLock { state -> Result<Int, RelayError> in
            do throws(RelayError) {
                let id = try state.relay.open(spec, request: request, wallNs: wall, monoNs: mono, detail: detail)
                Self.flush(&state)
                return .success(id)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Replaces consumer `id`'s subscription; wakes it for the SNAPSHOTs.
    public func request(_ id: Int, _ request: RelayRequest, detail: String?) throws(RelayError) {
        let (wall, mono) = (self.clock.wallNanos(), self.nowNs())
        let result = self.state.withLock { state -> Result<CheckedContinuation<Void, Never>?, RelayError> in
            do throws(RelayError) {
                try state.relay.request(id, request, wallNs: wall, monoNs: mono, detail: detail)
                Self.flush(&state)
                return .success(state.waiters.removeValue(forKey: id))
            } catch {
                return .failure(error)
            }
        }
        try result.get()?.resume()
    }

    /// Closes consumer `id` (idempotent); returns its final figures, nil when it was not open.
    @discardableResult
    public func close(_ id: Int, detail: String?) -> ConsumerMetrics? {
        let (wall, mono) = (self.clock.wallNanos(), self.nowNs())
        let (metrics, waiter) = self.state.withLock { state -> (ConsumerMetrics?, CheckedContinuation<Void, Never>?) in
            guard state.relay.consumers.contains(id) else { return (nil, state.waiters.removeValue(forKey: id)) }
            let metrics = try? state.relay.close(id, wallNs: wall, monoNs: mono, detail: detail)
            Self.flush(&state)
            return (metrics, state.waiters.removeValue(forKey: id))
        }
        waiter?.resume()
        return metrics
    }

    /// Up to `max` events for consumer `id`, waiting while its queue is empty; nil once it is
    /// closed or the hub stopped (or the calling task is cancelled).
    public func next(_ id: Int, max: Int) async -> [MarketEvent]? {
        self.state.withLock { _ = $0.inFlight.remove(id) }
        while true {
            if let batch = self.takeNow(id, max: max) { return batch.isEmpty ? nil : batch }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let wait = self.state.withLock { state -> Bool in
                        guard !state.stopped, !Task.isCancelled, state.relay.consumers.contains(id),
                            state.relay.depth(of: id) == 0
                        else { return false }
                        state.waiters[id] = continuation
                        return true
                    }
                    if !wait { continuation.resume() }
                }
            } onCancel: {
                let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume()
            }
            if Task.isCancelled { return nil }
        }
    }

    /// What is there now: nil when nothing is queued yet (wait), empty when the consumer is gone.
    private func takeNow(_ id: Int, max: Int) -> [MarketEvent]? {
        let now = self.nowNs()
        return self.state.withLock { state -> [MarketEvent]? in
            guard !state.stopped, state.relay.consumers.contains(id) else { return [] }
            let batch = state.relay.take(id, max: max, atNs: now)
            if !batch.isEmpty { state.inFlight.insert(id) }
            return batch.isEmpty ? nil : batch
        }
    }

    /// Journals a checkpoint of every consumer that moved since its last one (call once per
    /// commit window).
    public func checkpoint() {
        self.state.withLock { state in
            state.relay.checkpoint()
            Self.flush(&state)
        }
    }

    /// Waits (at most `timeoutNanos`) until every open consumer has taken what is queued for it
    /// and finished with it (written it, for a client: asked for more):
    /// at the end of a session, coalesced and latest states still reach the consumers that keep
    /// reading. A consumer that stopped reading is given up on at the deadline.
    public func drain(timeoutNanos: Int64) async {
        let deadline = self.clock.monotonicNanos() + timeoutNanos
        while self.clock.monotonicNanos() < deadline {
            let empty = self.state.withLock { state in
                state.relay.consumers.allSatisfy { state.relay.depth(of: $0) == 0 && !state.inFlight.contains($0) }
            }
            if empty { return }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    /// Closes every consumer (their final checkpoints journaled) and wakes everyone waiting.
    public func stop(detail: String) -> [(id: Int, metrics: ConsumerMetrics)] {
        let (wall, mono) = (self.clock.wallNanos(), self.nowNs())
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            for id in state.relay.consumers {
                _ = try? state.relay.close(id, wallNs: wall, monoNs: mono, detail: detail)
            }
            Self.flush(&state)
            state.stopped = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
        return self.state.withLock { $0.relay.closed }
    }

    /// Figures of every consumer: open ones now, closed ones at their close.
    public func consumers() -> [RelayConsumerStatus] {
        self.state.withLock { state in
            var result: [RelayConsumerStatus] = []
            for (id, metrics) in state.relay.closed {
                result.append(RelayConsumerStatus(id: id, open: false, depth: 0, metrics: metrics))
            }
            for id in state.relay.consumers {
                guard let metrics = state.relay.metrics(of: id) else { continue }
                result.append(
                    RelayConsumerStatus(id: id, open: true, depth: state.relay.depth(of: id), metrics: metrics)
                )
            }
            return result.sorted { $0.id < $1.id }
        }
    }

    /// The relay's rule counts and current epoch.
    public func rules() -> (counts: RuleCounts, epoch: UInt32) {
        self.state.withLock { ($0.relay.reconciler.counts, $0.relay.reconciler.currentEpoch) }
    }

    /// Why journal rows could not be written, if they could not.
    public var failure: String? { self.state.withLock { $0.sinkFailure } }

    private static func flush(_ state: inout State) {
        guard let sink = state.sink else { return }
        for entry in state.relay.drainJournal() {
            do {
                try sink(Self.row(entry))
            } catch {
                state.sinkFailure = state.sinkFailure ?? "\(error)"
            }
        }
    }

    static func row(_ entry: RelayJournalEntry) -> RelayRow {
        switch entry {
        case .consumer(let event):
            .event(
                RelayEventRecord(
                    consumer: Int64(event.consumer),
                    kind: event.kind.rawValue,
                    epoch: event.epoch,
                    afterSeq: event.afterSeq,
                    wallNs: event.wallNs,
                    monoNs: event.monoNs,
                    spec: event.spec,
                    request: event.request,
                    detail: event.detail
                )
            )
        case .checkpoint(let checkpoint):
            .mark(
                RelayMarkRecord(
                    consumer: Int64(checkpoint.consumer),
                    fromOp: checkpoint.fromOp,
                    toOp: checkpoint.toOp,
                    marks: checkpoint.marks.encoded(after: checkpoint.fromOp),
                    delivered: Int64(checkpoint.delivered),
                    dropped: Int64(checkpoint.dropped),
                    coalesced: Int64(checkpoint.coalesced),
                    depth: Int64(checkpoint.depth),
                    digest: checkpoint.digest
                )
            )
        }
    }
}

/// One relay consumer's figures, for `/status` and the summary.
public struct RelayConsumerStatus: Sendable {
    public var id: Int
    public var open: Bool
    /// Events waiting in its queue now.
    public var depth: Int
    public var metrics: ConsumerMetrics
}
