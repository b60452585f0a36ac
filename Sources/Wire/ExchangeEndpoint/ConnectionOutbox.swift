import Primitives
import Upbit

/// Why the outbox refused a frame; the connection is then closed with 1008.
enum OutboxOverflow: Sendable, Equatable {
    /// `capacity` market frames were already waiting.
    case frames
    /// The frame would have taken the bytes waiting past the connection's byte budget.
    case bytes

    var reason: String {
        switch self {
        case .frames: return "slow consumer"
        case .bytes: return "send queue over budget"
        }
    }
}

/// The per-connection state shared by the tasks of one exchange connection: the active
/// subscription, the connection's chaos faults and a bounded queue of frames waiting to be written.
///
/// The source never waits for a client: ``offer(_:now:)`` only filters, converts and queues, and
/// reports an overflow instead of blocking once `capacity` market frames are waiting (the
/// handler then closes that connection: a slow client never blocks the source).
///
/// Everything queued for the client (market data, snapshots, replies, errors) also counts
/// against one byte budget, from the moment it is queued until its write has returned (a batch
/// being written is still counted). A write returns once the channel has taken the batch, and
/// the channel itself then holds at most its high watermark and that batch (see
/// ``WebSocketWriter``), so the budget bounds what waits for the client. A frame that would take
/// the total past `byteBudget` is refused, whatever its kind, and the connection closed; a frame
/// is always admitted into an empty queue, so a single frame larger than the budget is not an
/// overflow.
final class ConnectionOutbox: Sendable {
    private struct State {
        var subscription: ActiveSubscription?
        var faults: ConnectionFaults
        var queue: [OutboundFrame] = []
        var head = 0
        var marketQueued = 0
        /// Bytes queued or being written.
        var bytes = 0
        /// The most `bytes` ever were.
        var peakBytes = 0
        var waiter: CheckedContinuation<OutboundFrame?, Never>?
        /// The first overflow, and who waits for one in ``overflowed()``.
        var overflow: OutboxOverflow?
        var overflowWaiter: CheckedContinuation<OutboxOverflow?, Never>?
        /// A pump waiting in ``waitForRoom()``.
        var roomWaiter: CheckedContinuation<Void, Never>?
        var finished = false
        var draining = false
    }

    private let state: Locked<State>
    private let capacity: Int
    private let byteBudget: Int

    init(capacity: Int, byteBudget: Int = .max, faults: ConnectionFaults) {
        self.capacity = max(1, capacity)
        self.byteBudget = max(1, byteBudget)
        self.state = Locked(State(faults: faults))
    }

    /// The subscription now in force (nil before the first valid request).
    var subscription: ActiveSubscription? { self.state.withLock { $0.subscription } }

    /// Replaces the subscription and queues its SNAPSHOTs in one step, so that no REALTIME
    /// message of the new subscription can be queued before them. SNAPSHOTs are queued whatever
    /// the frame count (a request's burst is bounded by its size); they do count against later
    /// messages, and against the byte budget (an overflow is returned).
    func install(_ subscription: ActiveSubscription, snapshots: [OutboundFrame], now: Int64) -> OutboxOverflow? {
        self.state.withLock { state in
            guard !state.finished else { return nil }
            state.subscription = subscription
            for frame in snapshots {
                if let overflow = self.enqueue(frame, now: now, into: &state, capacity: .max) {
                    return Self.report(overflow, &state)
                }
            }
            return nil
        }
    }

    /// Queues a live message if the subscription takes it (filtered by type and code, cut to the
    /// orderbook depth asked for, converted to the connection's format). The overflow, if any.
    func offer(_ message: ExchangeMessage, now: Int64) -> OutboxOverflow? {
        self.state.withLock { state in
            guard !state.finished, !state.draining, let subscription = state.subscription,
                let depth = subscription.accepts(type: message.type, code: message.code)
            else { return nil }
            let payload = Self.prepare(message, depth: depth, for: subscription, snapshot: false)
            let frame = OutboundFrame(
                payload: payload,
                type: message.type,
                code: message.code,
                streamType: .realtime,
                origin: message.origin
            )
            return self.enqueue(frame, now: now, into: &state, capacity: self.capacity).map { Self.report($0, &state) }
        }
    }

