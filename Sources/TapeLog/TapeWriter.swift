import Foundation

/// Appends frames and lifecycle events to a new tape from any thread, committing in groups on a
/// thread of its own (SPEC §3: "SQLite runs on its own thread; the network loop only stamps and
/// enqueues").
///
/// The queue is bounded: when the writer falls behind, ``append(_:)`` blocks (or the async
/// overload suspends) instead of dropping, so a network reader that awaits it stops reading the
/// socket and TCP pushes back. Order is checked at enqueue time: epochs 1, 2, 3 … each opened
/// by a `connect` event, seq 1, 2, 3 … within an epoch, a `loss` event the only way to skip.
public final class TapeWriter: @unchecked Sendable {
    /// The tape's path.
    public let path: String
    let options: WriterOptions
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Item] = []
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var closing = false
    private var flushGeneration: Int64 = 0
    private var flushedGeneration: Int64 = 0
    private var failure: TapeError?
    private var finished = false
    private var statsSnapshot = WriterStats()
    private var order = OrderCheck()

    enum Item {
        case frame(FrameRecord)
        case event(LifecycleRecord)
    }

    /// Creates `path` (mode 0600; an existing file is refused), applies the schema and writes the
    /// session row, then starts the writer thread.
    public init(path: String, session: SessionInfo, options: WriterOptions = WriterOptions()) throws(TapeError) {
        self.path = path
        self.options = options
        // The store is created here, so that a bad path fails the initializer, then handed over
        // to the writer thread, which is its only user from then on.
        let store = UnsafeTransfer(try TapeStore(creating: path, session: session, options: options))
        let thread = Thread { [self] in self.run(store.value) }
        thread.name = "ticktape-writer"
        thread.start()
    }

    /// A consistent copy of the counters.
    public var stats: WriterStats {
        condition.lock()
        defer { condition.unlock() }
        return statsSnapshot
    }

    /// The epoch currently open (0 before the first connect) and the last seq appended in it.
    public var position: (epoch: UInt32, seq: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        return (order.epoch, order.nextSeq - 1)
    }

    /// Enqueues a frame, blocking the calling thread while the queue is full.
    public func append(_ frame: FrameRecord) throws(TapeError) {
        try enqueue(.frame(frame), blocking: true)
    }

    /// Suspends while the queue is full, without blocking a thread: the async caller's reads
    /// pause, which is the TCP backpressure SPEC §3 asks for. Stamp and ``append(_:)`` after it
    /// returns, so that stamps are taken in the order frames are enqueued.
    public func waitUntilWritable() async {
        if hasSpace() { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            parkUnlessSpace(continuation)
        }
    }

    private func hasSpace() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return queue.count < options.queueCapacity || failure != nil || closing
    }

    private func parkUnlessSpace(_ continuation: CheckedContinuation<Void, Never>) {
        condition.lock()
        if queue.count < options.queueCapacity || failure != nil || closing {
            condition.unlock()
            continuation.resume()
        } else {
            waiters.append(continuation)
            condition.unlock()
        }
    }

    /// Enqueues a lifecycle event. Events never wait for queue space: they are few.
    public func record(_ event: LifecycleRecord) throws(TapeError) {
        try enqueue(.event(event), blocking: false)
    }

    /// Waits until everything enqueued so far is committed.
    public func flush() throws(TapeError) {
        condition.lock()
        defer { condition.unlock() }
        flushGeneration += 1
        let target = flushGeneration
        condition.broadcast()
        while flushedGeneration < target && failure == nil && !finished { condition.wait() }
        if let failure { throw failure }
    }

    /// Commits what is queued, stops the thread and closes the file. Idempotent.
    @discardableResult
    public func close() throws(TapeError) -> WriterStats {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        let stats = statsSnapshot
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
        return stats
    }

    private func enqueue(_ item: Item, blocking: Bool) throws(TapeError) {
        condition.lock()
        defer { condition.unlock() }
        while blocking && queue.count >= options.queueCapacity && failure == nil && !closing { condition.wait() }
        if let failure { throw failure }
        if closing { throw TapeError.writerClosed(reason: "closed") }
        try order.check(item)
        queue.append(item)
        condition.broadcast()
    }

    // MARK: the writer thread

    private func run(_ store: TapeStore) {
        var batch: [Item] = []
        batch.reserveCapacity(options.queueCapacity)
        var transactionStart: UInt64?
        var framesInTransaction = 0
        while true {
            condition.lock()
            while queue.isEmpty && !closing && flushedGeneration == flushGeneration {
                if let start = transactionStart {
                    let deadline = start + UInt64(options.commitMs) * 1_000_000
                    let now = DispatchTime.now().uptimeNanoseconds
                    if now >= deadline { break }
                    _ = condition.wait(until: Date(timeIntervalSinceNow: Double(deadline - now) / 1e9))
                } else {
                    condition.wait()
                }
            }
            swap(&batch, &queue)
            let stopping = closing
            let flushTarget = flushGeneration
            let resumed = waiters
            waiters.removeAll()
            condition.broadcast()
            condition.unlock()
            for waiter in resumed { waiter.resume() }

            do {
                if !batch.isEmpty && transactionStart == nil {
                    try store.begin()
                    transactionStart = DispatchTime.now().uptimeNanoseconds
                }
                for item in batch {
                    switch item {
                    case .frame(let frame):
                        try store.add(frame)
                        framesInTransaction += 1
                    case .event(let event):
                        try store.add(event)
                    }
                }
                batch.removeAll(keepingCapacity: true)
                let now = DispatchTime.now().uptimeNanoseconds
                let due = transactionStart.map { now >= $0 + UInt64(options.commitMs) * 1_000_000 } ?? false
                if transactionStart != nil
                    && (due || framesInTransaction >= options.commitFrames || stopping
                        || flushTarget > flushedGeneration)
                {
                    try store.commit()
                    transactionStart = nil
                    framesInTransaction = 0
                }
                condition.lock()
                statsSnapshot = store.stats
                if transactionStart == nil { flushedGeneration = flushTarget }
                condition.broadcast()
                let done = stopping && queue.isEmpty && transactionStart == nil
                condition.unlock()
                if done { break }
            } catch {
                condition.lock()
                failure = error
                statsSnapshot = store.stats
                let pending = waiters
                waiters.removeAll()
                condition.broadcast()
                condition.unlock()
                for waiter in pending { waiter.resume() }
                break
            }
        }
        store.shutdown()
        condition.lock()
        finished = true
        let pending = waiters
        waiters.removeAll()
        condition.broadcast()
        condition.unlock()
        for waiter in pending { waiter.resume() }
    }
}

/// Hands a non-Sendable value to exactly one other thread, which owns it from then on.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