    /// Returns once at most half of `capacity` market frames and half of the byte budget wait
    /// (if three quarters or more of either did), or the outbox is finished or draining, or the
    /// calling task is cancelled. For a
    /// source that waits for slow clients (``MarketSource/waitsForSlowClients``): the pump calls
    /// it before each ``offer(_:now:)``, which then never overflows (a quarter of the capacity
    /// stays free for chaos duplicates).
    func waitForRoom() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = self.state.withLock { state -> Bool in
                    guard !Task.isCancelled, !state.finished, !state.draining,
                        state.marketQueued >= self.capacity - self.capacity / 4
                            || state.bytes >= self.byteBudget - self.byteBudget / 4
                    else { return false }
                    state.roomWaiter = continuation
                    return true
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            self.state.withLock { Self.wakeRoomWaiter(&$0) }
        }
    }

    /// Queues a reply (`status`, `error`, `list`); never refused for the frame count, but it
    /// counts against the byte budget like everything else (the overflow is returned).
    func reply(_ frame: OutboundFrame) -> OutboxOverflow? {
        self.state.withLock { state in
            guard !state.finished, !state.draining else { return nil }
            guard self.admits(frame, &state) else { return Self.report(.bytes, &state) }
            state.queue.append(frame)
            self.wakeWaiter(&state)
            return nil
        }
    }

    /// Returns the first overflow once one happens (whichever task queued the frame that did
    /// not fit), or nil when the outbox is finished without one or the calling task is
    /// cancelled. The connection watches this, so that an overflow caused by the task that reads
    /// the client's messages closes the connection while that task goes on reading.
    func overflowed() async -> OutboxOverflow? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<OutboxOverflow?, Never>) in
                let now = self.state.withLock { state -> OutboxOverflow?? in
                    if let overflow = state.overflow { return .some(overflow) }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.overflowWaiter = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            self.state.withLock { state in
                state.overflowWaiter?.resume(returning: nil)
                state.overflowWaiter = nil
            }
        }
    }

    /// Records the first overflow and wakes ``overflowed()``; returns `overflow`.
    private static func report(_ overflow: OutboxOverflow, _ state: inout State) -> OutboxOverflow {
        if state.overflow == nil { state.overflow = overflow }
        state.overflowWaiter?.resume(returning: overflow)
        state.overflowWaiter = nil
        return overflow
    }

    /// A write of frames taken from the queue has returned: their bytes no longer count.
    func written(bytes: Int) {
        self.state.withLock { state in
            state.bytes = max(0, state.bytes - bytes)
            self.wakeRoomWaiterIfRoom(&state)
        }
    }

    /// Bytes queued or being written now.
    var queuedBytes: Int { self.state.withLock { $0.bytes } }
    /// The most bytes ever queued or being written at once.
    var peakQueuedBytes: Int { self.state.withLock { $0.peakBytes } }

    private func admits(_ frame: OutboundFrame, _ state: inout State) -> Bool {
        let size = frame.payload.count
        guard state.bytes == 0 || size <= self.byteBudget - state.bytes else { return false }
        state.bytes += size
        state.peakBytes = max(state.peakBytes, state.bytes)
        return true
    }

    /// The bytes of `message` as this connection should get them: cut to the orderbook depth,
    /// re-spelled in the connection's keys, marked SNAPSHOT when it is one, and wrapped in a
    /// one-element array for the `*_LIST` formats.
    static func prepare(
        _ message: ExchangeMessage,
        depth: Int?,
        for subscription: ActiveSubscription,
        snapshot: Bool
    ) -> [UInt8] {
        var payload = message.payload
        if let depth, message.type == "orderbook" {
            payload = ExchangePayloads.truncatingOrderbook(payload, depth: depth)
        }
        if message.format != subscription.keys {
            payload = UpbitFormat.convert(payload, to: subscription.keys) ?? payload
        }
        if snapshot { payload = ExchangePayloads.markingSnapshot(payload) }
        if subscription.wrapsInList {
            payload.insert(UInt8(ascii: "["), at: 0)
            payload.append(UInt8(ascii: "]"))
        }
        return payload
    }

    /// The next frame to write; waits while the queue is empty. Nil once finished or when the
    /// calling task is cancelled.
    func next() async -> OutboundFrame? {
        if let frame = self.popIfAvailable() { return frame }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<OutboundFrame?, Never>) in
                let resumeNow: Bool = self.state.withLock { state in
                    if state.finished || state.draining || state.head < state.queue.count || Task.isCancelled {
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume(returning: self.popIfAvailable()) }
            }
        } onCancel: {
            self.finish()
        }
    }

    /// ``next()``, then up to `limit` frames in all that are already queued behind it, for one
    /// write. A frame with a due time (a chaos delay) is never taken behind another one: it is
    /// written on its own, when due.
    func nextBatch(limit: Int) async -> [OutboundFrame]? {
        guard let first = await self.next() else { return nil }
        var batch = [first]
        guard first.dueNanos <= 0 else { return batch }
        self.state.withLock { state in
            while batch.count < limit, state.head < state.queue.count, state.queue[state.head].dueNanos <= 0,
                let frame = self.pop(&state)
            {
                batch.append(frame)
            }
        }
        return batch
    }

    /// Lets ``next()`` hand out what is queued, then end with nil; nothing more is accepted.
    func drain() {
        let waiter = self.state.withLock { state -> CheckedContinuation<OutboundFrame?, Never>? in
            state.draining = true
            state.subscription = nil
            Self.wakeRoomWaiter(&state)
            guard state.head == state.queue.count else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Drops whatever is queued and ends ``next()`` with nil.
    func finish() {
        let waiter = self.state.withLock { state -> CheckedContinuation<OutboundFrame?, Never>? in
            state.finished = true
            state.queue.removeAll()
            state.head = 0
            state.marketQueued = 0
            state.bytes = 0
            Self.wakeRoomWaiter(&state)
            state.overflowWaiter?.resume(returning: state.overflow)
            state.overflowWaiter = nil
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Market frames waiting now.
    var marketQueued: Int { self.state.withLock { $0.marketQueued } }

    private func popIfAvailable() -> OutboundFrame? {
        self.state.withLock { self.pop(&$0) }
    }

    private func pop(_ state: inout State) -> OutboundFrame? {
        guard !state.finished, state.head < state.queue.count else { return nil }
        let frame = state.queue[state.head]
        state.head += 1
        if frame.isMarket {
            state.marketQueued -= 1
            self.wakeRoomWaiterIfRoom(&state)
        }
        if state.head == state.queue.count {
            state.queue.removeAll(keepingCapacity: true)
            state.head = 0
        } else if state.head >= 1024, state.head * 2 >= state.queue.count {
            state.queue.removeFirst(state.head)
            state.head = 0
        }
        return frame
    }

    private func enqueue(
        _ frame: OutboundFrame,
        now: Int64,
        into state: inout State,
        capacity: Int
    ) -> OutboxOverflow? {
        for out in state.faults.process(frame, now: now) {
            guard state.marketQueued < capacity else { return .frames }
            guard self.admits(out, &state) else { return .bytes }
            state.queue.append(out)
            state.marketQueued += 1
        }
        self.wakeWaiter(&state)
        return nil
    }

    /// Wakes a pump waiting for room once at most half the frame capacity and half the byte
    /// budget are in use (fewer wake-ups than at every frame).
    private func wakeRoomWaiterIfRoom(_ state: inout State) {
        guard state.roomWaiter != nil, state.marketQueued <= self.capacity / 2, state.bytes <= self.byteBudget / 2
        else { return }
        Self.wakeRoomWaiter(&state)
    }

    /// Hands the first queued frame to a waiting ``next()``. Resuming only schedules the waiting
    /// task, so doing it under the lock is safe.
    private func wakeWaiter(_ state: inout State) {
        guard let waiter = state.waiter, let frame = self.pop(&state) else { return }
        state.waiter = nil
        waiter.resume(returning: frame)
    }

    /// Resumes a pump waiting for room (under the lock, as ``wakeWaiter(_:)``).
    private static func wakeRoomWaiter(_ state: inout State) {
        guard let waiter = state.roomWaiter else { return }
        state.roomWaiter = nil
        waiter.resume()
    }
}
